"""The database unreachable: questions are answered from the index, only not logged.

The connection really fails (a closed port for PostgreSQL, a file in a folder
that does not exist for SQLite): the driver's own error, not a stand-in. It
was a 500 (Django's HTML error page, on the JSON API too) for every question,
and for every page with the widget when the visitor held a session cookie.
"""

import pytest
from django.urls import reverse

from site_assistant import outage
from site_assistant.models import Question

pytestmark = pytest.mark.usefixtures("built_index")

QUESTION = "where are you based?"


def test_questions_are_answered_and_not_logged(client, database_down):
    response = client.post(
        reverse("site_assistant:api-search"), {"q": QUESTION}, "application/json"
    )
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["answer"]["url"].startswith("/contact/")
    assert body["question_id"] is None and body["feedback_token"] is None  # no 👍 / 👎

    page = client.get(reverse("site_assistant:page"), {"q": QUESTION})
    assert page.status_code == 200
    assert "Ljubljana" in page.content.decode()


def test_a_visitor_with_a_session_cookie_is_answered_as_a_visitor(client, database_down):
    client.cookies["sessionid"] = "s" * 32  # a session the database cannot be asked about
    response = client.post(
        reverse("site_assistant:api-search"), {"q": QUESTION}, "application/json"
    )
    assert response.status_code == 200 and response.json()["answer"]
    page = client.get(reverse("site_assistant:page"), {"q": QUESTION})  # the widget is on it
    assert page.status_code == 200 and "Ljubljana" in page.content.decode()


def test_what_needs_the_database_says_so_in_json_as_the_schema_says(
    client, database_down, documented
):
    feedback = client.post(
        reverse("site_assistant:api-feedback"),
        {"question_id": 1, "feedback_token": _token(1), "helpful": True},
        "application/json",
    )
    status = client.get(reverse("site_assistant:api-index"))
    build = client.get(reverse("site_assistant:api-build", args=[1]))
    for response in (feedback, status, build):
        assert response.status_code == 503 and response["Content-Type"] == "application/json"
        # The schema listed no 503 for these: a client generated from it had no case for it.
        assert documented(response) == {
            "detail": "The site's database is not answering. Please try again in a minute.",
            "code": "database_unavailable",
        }
        assert response["Retry-After"] == "60"


def test_a_staff_endpoint_says_the_database_is_down_not_that_nobody_signed_in(
    client, database_down
):
    """A staff session the database cannot read was taken as a visitor's, so a rebuild
    said 401 "Authentication credentials were not provided."."""
    rebuild = reverse("site_assistant:api-rebuild")
    assert client.post(rebuild, {}, "application/json").status_code == 401  # no session
    client.cookies["sessionid"] = "s" * 32
    response = client.post(rebuild, {}, "application/json")
    assert response.status_code == 503 and response.json() == {
        "detail": "The site's database is not answering. Please try again in a minute.",
        "code": "database_unavailable",
    }


def test_health_is_degraded_not_unavailable(client, database_down, monitor):
    """The monitor's token needs no database: it reads which part is down."""
    client.cookies["sessionid"] = "s" * 32  # a staff session the database cannot read
    assert client.get(reverse("site_assistant:health")).json() == {"status": "degraded"}
    response = client.get(reverse("site_assistant:health"), **monitor)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["model"]["ok"]
    assert body["database"] == {"ok": False, "error": "OperationalError"}


def test_once_it_is_back_questions_are_logged_again(client, database_down, monkeypatch):
    """After outage.RETRY_SECONDS (30 s; none here): the log is not tried at every question."""
    monkeypatch.setattr(outage, "RETRY_SECONDS", 0)
    client.post(reverse("site_assistant:api-search"), {"q": QUESTION}, "application/json")
    database_down()  # back
    response = client.post(
        reverse("site_assistant:api-search"), {"q": QUESTION}, "application/json"
    )
    assert response.json()["question_id"] == Question.objects.get().pk


def _token(question_id):
    from django.core import signing

    from site_assistant.questions import _FEEDBACK_SALT

    return signing.Signer(salt=_FEEDBACK_SALT).sign(str(question_id)).split(":", 1)[1]
