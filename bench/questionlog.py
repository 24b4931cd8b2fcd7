#!/usr/bin/env python
"""``make bench-questionlog``: the owner's admin over a busy site's question log.

``seed N``: adds N logged questions to the configured database (meant for a
scratch PostgreSQL database: ``DATABASE_URL``), as a year of visitors leaves
them in 30 days: the question sets of ``tests/data`` and the off-topic list,
most asked again and again (a few dozen questions make most of the log) and
many reworded (case, typos, a greeting, a word more), each with what the live
index answers it (asked once per distinct text), spread over the last 30 days
(written oldest first, so the table's order on disk is time's, as a log's is),
on three sites, some in German or Slovenian (not searched), some voted on,
some approved for training, a few fixed with an example question. Rows are
written with ``bulk_create``.

``measure``: each admin page and command that reads the log, as the owner
opens it (a superuser through Django's test client, DEBUG on so every query
is recorded): the median server time of a few requests and the number of
queries, the slowest query's time and SQL. The API's ask and vote at that size.

    python bench/questionlog.py seed 100000
    python bench/questionlog.py measure [--repeat 3]

It writes nothing into the repository (the figures are printed).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")


def _setup():
    import django

    django.setup()


def _texts() -> list[str]:
    data = ROOT / "tests" / "data"
    texts = []
    for name in ("natural_questions.jsonl", "natural_questions_holdout.jsonl"):
        texts += [json.loads(line)["question"] for line in (data / name).open() if line.strip()]
    texts += [
        json.loads(line)["query"]
        for line in (data / "unanswerable_questions.jsonl").open()
        if line.strip()
    ]
    texts += [
        json.loads(line)["question"]
        for line in (data / "snippet_answers.jsonl").open()
        if line.strip()
    ]
    off_topic = ROOT / "site_assistant" / "data" / "off_topic_questions.txt"
    texts += [t.strip() for t in off_topic.open() if t.strip() and not t.startswith("#")]
    return list(dict.fromkeys(texts))


OTHER_LANGUAGE = {
    "de": [
        "Wie viel kostet eine Webseite?",
        "Habt ihr ein Büro in Ljubljana?",
        "Kann ich das Spiel auf dem Handy spielen?",
        "Wie lange dauert ein Projekt?",
        "Wo finde ich eure Datenschutzerklärung?",
    ],
    "sl": [
        "Koliko stane spletna stran?",
        "Ali lahko igram igro na telefonu?",
        "Kje je vaša pisarna?",
        "Kako vas lahko kontaktiram?",
    ],
}
GREETINGS = ["hi ", "hello, ", "hey ", "quick question: ", "pls ", ""]
TAILS = ["", "?", "??", " please", " thanks", " :)", " asap", " for my startup", " in 2026"]


def _reworded(text: str, rng: random.Random) -> str:
    words = text.rstrip("?").split()
    if len(words) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) > 3:  # a typo: two letters swapped
            j = rng.randrange(len(word) - 1)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    text = " ".join(words)
    if rng.random() < 0.5:
        text = text.lower()
    return (rng.choice(GREETINGS) + text + rng.choice(TAILS))[:500]


def seed(count: int) -> None:
    _setup()
    from django.utils import timezone

    from site_assistant import services
    from site_assistant.models import ExampleQuestion, Question

    rng = random.Random(42)
    texts = _texts()
    answers = {}
    started = time.perf_counter()
    for text in texts:
        result = services.answer(text, k=5)
        top = result.answer or (result.results[0] if result.results else None)
        answers[text] = (result, top)
    print(f"{len(texts)} distinct questions answered in {time.perf_counter() - started:.1f} s")
    # A few dozen questions make most of the log (Zipf-like weights).
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(texts))]
    rng.shuffle(weights)
    examples = list(ExampleQuestion.objects.all())
    if len(examples) < 50:
        for text in rng.sample(texts, 60):
            _, top = answers[text]
            if top is not None:
                examples.append(
                    ExampleQuestion.objects.create(question=text, url=top.link, active=True)
                )
    now = timezone.now()
    sites = ["", "", "", "", "", "", "beta.example", "beta.example", "shop.example"]
    channels = ["widget"] * 7 + ["page"] * 2 + ["api"]
    batch, written = [], 0
    started = time.perf_counter()
    # Oldest first, as a log is written: the table's order on disk is the order of time.
    moments = sorted(
        now - timedelta(seconds=rng.uniform(0, 30 * 86400 - 600)) for _ in range(count)
    )
    for created in moments:
        roll = rng.random()
        language = ""
        if roll < 0.03:
            language = rng.choice(list(OTHER_LANGUAGE))
            text, result, top = rng.choice(OTHER_LANGUAGE[language]), None, None
        else:
            base = rng.choices(texts, weights)[0]
            result, top = answers[base]
            text = base if roll < 0.6 else _reworded(base, rng)
        answered = bool(result is not None and result.answer is not None)
        score = (top.score + rng.uniform(-0.04, 0.04)) if top is not None else None
        helpful = None
        vote = rng.random()
        if result is not None and vote < 0.12:
            helpful = vote < (0.09 if answered else 0.03)
        batch.append(
            (
                Question(
                    text=text,
                    channel=rng.choice(channels),
                    answered=answered,
                    score=score,
                    top_url=top.link if top else "",
                    top_heading=top.heading[:500] if top else "",
                    top_text=top.text if top else "",
                    latency_ms=rng.uniform(4, 40),
                    model_id=result.model_id if result else "all-MiniLM-L6-v2",
                    index_version=result.index_version if result else "",
                    language=language,
                    site=rng.choice(sites),
                    helpful=helpful,
                    feedback_at=created + timedelta(seconds=20) if helpful is not None else None,
                    training_approved=bool(helpful) and rng.random() < 0.2,
                    fixed_by=rng.choice(examples)
                    if (not answered and rng.random() < 0.01)
                    else None,
                ),
                created,
            )
        )
        if len(batch) == 5000:
            written += _write(batch)
            batch = []
    written += _write(batch)
    print(f"{written} questions written in {time.perf_counter() - started:.1f} s")


def _write(batch) -> int:
    """bulk_create with each question's own date (auto_now_add off while seeding)."""
    from site_assistant.models import Question

    if not batch:
        return 0
    field = Question._meta.get_field("created")
    field.auto_now_add = False
    try:
        for question, when in batch:
            question.created = when
        return len(Question.objects.bulk_create([question for question, _ in batch]))
    finally:
        field.auto_now_add = True


