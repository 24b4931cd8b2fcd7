"""The Privacy page's promises about the site assistant, against what the site keeps.

A visitor's question is logged without who asked and deleted after 30 days; the words
of one the owner turns into an example question ("Fix this answer", and "The site
doesn't answer this") are kept past that, with nothing about who asked, and never
words that look personal. The page says both.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from site_assistant import questions
from site_assistant.models import ExampleQuestion, Question

from .conftest import visible_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]

FIXED = "how much is a small fix?"
DECLINED = "do you sell Bambi plush toys?"
PERSONAL = "can you call me on 040 123 4567 about a shop?"


def test_what_the_privacy_page_says_about_questions_is_what_the_site_keeps(
    client, django_user_model
):
    said = visible_text(client.get("/privacy/").content.decode(), "main")
    assert "stored without your IP address for 30 days" in said
    assert "we may keep the words of a few, never who asked them, as example questions" in said
    assert "never words with an email address, a phone number or a web address" in said

    visitor = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Visitor/1.0")
    for text in (FIXED, DECLINED, PERSONAL):
        assert visitor.post("/api/search/", {"q": text}).status_code == 200
    logged = {q.text: q for q in Question.objects.all()}
    assert set(logged) == {FIXED, DECLINED, PERSONAL}
    # Nothing about the visitor in the log: no address, no browser, no user.
    row = Question.objects.filter(pk=logged[FIXED].pk).values().get()
    assert not {"203.0.113.7", "Visitor/1.0"} & {str(v) for v in row.values()}

    owner = Client()
    owner.force_login(django_user_model.objects.create_superuser("owner", "o@x.example", "pw"))
    fix = "/admin/site_assistant/question/{}/fix/".format
    saved = owner.post(fix(logged[FIXED].pk), {"question": FIXED, "link": "/services/#pricing"})
    assert saved.status_code == 302, saved.content[:500]
    for text in (DECLINED, PERSONAL):
        assert owner.post(fix(logged[text].pk), {"unanswerable": "1"}).status_code == 302

    # 31 days on, the purge the site runs daily.
    Question.objects.update(created=timezone.now() - timedelta(days=31))
    questions.purge()

    assert not Question.objects.exists()
    # The owner's example questions (beside the site's own), the visitor's words only;
    # the personal one is gone with the log.
    kept = ExampleQuestion.objects.filter(question__in=[FIXED, DECLINED, PERSONAL])
    assert sorted((e.question, e.declines) for e in kept) == [(DECLINED, True), (FIXED, False)]
    assert not ExampleQuestion.objects.filter(question__contains="4567").exists()
    assert {f.name for f in ExampleQuestion._meta.concrete_fields} == {
        "id",
        "question",
        "url",
        "active",
        "declines",
        "created",
        # What the site answers it from, for the owner's review: a section and its score.
        "review",
        # Who added it: "owner", "site" or "unrecorded", never which person.
        "source",
    }
