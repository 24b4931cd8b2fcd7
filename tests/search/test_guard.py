"""The activation guard: a gain beyond split noise, and no loss on natural questions."""

from search.training import guard


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
