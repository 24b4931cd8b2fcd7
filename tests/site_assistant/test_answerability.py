"""site_assistant.answerability: each index calibrates its own answer threshold when it is built."""

import json

import pytest
from django.core.management import call_command

from site_assistant import answerability, index, services
from site_assistant.apps import check_answer_settings
from site_assistant.build import run_build
from site_assistant.models import IndexBuild

pytestmark = pytest.mark.django_db


def test_the_shipped_off_topic_questions_are_generic_and_many():
    questions = answerability.off_topic_questions()
    assert len(questions) >= 250 and len(set(questions)) == len(questions)
    assert not any("bambi" in q.casefold() for q in questions)


def test_each_build_calibrates_its_threshold_from_off_topic_questions(built_index):
    live = index.load_current()  # other tests may have rebuilt the site since
    calibration = live.calibration
    assert calibration["quantile"] == 0.95 and calibration["off_topic_questions"] >= 250
    threshold = calibration["min_score"]
    assert answerability.LOWEST <= threshold <= answerability.HIGHEST
    assert calibration["off_topic_median"] < threshold < calibration["off_topic_max"]
    # It is stored with the version and is what serving uses.
    meta = json.loads((live.path / index.META_FILE).read_text())
    assert meta["calibration"] == calibration
    assert services.min_score() == threshold
    # 95% of the off-topic questions score below it, on this very index.
    scores = answerability.best_scores(live, answerability.off_topic_questions())
    assert sum(s < threshold for s in scores) / len(scores) == pytest.approx(0.95, abs=0.01)


def test_a_question_the_site_cannot_answer_gets_not_sure_and_still_the_closest_sections(
    built_index, client
):
    result = services.answer("what is the capital of France", k=3)
    assert result.answer is None and len(result.results) == 3
    assert result.results[0].score < result.min_score == services.min_score()
    assert services.answer("how much does a landing page cost").answer is not None
    body = client.get("/api/search/", {"q": "what is the capital of France", "k": 3}).json()
    assert body["answer"] is None and len(body["results"]) == 3
    assert body["min_score"] == result.min_score and body["contact_url"]


# Questions in neither the shipped off-topic list nor the evaluation sets.
PLAINLY_UNANSWERABLE = [
    "how many moons does Jupiter have",
    "what is the best way to grow tomatoes in a greenhouse",
    "can you recommend a good dentist in Vienna",
    "what time does the last train to Zagreb leave",
]
ANSWERABLE = {
    "how much does a landing page cost": "/services/#pricing",
    "do I need to register to play the game": "/game/#no-account-needed",
    "what do you do with my personal data": "/privacy/",
    "how long does a website take to build": "/services/#timelines",
}


def test_the_build_s_decision_declines_what_the_site_does_not_say_and_answers_what_it_does(
    built_index,
):
    for question in PLAINLY_UNANSWERABLE:
        result = services.answer(question, k=3)
        assert result.answer is None, (question, result.results[0].score, result.min_score)
        assert len(result.results) == 3  # still the closest sections
    for question, link in ANSWERABLE.items():
        result = services.answer(question)
        assert result.answer is not None and result.answer.link == link, question


@pytest.mark.parametrize(
    "override, error",
    [
        ({"OFF_TOPIC_QUANTILE": 1.5}, "site_assistant.E001"),
        ({"OFF_TOPIC_QUANTILE": "0.95"}, "site_assistant.E001"),
        ({"MIN_SCORE": 0}, "site_assistant.E001"),
        ({"MIN_SCORE": True}, "site_assistant.E001"),
        ({"OFF_TOPIC_QUESTIONS": "/nonexistent/off-topic.txt"}, "site_assistant.E002"),
        ({"OFF_TOPIC_QUESTIONS": "EMPTY"}, "site_assistant.E002"),
    ],
)
def test_answer_settings_are_checked(settings, tmp_path, override, error):
    if override.get("OFF_TOPIC_QUESTIONS") == "EMPTY":
        empty = tmp_path / "off-topic.txt"
        empty.write_text("# only a comment\n\n")
        override = {"OFF_TOPIC_QUESTIONS": str(empty)}
    assert check_answer_settings() == []  # the defaults pass
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, **override}
    errors = check_answer_settings()
    assert [e.id for e in errors] == [error]
    assert "SITE_ASSISTANT[" in errors[0].msg


def test_an_explicit_min_score_overrides_the_calibration(built_index, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "MIN_SCORE": 0.2}
    assert services.min_score() == 0.2
    assert services.answer("what is the capital of France").answer is not None


def test_another_site_gets_its_own_threshold_from_its_own_list(testsite, settings, tmp_path):
    questions = tmp_path / "off-topic.txt"
    questions.write_text("# comment\nwhat is the capital of France\nhow do I bake bread\n")
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "OFF_TOPIC_QUESTIONS": str(questions)}
    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED
    live = index.load_current()
    assert live.calibration["off_topic_questions"] == 2
    assert services.min_score() == live.calibration["min_score"]


@pytest.mark.slow
def test_search_evaluate_reports_the_share_declined_and_answered(built_index, tmp_path):
    """The figures of docs/quality.md, as guards: what the calibration reaches today."""
    out = tmp_path / "answerability.json"
    call_command(
        "search_evaluate",
        "--model",
        "base",
        "--natural",
        "tests/data/natural_questions_holdout.jsonl",
        "--unanswerable",
        "tests/data/unanswerable_questions.jsonl",
        "--json",
        str(out),
    )
    holdout, unanswerable = json.loads(out.read_text())
    assert holdout["results"]["dense"]["accuracy@1"] >= 0.90
    assert holdout["answerability"]["answered"] >= 0.98
    declined = 1 - unanswerable["answerability"]["answered"]
    assert declined >= 0.5
    by_kind = unanswerable["answerability"]["by_group"]
    assert 1 - by_kind["off_topic"]["answered"] >= 0.9
    assert unanswerable["answerability"]["threshold"] == services.min_score()


def test_a_rebuild_that_changes_nothing_keeps_the_threshold_without_asking_again(
    testsite, settings, monkeypatch
):
    def build():
        done = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
        assert done.status == IndexBuild.Status.SUCCEEDED
        return index.load_current().calibration

    first = build()
    asked = []
    real_best_scores = answerability.best_scores
    monkeypatch.setattr(
        answerability,
        "best_scores",
        lambda version, questions: (
            asked.append(version.version) or real_best_scores(version, questions)
        ),
    )
    # Nothing changed: the live threshold is kept and no question is asked.
    assert build() == first and asked == []
    # A setting that moves the threshold: calibrated again.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "OFF_TOPIC_QUANTILE": 0.5}
    moved = build()
    assert len(asked) == 1 and moved["quantile"] == 0.5 and moved["key"] != first["key"]
    assert moved["min_score"] < first["min_score"]
    # A page that changed: calibrated again.
    title, main = testsite.PAGES["/beta/"]
    testsite.PAGES["/beta/"] = (title, main + "<h2 id='tea'>Tea</h2><p>We drink green tea.</p>")
    changed = build()
    assert len(asked) == 2 and changed["key"] not in (first["key"], moved["key"])
