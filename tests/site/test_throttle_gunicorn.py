"""Rate limits hold across gunicorn workers: real gunicorn, 2 workers, production
settings (DEBUG off, a real SECRET_KEY), counts in the real Redis (REDIS_URL)."""

import http.client
import os
import re
import secrets
import socket
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import gunicorn_server
from tests.conftest import IN_CI, TEST_REDIS_URL, _test_database_url, redis_available

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("built_index")]

LIMIT = 5


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, built_index):
    """One gunicorn for the module (a start is 10-15 s): its tests count different
    limits (questions, votes), each in a fresh count of its own key."""
    if not redis_available():
        if IN_CI:
            pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} in CI")
        pytest.skip(f"no Redis reachable at {TEST_REDIS_URL}")
    from django.conf import settings
    from django.db import connection

    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),  # fresh keys: fresh throttle counts
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": TEST_REDIS_URL,
        "DATABASE_URL": _test_database_url(connection.settings_dict),
        "SEARCH_INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "SEARCH_THROTTLE_ANON": f"{LIMIT}/min",
        "SEARCH_THROTTLE_FEEDBACK": f"{LIMIT}/min",
        "NUM_PROXIES": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_TESTING", None)
    log_path = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    args = [
        "bambicim.wsgi:application",
        "--workers=2",
        f"--bind=127.0.0.1:{port}",
        "--access-logfile=-",
        "--access-logformat=ACCESS %(p)s %(s)s %(U)s",
        "--timeout=120",
    ]
    with gunicorn_server.running(args, env, log_path) as proc:
        server = type("Server", (), {"port": port, "log": log_path, "proc": proc})

        # Both workers must have loaded the app before the test counts, or the
        # first one up would serve everything. The schema is not throttled.
        def both_workers_served():
            if len(_pids(server, "/api/schema/")) >= 2:
                return True
            _fetch_many(server, "GET", "/api/schema/", 8)
            return False

        gunicorn_server.wait_until(
            proc,
            log_path,
            both_workers_served,
            timeout=120,
            every=0,
            what="gunicorn did not start two workers",
        )
        yield server


def _fetch(server, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=b"{}" if method == "POST" else None,
            # Production redirects plain HTTP; our proxy says the visitor used HTTPS.
            headers={
                "Connection": "close",
                "X-Forwarded-Proto": "https",
                "Content-Type": "application/json",
                **headers,
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        conn.close()


def _fetch_many(server, method, path, n, headers=lambda i: {}):
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda i: _fetch(server, method, path, headers(i)), range(n)))


def _pids(server, path):
    """Which worker served how many requests to ``path`` (from the access log)."""
    served = Counter()
    for match in re.finditer(
        rf"^ACCESS <?(\d+)>? \d+ {re.escape(path)}$", server.log.read_text(), re.M
    ):
        served[match.group(1)] += 1
    return served


def test_the_limit_holds_across_two_workers(gunicorn):
    codes = _fetch_many(gunicorn, "GET", "/api/index/", 40)
    assert Counter(codes) == {200: LIMIT, 429: 40 - LIMIT}, Counter(codes)
    served = _pids(gunicorn, "/api/index/")
    # Each worker alone saw more than the limit: per-process counts would have
    # allowed LIMIT in each.
    assert len(served) == 2 and min(served.values()) > LIMIT, served


def test_a_random_x_forwarded_for_per_request_does_not_bypass_it(gunicorn):
    def forwarded(i):
        return {"X-Forwarded-For": f"198.51.100.{i % 250}, 203.0.113.{uuid.uuid4().int % 250}"}

    codes = _fetch_many(gunicorn, "POST", "/api/feedback/", 30, forwarded)
    # Not throttled: refused for its empty body (400); throttled: 429.
    assert Counter(codes) == {400: LIMIT, 429: 30 - LIMIT}, Counter(codes)