def _pages():
    """The admin pages (and what they are) the owner opens that read the log."""
    from django.urls import reverse

    from site_assistant.models import Question

    questions = reverse("admin:site_assistant_question_changelist")
    some = Question.objects.filter(answered=False, language="").order_by("-pk").first()
    other = Question.objects.exclude(site="").order_by("pk").first()
    pages = [
        ("overview (app page)", reverse("admin:app_list", args=["site_assistant"])),
        ("admin home", reverse("admin:index")),
        ("Questions list", questions),
        ("  page 2", questions + "?p=1"),
        ("  last page", questions + "?p=1999"),
        ("  Unanswered", questions + "?attention=unanswered"),
        # Each question once (the needs attention lists): waiting for a fix, the overview's
        # link; the most asked first (4: Times asked, after Last asked, Text and Site).
        ("  Unanswered, waiting", questions + "?attention=unanswered_waiting"),
        ("  Unanswered, most asked", questions + "?attention=unanswered&o=-4"),
        ("  Not helpful", questions + "?attention=not_helpful"),
        ("  In another language", questions + "?attention=other_language"),
        ("  answered=no", questions + "?answered__exact=0"),
        ("  helpful=yes", questions + "?helpful__exact=1"),
        ("  approved", questions + "?training_approved__exact=1"),
        ("  channel=page", questions + "?channel__exact=page"),
        ("  language=de", questions + "?language=de"),
        ("  site=beta.example", questions + "?site=beta.example"),
        ("  default site", questions + "?site="),
        ("  model", questions + "?model_id=all-MiniLM-L6-v2"),
        ("  search 'price'", questions + "?q=price"),
        ("  search 'zzzz' (none)", questions + "?q=zzzzqx"),
        # Columns (the Site column shown): 1 asked, 2 text, 3 site, 6 answered, 7 score,
        # 11 latency.
        ("  sort by text", questions + "?o=2"),
        ("  sort by site", questions + "?o=3"),
        ("  sort by answered", questions + "?o=6"),
        ("  sort by score", questions + "?o=7"),
        ("  sort by latency", questions + "?o=11"),
        ("  date: a day", questions + "?" + _day_filter()),
        ("  unanswered+site+search", questions + "?attention=unanswered&site=beta.example&q=cost"),
        ("a question", reverse("admin:site_assistant_question_change", args=[some.pk])),
        ("Fix this answer", reverse("admin:site_assistant_question_fix", args=[some.pk])),
        (
            "Fix this answer (other site)",
            reverse("admin:site_assistant_question_fix", args=[other.pk]),
        ),
        ("Try a question", reverse("admin:site_assistant_question_try") + "?q=prices"),
        ("Example questions", reverse("admin:site_assistant_examplequestion_changelist")),
        ("Example question add", reverse("admin:site_assistant_examplequestion_add")),
    ]
    return pages


