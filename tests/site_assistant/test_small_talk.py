"""site_assistant.small_talk: "hi", "thanks", "bye" get a reply, not a search, and are not logged."""

import pytest

from site_assistant import services, small_talk
from site_assistant.models import Question


@pytest.mark.parametrize(
    "message, reply",
    [
        ("Thanks!", "You’re welcome! Anything else?"),
        ("thank-you 🙏", "You’re welcome! Anything else?"),
        ("OK, thanks.", "You’re welcome! Anything else?"),
        ("Hi there", "Hi! Ask me anything about this site."),
        ("  GOOD   MORNING ", "Hi! Ask me anything about this site."),
        ("bye!", "Bye! Come back any time."),
        ("ok", "Anything else you’d like to know?"),
        ("Cool!", "Anything else you’d like to know?"),
        ("thank u", "You’re welcome! Anything else?"),
        ("👍", "You’re welcome! Anything else?"),
        ("❤", "You’re welcome! Anything else?"),
        # Phrases one after another: the last one's reply ("ok cool" was searched).
        ("ok cool", "Anything else you’d like to know?"),
        ("Ok, cool!", "Anything else you’d like to know?"),
        ("great, got it", "Anything else you’d like to know?"),
        ("okay nice", "Anything else you’d like to know?"),
        ("sounds good", "Anything else you’d like to know?"),
        ("cool thanks!", "You’re welcome! Anything else?"),
    ],
)
def test_a_whole_message_of_small_talk_gets_its_reply(message, reply):
    assert small_talk.reply(message) == reply


@pytest.mark.parametrize(
    "message",
    [
        "hi, what do you charge?",
        "thanks for the game, how do I play?",
        "hire",
        "okay go",
        "😡",
        "👍👍 prices",
        "ok cool what do you charge",
        "cool prices",
        "",
    ],
)
def test_anything_more_is_a_question(message):
    assert small_talk.reply(message) is None


def test_the_site_sets_its_own_phrases_or_none(settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SMALL_TALK": [{"phrases": ["Danke"], "reply": "Bitte!"}],
    }
    assert small_talk.reply("danke!") == "Bitte!" and small_talk.reply("thanks") is None
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SMALL_TALK": []}
    assert small_talk.reply("Danke") is None


@pytest.mark.django_db
def test_small_talk_is_not_searched_not_logged_and_says_so_everywhere(built_index, client):
    result = services.answer("thanks")
    assert result.reply == "You’re welcome! Anything else?"
    assert result.answer is None and result.results == [] and result.language is None
    body = client.post("/api/search/", {"q": "Thank you!"}, content_type="application/json")
    assert body.status_code == 200
    body = body.json()
    assert body["small_talk"] is True and body["message"] == "You’re welcome! Anything else?"
    assert body["answer"] is None and body["results"] == []
    assert body["question_id"] is None and body["feedback_token"] is None
    page = client.get("/search/", {"q": "hello"})
    assert page.status_code == 200
    assert "Hi! Ask me anything about this site." in page.content.decode()
    assert "I’m not sure" not in page.content.decode()
    assert not Question.objects.exists()  # neither the API's nor the page's was kept
    # A question is still a question, and logged.
    body = client.post(
        "/api/search/", {"q": "hi, where is your office?"}, content_type="application/json"
    ).json()
    assert body["small_talk"] is False and body["answer"] is not None and body["question_id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "message, language, reply",
    [
        ("Danke schön!", "de", "Gern geschehen! Noch etwas?"),
        ("Vielen Dank 🙏", "de", "Gern geschehen! Noch etwas?"),
        ("Hallo", "de", "Hallo! Fragen Sie mich alles über diese Website."),
        ("Hvala lepa!", "sl", "Ni za kaj! Vas zanima še kaj?"),
        ("Živjo", "sl", "Pozdravljeni! Vprašajte me karkoli o tem spletnem mestu."),
        ("Danke", "en", "You’re welcome! Anything else?"),
    ],
)
def test_a_visitor_of_the_translated_widget_gets_small_talk_in_their_language(
    built_index, client, settings, message, language, reply
):
    """The widget ships in German and Slovenian: its visitors say thanks in them.
    An English index searched "Danke" ("I'm not sure", logged as unanswered),
    "Vielen Dank" got "I can only answer in English" and "Hallo" the contact page.
    The reply is in the request's language (a site with LocaleMiddleware)."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.locale.LocaleMiddleware"]
    body = client.post(
        "/api/search/",
        {"q": message},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    ).json()
    assert body["small_talk"] is True and body["answer"] is None and body["results"] == []
    assert body["language"] is None and body["message"] == reply
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_search_ask_and_try_a_question_say_it_is_small_talk(built_index, admin_client):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("search_ask", "Thanks!", stdout=out)
    assert "Small talk: visitors get “You’re welcome! Anything else?”" in out.getvalue()
    page = admin_client.get("/admin/site_assistant/question/try/", {"q": "bye"}).content.decode()
    assert "Small talk" in page and "Bye! Come back any time." in page
    assert "try-results" not in page  # nothing was searched, so no table of passages
