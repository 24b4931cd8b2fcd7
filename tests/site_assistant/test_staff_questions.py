"""The owner's own questions (signed-in staff) are answered but not logged, so they stay out of
the unanswered questions and the counts; ``LOG_STAFF_QUESTIONS`` logs them as visitors' are."""

import pytest
from django.test import Client

from site_assistant import questions
from site_assistant.models import Question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]

UNSURE = "Can I pay in instalments?"
ANSWERED = "Can I scrape the site?"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner(django_user_model):
    return signed_in(django_user_model.objects.create_user("owner", password="pw", is_staff=True))


def ask_everywhere(client):
    """The API (JSON), the widget's POST and the search page, as a browser sends them."""
    api = client.get("/api/search/", {"q": ANSWERED})
    widget = client.post(
        "/api/search/",
        {"q": UNSURE},
        content_type="application/json",
        HTTP_X_SITE_ASSISTANT="widget",
    )
    page = client.get("/search/", {"q": UNSURE})
    assert api.status_code == widget.status_code == page.status_code == 200
    return api.json(), widget.json(), page


def test_the_owners_questions_are_answered_but_not_logged(owner):
    heard = []

    def hear(**kwargs):
        heard.append(kwargs["query"])

    questions.question_answered.connect(hear)
    try:
        api, widget, page = ask_everywhere(owner)
    finally:
        questions.question_answered.disconnect(hear)
    assert api["answer"]["heading"] == "Terms & Conditions › Use of site"
    assert api["question_id"] is None and api["feedback_token"] is None
    assert widget["answer"] is None and widget["results"]  # "not sure", the closest pages
    assert "I’m not sure" in page.content.decode()
    assert not Question.objects.exists()
    assert heard == []  # not counted by the project's analytics either


def test_visitors_and_signed_in_users_who_are_not_staff_are_logged(client, django_user_model):
    ask_everywhere(client)
    member = django_user_model.objects.create_user("member", password="pw")
    ask_everywhere(signed_in(member))
    assert Question.objects.count() == 6


def test_log_staff_questions_logs_them_as_visitors_are(owner, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOG_STAFF_QUESTIONS": True}
    api, widget, _ = ask_everywhere(owner)
    assert api["question_id"] and widget["question_id"]
    assert sorted(Question.objects.values_list("channel", flat=True)) == ["api", "page", "widget"]


def test_the_questions_page_says_whose_questions_it_leaves_out(admin_client, settings):
    page = admin_client.get("/admin/site_assistant/question/").content.decode()
    assert "Questions you and other staff ask while signed in" in page
    assert "are answered but not logged here" in page
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOG_STAFF_QUESTIONS": True}
    page = admin_client.get("/admin/site_assistant/question/").content.decode()
    assert "are logged like visitors’" in page
    # "Try a question" still answers the owner.
    tried = admin_client.get("/admin/site_assistant/question/try/", {"q": ANSWERED})
    assert "Use of site" in tried.content.decode()
