"""Real gunicorn with Bambicim's gunicorn.conf.py: no visitor waits for a model to load.

Two workers on 127.0.0.1:8108 with production settings (DEBUG off), the test
database and the session's index. Each worker loads the index and its
encoder before it accepts a request (post_worker_init), so the first
questions after a start are as quick as later ones; every question is
still logged, without anything about the person asking.
"""

import json
import os
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests import gunicorn_server
from tests.conftest import _test_database_url

pytestmark = pytest.mark.slow

# TEST_GUNICORN_PORT: another port where 8108 is taken (two checkouts testing at once).
PORT = int(os.environ.get("TEST_GUNICORN_PORT", "8108"))
QUESTIONS = [
    "Can I scrape the site?",
    "Which cookies do you use?",
    "How much does a project cost?",
    "How do I clear my inventory?",
    "How long do you keep my questions?",
    "Who made this site?",
    "How can I contact you?",
    "What is the pocket zine?",
    "Do you store my IP address?",
    "What services do you offer?",
    "Is there a game on the site?",
    "What happens to my feedback?",
    "Can I reuse your pictures?",
    "How fast do you answer e-mail?",
    "What is Bambicim?",
    "Where are you based?",
    "Do you work with small shops?",
    "How do I win the game?",
    "What does the assistant know?",
    "Is the site accessible?",
    "Can I hire you for a website?",
    "Which browsers are supported?",
]


def ask(question: str) -> tuple[float, int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}/api/search/",
        data=json.dumps({"q": question}).encode(),
        headers={"Content-Type": "application/json"},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
        return time.perf_counter() - started, response.status, body


@pytest.fixture
def gunicorn(built_index, transactional_db, settings, tmp_path):
    from django.db import connection

    env = {
        **os.environ,
        "DEBUG": "0",
        "DJANGO_TESTING": "1",
        "DATABASE_URL": _test_database_url(connection.settings_dict),
        "SEARCH_INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "SEARCH_THROTTLE_ANON": "100000/min",
        "SEARCH_THROTTLE_USER": "100000/min",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "gunicorn.log"
    with gunicorn_server.running(gunicorn_server.conf_args(PORT), env, log_path) as proc:
        gunicorn_server.wait_for_warm_up(proc, log_path, timeout=240)
        proc.log_path = log_path
        yield proc


def test_the_first_questions_after_a_start_are_as_quick_as_later_ones(gunicorn):
    from site_assistant.models import Question

    warm_ups = [
        line
        for line in Path(gunicorn.log_path).read_text().splitlines()
        if "search warm-up" in line
    ]
    assert len(warm_ups) == 2
    assert all("'ready': True" in line and "'encoder': 'onnx'" in line for line in warm_ups)
    # One question for each worker first (whichever takes it), then warm ones.
    first = [ask(q) for q in QUESTIONS[:2]]
    warm = [ask(q) for q in QUESTIONS[2:]]
    assert all(status == 200 for _, status, _ in first + warm)
    assert first[0][2]["answer"]["url"] == "/terms/"
    # What a cold worker would pay in its first request is the warm-up itself
    # (index, encoder, first answer: the "seconds" each worker logged). A
    # first question that costs a fraction of that did not pay it; a ratio to
    # the warm median alone fails on a shared machine's single slow sample.
    warm_up_seconds = min(
        float(line.split("'seconds': ")[1].split("}")[0].split(",")[0]) for line in warm_ups
    )
    warm_median = statistics.median(seconds for seconds, _, _ in warm)
    slowest_first = max(seconds for seconds, _, _ in first)
    assert slowest_first < warm_up_seconds / 2, (slowest_first, warm_up_seconds)
    # On a loaded machine a first request took 0.19 s beside a 15 ms warm median
    # (one sample; a worker's first request also opens its database connection),
    # so the ratio has a floor far under a model load (5-8 s). The figure itself:
    # make bench-speed.
    assert slowest_first < max(10 * warm_median, 0.5), (slowest_first, warm_median)

    # Every question is logged (the id the widget sends feedback with), and
    # nothing about who asked.
    logged = Question.objects.order_by("pk")
    assert [q.text for q in logged] == QUESTIONS
    assert [q.pk for q in logged][:2] == [body["question_id"] for _, _, body in first]
    fields = {f.name for f in Question._meta.get_fields()}
    assert not fields & {"ip", "ip_address", "user_agent", "user", "session"}


def test_a_question_of_the_longest_allowed_length_is_answered_by_get(gunicorn):
    """500 characters is a valid question (MAX_QUERY_CHARS) in any script; in a GET's
    query string an emoji takes 12 bytes ("%F0%9F%92%96"). gunicorn's default request
    line (4,094 bytes) refused 340 of them with an HTML 414, before Django saw them."""
    for question in ("\U0001f496" * 500, "価" * 500):
        query = urllib.parse.urlencode({"q": question, "k": 20})
        url = f"http://127.0.0.1:{PORT}/api/search/?{query}"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                status, body = response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()[:200]
        assert status == 200, (len(url), status, body)
        assert body["query"] == question


@pytest.fixture
def gunicorn_under_a_prefix(built_index, transactional_db, settings, tmp_path):
    """One worker serving the site under gunicorn's SCRIPT_NAME=/portal (the index built
    without a prefix), on a free port."""
    import socket

    from django.db import connection

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "0",
        "DJANGO_TESTING": "1",
        "DATABASE_URL": _test_database_url(connection.settings_dict),
        "SEARCH_INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "SCRIPT_NAME": "/portal",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "gunicorn.log"
    args = gunicorn_server.conf_args(port, workers=1)
    with gunicorn_server.running(args, env, log_path) as proc:
        gunicorn_server.wait_for_warm_up(proc, log_path, workers=1, timeout=240)
        yield f"http://127.0.0.1:{port}/portal"


def test_under_the_servers_script_name_every_link_an_answer_gives_stays_on_the_site(
    gunicorn_under_a_prefix,
):
    """gunicorn with SCRIPT_NAME=/portal: the app's own addresses had the prefix, but
    "Read more" (/terms/) and the contact link (/contact/#write-to-us) did not, and a
    visitor who followed them left the site."""
    from selectolax.lexbor import LexborHTMLParser

    site = gunicorn_under_a_prefix
    query = urllib.parse.urlencode({"q": "Can I scrape the site?"})
    with urllib.request.urlopen(f"{site}/api/search/?{query}", timeout=60) as answer:
        body = json.loads(answer.read())
    assert body["answer"]["url"] == "/portal/terms/"
    assert body["answer"]["read_more"].startswith("/portal/terms/#")
    assert body["contact_url"] == "/portal/contact/#write-to-us"
    with urllib.request.urlopen(f"{site}/search/?{query}", timeout=60) as page:
        html = page.read().decode()
    read_more = LexborHTMLParser(html).css_first('a.button[href*="terms"]').attributes["href"]
    assert read_more == body["answer"]["read_more"]
    with urllib.request.urlopen(f"{site}/", timeout=60) as home:
        widget = LexborHTMLParser(home.read().decode()).css_first(".site-assistant").attributes
    assert widget["data-search-url"] == "/portal/api/search/"
    assert widget["data-contact-url"] == "/portal/contact/#write-to-us"
    # The answer's page opens where the link goes.
    origin = site.removesuffix("/portal")
    with urllib.request.urlopen(origin + body["answer"]["url"], timeout=60) as terms:
        assert terms.status == 200
