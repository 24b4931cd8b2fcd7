"""The activation guard: a gain beyond split noise, and no loss on natural questions."""

import pytest

from site_assistant.training import guard


def _scores(values):
    return {f"q{i}": v for i, v in enumerate(values)}


def test_a_gain_within_split_noise_is_refused():
    # Half the questions up by 0.2, half down by 0.18: +0.01 on average, but noise.
    base = _scores([0.5] * 40)
    tuned = _scores([0.7, 0.32] * 20)
    ok, decision, evidence = guard.judge(base, tuned, {})
    assert not ok and "no gain beyond split noise" in decision
    assert evidence["gain"] > 0 and evidence["gain_low"] <= 0


def test_a_steady_gain_passes():
    base = _scores([0.5] * 40)
    tuned = _scores([0.6, 0.55] * 20)
    ok, decision, evidence = guard.judge(base, tuned, {})
    assert ok and decision.startswith("activated:") and evidence["gain_low"] > 0


def test_a_loss_on_natural_questions_is_refused_even_with_a_gain_overall():
    """Generated questions up, the questions people wrote down: the case of StackFAQ."""
    base = _scores([0.4] * 60 + [0.9] * 12)
    tuned = _scores([0.8] * 60 + [0.85] * 12)
    kinds = {f"q{i}": ("keyphrase" if i < 60 else "heading") for i in range(72)}
    ok, decision, evidence = guard.judge(base, tuned, kinds)
    assert not ok and "natural questions (12) 0.8500 vs base 0.9000: lower" in decision
    # With too few natural questions to judge on, the overall gain decides.
    few = {q: ("keyphrase" if k == "heading" and q != "q60" else k) for q, k in kinds.items()}
    assert guard.judge(base, tuned, few)[0]


def test_no_questions_or_nan_is_refused():
    assert not guard.judge({}, {}, {})[0]
    assert not guard.judge({"q": float("nan")}, {"q": 1.0}, {})[0]


def test_natural_questions_asked_of_the_answers_alone_decide_when_given():
    """Word for word in its passage, a question heading scores 1.0 with any model; asked
    of the answers alone, the tuned model's loss shows (StackFAQ: 0.876 → 0.813)."""
    kinds = {f"q{i}": ("keyphrase" if i < 60 else "heading") for i in range(72)}
    base = _scores([0.4] * 60 + [1.0] * 12)
    tuned = _scores([0.8] * 60 + [1.0] * 12)
    assert guard.judge(base, tuned, kinds)[0]  # extractive: no loss seen
    alone_base = {f"q{i}": 0.88 for i in range(60, 72)}
    alone_tuned = {f"q{i}": 0.81 for i in range(60, 72)}
    ok, decision, evidence = guard.judge(base, tuned, kinds, alone_base, alone_tuned)
    assert not ok and "asked of the answers alone 0.8100 vs base 0.8800: lower" in decision
    assert evidence["answer_only"] is True
    assert guard.natural_qids(kinds) == [f"q{i}" for i in range(60, 72)]
    assert guard.natural_qids({"q1": "heading"}) == []  # too few to judge on


@pytest.mark.django_db
@pytest.mark.slow
def test_answer_only_scores_questions_against_passages_without_their_heading(tmp_path):
    from site_assistant import embed
    from site_assistant.training import pairs as P
    from site_assistant.training.evaluate import load_dev
    from tests.site_assistant.test_pairs_corpus import write_corpus

    pair_set = P.build_pairs(P.read_corpus(write_corpus(tmp_path)), dev_fraction=0.5)
    P.write_pairs(pair_set, tmp_path / "pairs", site=False)
    kinds = load_dev(tmp_path / "pairs").groups
    headings = [q for q, kind in kinds.items() if kind == "heading"]
    assert headings
    scores = guard.answer_only(tmp_path / "pairs", embed.default_model_path(), headings)
    assert set(scores) == set(headings) and all(0 <= v <= 1 for v in scores.values())


@pytest.mark.django_db
@pytest.mark.slow
def test_scoring_without_sentences_or_typos_leaves_the_visitors_answers_as_set(
    tmp_path, built_index, monkeypatch
):
    """Training scores the natural questions without sentence vectors or typo correction
    in its own thread; a visitor answered meanwhile by the same process (no broker: the
    web server runs the task) is answered as the site is set: "cokies" is respelled."""
    import threading

    from django.db import connections

    from site_assistant import conf, embed, services
    from site_assistant.training import pairs as P
    from site_assistant.training.evaluate import load_dev
    from tests.site_assistant.test_pairs_corpus import write_corpus

    pair_set = P.build_pairs(P.read_corpus(write_corpus(tmp_path)), dev_fraction=0.5)
    P.write_pairs(pair_set, tmp_path / "pairs", site=False)
    qids = list(load_dev(tmp_path / "pairs").groups)
    weight, typos = conf.get("SENTENCE_WEIGHT"), conf.get("TYPO_TOLERANCE")
    assert weight and typos
    scoring, answered, seen = threading.Event(), threading.Event(), {}
    score = guard.per_query

    def spy(retrievers, *args, **kwargs):  # calls through, once the visitor is answered
        seen["training"] = conf.get("SENTENCE_WEIGHT"), conf.get("TYPO_TOLERANCE")
        scoring.set()
        assert answered.wait(300)
        return score(retrievers, *args, **kwargs)

    def train():
        try:
            seen["scores"] = guard.answer_only(tmp_path / "pairs", embed.default_model_path(), qids)
        finally:
            scoring.set()
            connections.close_all()

    monkeypatch.setattr(guard, "per_query", spy)
    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        assert scoring.wait(300)
        serving = conf.get("SENTENCE_WEIGHT"), conf.get("TYPO_TOLERANCE")
        visitor = services.answer("cokies")
    finally:
        answered.set()
        trainer.join(300)
    assert seen["training"] == (0, False)
    assert serving == (weight, typos)
    assert visitor.corrected == "cookies" and visitor.answer.link == "/privacy/#cookies"
    assert set(seen["scores"]) == set(qids)
