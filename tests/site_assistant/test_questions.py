"""The questions log: what is stored (and what is not), feedback, the 30-day purge."""

import json
import shutil
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from site_assistant import questions
from site_assistant.models import Question

pytestmark = pytest.mark.django_db


def _aged(text, days):
    question = Question.objects.create(text=text)
    Question.objects.filter(pk=question.pk).update(created=timezone.now() - timedelta(days=days))
    return question


@pytest.mark.usefixtures("built_index")
def test_ask_logs_the_question_and_its_top_passage():
    answer, question = questions.ask("Can I scrape the site?", k=3, channel="widget")
    question.refresh_from_db()
    assert question.text == "Can I scrape the site?"
    assert question.channel == "widget"
    assert question.answered is True and answer.answer is not None
    assert question.top_url == "/terms/#use-of-site"
    assert question.top_heading.endswith("Use of site")
    assert "scraping" in question.top_text
    assert question.score == pytest.approx(answer.answer.score)
    assert question.model_id == answer.model_id
    assert question.index_version == answer.index_version
    assert question.latency_ms > 0
    assert question.helpful is None


@pytest.mark.usefixtures("built_index")
def test_an_unsure_answer_is_logged_as_unanswered_with_the_closest_passage():
    answer, question = questions.ask("zxqv blorp", channel="page")
    assert answer.answer is None
    assert question.answered is False
    assert question.top_url  # the closest page, for the owner to read
    assert question.score < 0.35


def test_nothing_about_the_person_is_stored():
    names = {field.name for field in Question._meta.get_fields()}
    for banned in ("ip", "ip_address", "remote_addr", "user_agent", "user", "session"):
        assert banned not in names


def test_record_feedback_stores_the_verdict_and_a_later_click_replaces_it():
    question = Question.objects.create(text="How much is a landing page?")
    token = questions.feedback_token(question)
    questions.record_feedback(question.pk, True, token)
    question.refresh_from_db()
    assert question.helpful is True and question.feedback_at is not None
    questions.record_feedback(question.pk, False, token)
    question.refresh_from_db()
    assert question.helpful is False


def test_record_feedback_for_an_unknown_question_raises():
    with pytest.raises(Question.DoesNotExist):
        questions.record_feedback(987654, True, questions.feedback_token(Question(pk=987654)))


def test_feedback_needs_the_token_of_that_very_question():
    mine, theirs = (Question.objects.create(text=t) for t in ("mine", "theirs"))
    token = questions.feedback_token(mine)
    assert len(token) >= 20
    # Its last character changed (it is "A" for one question in 16: a base64 digest's last
    # character carries 4 bits).
    altered = token[:-1] + ("B" if token.endswith("A") else "A")
    for question_id, wrong in [(theirs.pk, token), (mine.pk, ""), (mine.pk, altered)]:
        with pytest.raises(questions.NotTheAsker, match="only from whoever asked"):
            questions.record_feedback(question_id, True, wrong)
    assert not Question.objects.filter(helpful__isnull=False).exists()


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("How much does a landing page cost?", False),
        ("Do you work with florists in 2024?", False),
        ("What is the node.js version?", False),
        ("Write to me at ana.k@example.com", True),
        ("my insta is @ana_k", True),
        ("see https://example.org/x", True),
        ("is www.anasflowers fine", True),
        ("my shop anasflowers.si needs a site", True),
        ("call 041 555 123", True),
        ("call +386 (41) 555-123", True),
        ("IBAN SI56191000000123438", True),
    ],
)
def test_personal_data_screen(text, personal):
    from site_assistant.models import looks_personal

    assert looks_personal(text) is personal


def test_purge_removes_only_entries_older_than_30_days():
    old = [_aged("old", 31), _aged("older", 90)]
    kept = [_aged("recent", 29), _aged("yesterday", 1), Question.objects.create(text="now")]
    assert questions.purge_old_questions() == 2
    remaining = set(Question.objects.values_list("pk", flat=True))
    assert remaining == {q.pk for q in kept}
    assert not remaining & {q.pk for q in old}


