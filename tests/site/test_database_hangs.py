"""PostgreSQL accepting connections and never answering (a partition, a stuck server).

Without a connect timeout a question waited until gunicorn killed the worker
(30 s, then its plain 500 page). Bambicim's settings give libpq a
``connect_timeout`` (DATABASE_CONNECT_TIMEOUT, 3 s) and the assistant tries the
database again only after a pause, so one question pays the timeouts and the
next ones none.
"""

import time

import pytest
from django.db import connection
from django.urls import reverse

from tests.conftest import silent_server

pytestmark = pytest.mark.usefixtures("built_index")


@pytest.fixture
def hanging_database(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("a database server on the network: PostgreSQL only (make test-postgres)")
    saved = dict(connection.settings_dict)
    with silent_server() as port:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
        yield
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_a_question_is_answered_within_the_connect_timeouts_then_at_once(
    client, hanging_database, settings
):
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 3

    def ask():
        started = time.monotonic()
        response = client.post(
            reverse("site_assistant:api-search"), {"q": "where are you based?"}, "application/json"
        )
        return response, time.monotonic() - started

    first, took = ask()
    assert first.status_code == 200 and first.json()["answer"], first.content[:300]
    assert took < 10, f"the first question took {took:.1f} s"  # a 3 s connect timeout
    second, took = ask()
    assert second.status_code == 200 and second.json()["answer"]
    assert took < 2, f"the next question took {took:.1f} s"  # the database is not tried again
    print(f"first question with the database hanging: answered; the next in {took:.2f} s")


def test_a_signed_in_visitor_pays_the_timeout_once_too(client, hanging_database):
    """A session cookie (the owner's, or one the host site set) makes each request read
    the session: that read, too, waits for the pause after the first timeout."""
    client.cookies["sessionid"] = "a" * 32
    timings = []
    for _ in range(3):
        started = time.monotonic()
        response = client.get(reverse("site_assistant:api-search"), {"q": "where are you based?"})
        timings.append(time.monotonic() - started)
        assert response.status_code == 200 and response.json()["answer"]
    assert timings[0] < 10, timings  # one connect timeout (3 s), then the pause
    assert max(timings[1:]) < 2, timings
    print(f"with a session cookie, the database hanging: {[round(t, 2) for t in timings]} s")