def _day_filter() -> str:
    from datetime import datetime, time
    from urllib.parse import urlencode

    from django.utils import timezone

    day = timezone.localdate() - timedelta(days=3)
    start = timezone.make_aware(datetime.combine(day, time()))
    return urlencode({"created__gte": str(start), "created__lt": str(start + timedelta(days=1))})


def _timed(call, repeat: int):
    from django.db import connection, reset_queries

    times, queries = [], []
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        queries = list(connection.queries)
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    return response, statistics.median(times), queries, slowest


def measure(repeat: int = 3) -> None:
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from site_assistant.models import Question

    assert settings.DEBUG, "DEBUG=1: connection.queries records only with DEBUG on"
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    total = Question.objects.count()
    print(f"{total} questions in the log; load average {os.getloadavg()}")
    print(f"{'page':<34} {'ms':>8} {'queries':>8} {'slowest ms':>11}  slowest query")
    for name, url in _pages():
        client.get(url)  # warm
        response, ms, queries, slowest = _timed(lambda u=url: client.get(u), repeat)
        sql = slowest["sql"][:110].replace("\n", " ") if slowest else ""
        print(
            f"{name:<34} {ms:8.0f} {len(queries):8d} "
            f"{float(slowest['time']) * 1000 if slowest else 0:11.0f}  "
            f"[{response.status_code}] {sql}"
        )
    # The commands that read the log.
    import io

    for name, args in (("search_stats", []), ("search_purge_log", [])):
        _, ms, queries, slowest = _timed(
            lambda n=name, a=args: call_command(n, *a, stdout=io.StringIO()), 1
        )
        print(f"manage.py {name:<24} {ms:8.0f} {len(queries):8d}")
    # The API that writes to it: ask, then vote.
    api = Client()
    ask_times, vote_times = [], []
    for text in ["how much does a landing page cost?", "do I need to register to play?"] * 3:
        started = time.perf_counter()
        asked = api.post("/api/search/", {"q": text}, content_type="application/json")
        ask_times.append((time.perf_counter() - started) * 1000)
        body = asked.json()
        started = time.perf_counter()
        api.post(
            "/api/feedback/",
            {
                "question_id": body["question_id"],
                "helpful": True,
                "feedback_token": body["feedback_token"],
            },
            content_type="application/json",
        )
        vote_times.append((time.perf_counter() - started) * 1000)
    print(
        f"API ask median {statistics.median(ask_times):.0f} ms, "
        f"vote median {statistics.median(vote_times):.0f} ms"
    )


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "measure"
    if what == "seed":
        seed(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
    else:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
        measure(repeat)