def test_the_purge_takes_a_questions_asks_one_by_one_and_its_row_with_the_last(
    client, django_user_model
):
    """The Unanswered list shows each question once; the purge still deletes each ask
    when it is due: the row counts the asks left, and goes with the last."""
    client.force_login(django_user_model.objects.create_superuser("o", "o@x.example", "pw"))
    for text, days in [
        ("Do you ship abroad?", 29),  # inside the 30 days: the list's own purge keeps them
        ("do you ship abroad", 28),
        ("do you ship abroad?", 2),
    ]:
        _aged(text, days)

    def times_asked():
        listing = client.get("/admin/site_assistant/question/?attention=unanswered")
        return [(q.text, q.asks) for q in listing.context["cl"].result_list]

    assert times_asked() == [("do you ship abroad?", 3)]
    questions.purge_old_questions(days=27)
    assert times_asked() == [("do you ship abroad?", 1)]
    questions.purge_old_questions(days=1)
    assert times_asked() == []
    assert not Question.objects.exists()


def test_the_purge_is_one_delete_statement_and_one_log_line(caplog):
    """A month of a busy site's questions goes in one statement, said in one line
    (not a line, nor a statement, per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Question.objects.bulk_create([Question(text=f"question {n}") for n in range(300)])
    Question.objects.update(created=timezone.now() - timedelta(days=40))
    Question.objects.create(text="today")
    caplog.set_level("INFO", logger="site_assistant")
    with CaptureQueriesContext(connection) as queries:
        assert questions.purge_old_questions() == 300
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 1, deletes
    said = [r.getMessage() for r in caplog.records if r.name.startswith("site_assistant")]
    assert said == ["question log: 300 question(s) older than 30 days deleted"]
    assert list(Question.objects.values_list("text", flat=True)) == ["today"]


def test_purge_honours_the_retention_setting(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOG_RETENTION_DAYS": 7}
    _aged("eight days", 8)
    _aged("six days", 6)
    assert questions.purge_old_questions() == 1
    assert list(Question.objects.values_list("text", flat=True)) == ["six days"]


def test_purge_command_with_days():
    _aged("three days", 3)
    _aged("today", 0)
    out = StringIO()
    call_command("search_purge_log", "--days", "2", "--no-input", stdout=out)
    assert "Deleted 1 question(s) older than 2 days" in out.getvalue()
    assert list(Question.objects.values_list("text", flat=True)) == ["today"]


def test_purging_questions_the_site_still_keeps_asks_first(monkeypatch):
    """``--days 0`` deleted the whole log of the last 30 days, the owner's review
    list, without a word: a slip of a number cost every question."""
    for days in (40, 3, 0):
        _aged(f"{days} days", days)
    typed = iter(["no", "yes"])
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or next(typed))
    out = StringIO()
    call_command("search_purge_log", "--days", "0", stdout=out)
    assert "This deletes 2 question(s) asked in the last 30 days" in asked[0]
    assert "Nothing deleted." in out.getvalue() and Question.objects.count() == 3

    call_command("search_purge_log", "--days", "0", stdout=out)
    assert not Question.objects.exists()

    # No one at a terminal (cron): one line that says how, nothing deleted.
    _aged("1 day", 1)
    monkeypatch.setattr("builtins.input", lambda prompt: (_ for _ in ()).throw(EOFError))
    with pytest.raises(CommandError, match="Add --no-input to delete them without asking"):
        call_command("search_purge_log", "--days", "0")
    assert Question.objects.count() == 1
    call_command("search_purge_log", stdout=out)  # the default keeps them: asks nothing


def test_purge_command_defaults_to_30_days_and_rejects_negative_days():
    _aged("forty", 40)
    _aged("twenty", 20)
    out = StringIO()
    call_command("search_purge_log", stdout=out)
    assert "Deleted 1 question(s) older than 30 days" in out.getvalue()
    with pytest.raises(CommandError, match="0 or more"):
        call_command("search_purge_log", "--days", "-1")


def test_the_periodic_task_purges_too():
    from site_assistant.tasks import purge_question_log

    _aged("old", 45)
    _aged("new", 2)
    assert purge_question_log.delay().get() == 1
    assert Question.objects.count() == 1


def test_the_purge_also_sweeps_visitors_questions_from_kept_training_pairs(settings, tmp_path):
    """A run stopped mid-way (or trained before runs dropped them) may have
    left a visitor's question in a model's pairs: the daily purge removes it."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(tmp_path)}
    pairs = tmp_path / "models" / "20261201T000000" / "pairs"
    pairs.mkdir(parents=True)
    rows = [
        {"question": "What is Pricing?", "passage_id": 0, "source": "generated"},
        {"question": "student discount on pink sites", "passage_id": 0, "source": "visitor"},
    ]
    (pairs / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = StringIO()
    call_command("search_purge_log", stdout=out)
    assert "Removed 1 visitor question(s)" in out.getvalue()
    kept = (pairs / "train.jsonl").read_text()
    assert "What is Pricing?" in kept and "student discount" not in kept


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize("out", [False, True], ids=["its-own-folder", "a-folder-given-with-out"])
def test_the_purge_sweeps_expired_visitors_questions_from_search_make_pairs_folder(
    client, tmp_path, out
):
    """``search_make_pairs`` writes helpful, approved visitors' questions into
    INDEX_DIR/pairs, or the folder given with ``--out``; the purge deleted them from the
    log and left them there for good (in an ``--out`` folder, until it was recorded)."""
    from django.contrib.auth import get_user_model

    from site_assistant.training import forget
    from site_assistant.training.config import pairs_dir

    folder = tmp_path / "pairs-for-the-bench" if out else pairs_dir()
    assert not folder.exists()
    try:
        asked = []
        for text in ("Can I scrape the site?", "Do you use cookies?"):
            reply = client.post("/api/search/", {"q": text}, content_type="application/json")
            body = reply.json()
            vote = {"question_id": body["question_id"], "helpful": True}
            vote["feedback_token"] = body["feedback_token"]
            voted = client.post("/api/feedback/", vote, content_type="application/json")
            assert voted.status_code == 200
            asked.append(body["question_id"])
        owner = get_user_model().objects.create_superuser("boss", "b@example.com", "pw")
        client.force_login(owner)
        client.post(
            "/admin/site_assistant/question/",
            {"action": "approve_for_training", "_selected_action": asked},
        )
        said = StringIO()
        call_command("search_make_pairs", *(["--out", str(folder)] if out else []), stdout=said)
        assert ("swept by the question log's purge" in said.getvalue()) is out
        made = "".join(path.read_text() for path in folder.glob("*.jsonl"))
        assert "Can I scrape the site?" in made and "Do you use cookies?" in made
        Question.objects.filter(pk=asked[0]).update(created=timezone.now() - timedelta(days=31))

        call_command("search_purge_log", stdout=StringIO())

        kept = "".join(path.read_text() for path in folder.glob("*.jsonl"))
        assert "Can I scrape the site?" not in kept  # gone from the log: gone from the pairs
        assert "Do you use cookies?" in kept  # still in the log: a run may still use it
        assert '"source": "generated"' in kept
        if out:  # deleted once used: the purge no longer looks for it
            assert forget.recorded_pairs_folders() == [folder.resolve()]
            shutil.rmtree(folder)
            call_command("search_purge_log", stdout=StringIO())
            assert forget.recorded_pairs_folders() == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        forget._write_record([])


def test_the_purge_sweeps_kept_pairs_without_loading_the_trainers_code(
    settings, tmp_path, monkeypatch
):
    """The purge imported the trainer (its pairs import scikit-learn and pandas) to
    sweep kept pairs: a worker grew by about 160 MB for good (make bench-longrun), and
    the web process's hourly purge could not afford to sweep them at all."""
    import json
    import sys

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(tmp_path)}
    kept = tmp_path / "models" / "20261201T000000" / "pairs"
    kept.mkdir(parents=True)
    rows = [{"question": "my bank details?", "source": "visitor"}, {"question": "Pricing?"}]
    (kept / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    for unimportable in ("site_assistant.training.finetune", "site_assistant.training.pairs"):
        monkeypatch.setitem(sys.modules, unimportable, None)
    _aged("old", 45)
    assert questions.purge() == (1, 1)
    assert "bank" not in (kept / "train.jsonl").read_text()


@pytest.mark.usefixtures("built_index")
def test_without_beat_or_cron_a_visitors_question_purges_the_expired_ones_hourly(client):
    from django.core.cache import cache

    cache.delete(questions.PURGE_DUE_KEY)
    expired = _aged("what did I ask last month?", 31)
    response = client.get("/api/search/", {"q": "Can I scrape the site?"})
    assert response.status_code == 200
    assert not Question.objects.filter(pk=expired.pk).exists()
    # Within the hour the next question does not run the purge again.
    expired = _aged("and the month before?", 45)
    client.get("/api/search/", {"q": "Do you use cookies?"})
    assert Question.objects.filter(pk=expired.pk).exists()
    # An hour on (the key expired), the owner opening the log purges it: the
    # list's "(last 30 days; older ones are deleted)" is true.
    cache.delete(questions.PURGE_DUE_KEY)
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw"))
    page = client.get("/admin/site_assistant/question/")
    assert page.status_code == 200
    assert "and the month before?" not in page.content.decode()
    assert not Question.objects.filter(pk=expired.pk).exists()


@pytest.mark.usefixtures("built_index")
def test_without_beat_or_cron_the_hourly_purge_sweeps_search_make_pairs_folder(client):
    """A site with neither beat nor cron purged only the log: the visitors' questions
    ``search_make_pairs`` had written into INDEX_DIR/pairs stayed there for good."""
    import json
    import shutil

    from django.core.cache import cache

    from site_assistant.training.config import pairs_dir

    folder = pairs_dir()
    folder.mkdir(parents=True)
    try:
        logged = Question.objects.create(text="Do you use cookies?").text
        rows = [
            {"question": "what did I ask last month?", "source": "visitor"},
            {"question": logged, "source": "visitor"},
            {"question": "What is Pricing?", "source": "generated"},
        ]
        (folder / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        cache.delete(questions.PURGE_DUE_KEY)

        assert client.get("/api/search/", {"q": "Can I scrape the site?"}).status_code == 200

        kept = (folder / "train.jsonl").read_text()
        assert "last month" not in kept  # gone from the log: gone from the pairs
        assert logged in kept and "What is Pricing?" in kept
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.usefixtures("built_index")
def test_a_purge_that_fails_never_costs_the_visitor_the_answer(client, monkeypatch):
    class DownCache:
        def add(self, *args, **kwargs):
            raise ConnectionError("the cache is down")

    monkeypatch.setattr(questions, "cache", DownCache())
    response = client.get("/api/search/", {"q": "Can I scrape the site?"})
    assert response.status_code == 200 and response.json()["answer"] is not None
    assert Question.objects.filter(text="Can I scrape the site?").exists()


@pytest.fixture
def answered_signals():
    """What a project's receiver of question_answered hears (keyword arguments)."""
    from site_assistant.signals import question_answered

    heard = []

    def count(sender, **kwargs):
        heard.append(kwargs)

    question_answered.connect(count, dispatch_uid="test-analytics")
    yield heard
    question_answered.disconnect(dispatch_uid="test-analytics")


@pytest.mark.usefixtures("built_index")
def test_question_answered_is_sent_once_per_logged_question_without_the_visitor(
    client, answered_signals
):
    response = client.get(
        "/api/search/", {"q": "Can I scrape the site?"}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    logged = Question.objects.get(text="Can I scrape the site?")
    [heard] = answered_signals
    assert heard.pop("signal") is not None
    assert heard == {
        "query": "Can I scrape the site?",
        "answered": True,
        "top_url": "/terms/#use-of-site",
        "channel": "api",
        "language": "",
        "site": "",
        "question": logged,
    }
    assert "203.0.113.9" not in repr(heard)

    # The widget's "See all results" repeats the logged question: counted once.
    page = client.get(
        "/search/",
        {"q": "Can I scrape the site?", "asked": questions.asked_reference(logged)},
    )
    assert page.status_code == 200 and len(answered_signals) == 1
    # Small talk is not a question; an unsure answer is one.
    client.get("/api/search/", {"q": "thanks"})
    client.get("/search/", {"q": "What is the capital of Peru?"})
    assert [(h["channel"], h["answered"]) for h in answered_signals[1:]] == [("page", False)]


@pytest.mark.usefixtures("built_index")
def test_a_receiver_that_raises_never_costs_the_visitor_the_answer(
    client, answered_signals, caplog
):
    from site_assistant.signals import question_answered

    def broken(sender, **kwargs):
        raise RuntimeError("the analytics service is down")

    after = []
    question_answered.connect(broken, dispatch_uid="test-broken")
    question_answered.connect(lambda **kw: after.append(kw), dispatch_uid="test-after", weak=False)
    try:
        with caplog.at_level("ERROR", logger="django.dispatch"):
            response = client.get("/api/search/", {"q": "Can I scrape the site?"})
    finally:
        question_answered.disconnect(dispatch_uid="test-broken")
        question_answered.disconnect(dispatch_uid="test-after")
    assert response.status_code == 200 and response.json()["answer"] is not None
    assert len(answered_signals) == len(after) == 1  # the receivers before and after it
    assert "the analytics service is down" in caplog.text
