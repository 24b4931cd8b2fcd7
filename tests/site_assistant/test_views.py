"""The search page /search/?q=: the same answer as the widget, server-rendered."""

import json
import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from site_assistant import index, questions
from site_assistant.models import Question

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("built_index")]


def test_empty_query_shows_only_the_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html and 'role="search"' in html
    assert "Best answer" not in html and "I’m not sure" not in html
    assert not Question.objects.exists()


def test_the_page_is_never_indexed(client):
    html = client.get("/search/?q=hello").content.decode()
    assert '<meta name="robots" content="noindex">' in html


def test_an_answer_is_never_kept_by_a_cache_in_front_of_the_site(client):
    """It carries the asker's question id and feedback token: a shared cache that kept
    it handed them to whoever asked the same words next (votes on someone else's
    question, their own not logged). The form alone may be cached."""
    for asked in ({"q": "How much does a landing page cost?"}, {"q": "x" * 5000}):
        cache_control = client.get("/search/", asked)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control
    assert "Cache-Control" not in client.get("/search/")


def test_a_question_gets_the_answer_alternatives_and_links(client):
    response = client.get("/search/", {"q": "Can I scrape the site?"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Best answer" in html
    assert "No abuse, scraping, or harmful behavior." in html
    assert 'href="/terms/#use-of-site"' in html
    assert "Terms &amp; Conditions › Use of site" in html
    assert "Other results" in html and html.count("<li>") >= 4
    question = Question.objects.get()
    assert question.channel == "page" and question.answered
    assert "Searched for" not in html


def test_an_answer_alone_gets_no_empty_other_results_heading(client, settings):
    # One result, the answer itself: nothing else to list, so no heading over an empty list.
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "DEFAULT_K": 1}
    html = client.get("/search/", {"q": "Can I scrape the site?"}).content.decode()
    assert "Best answer" in html and "No abuse, scraping" in html
    assert "Other results" not in html and "search-page__list" not in html


def test_results_carry_no_raw_score(client):
    html = client.get("/search/", {"q": "Can I scrape the site?"}).content.decode()
    results = html.split('class="search-page__list"', 1)[1]
    assert "Score" not in html and not re.search(r"\b0\.\d\d\b", results)


@pytest.mark.parametrize(
    ("query", "unrelated"),
    [("price", "Bambi Game › Free to play"), ("Do you build mobile apps?", "UX &amp; UI design")],
)
def test_an_unrelated_result_is_not_called_a_good_match(client, query, unrelated):
    # The answer threshold only says a question is not off-topic: an unrelated
    # passage of the site clears it too, so no result is labelled by it.
    html = client.get("/search/", {"q": query}).content.decode()
    results = html.split('class="search-page__list"', 1)[1]
    assert unrelated in results
    assert "Good match" not in html


def test_the_page_has_vote_buttons_for_the_logged_question(client):
    html = client.get("/search/", {"q": "Can I scrape the site?"}).content.decode()
    box = LexborHTMLParser(html).css_first("[data-sa-feedback]")
    question = Question.objects.get()
    assert box.attributes["data-question-id"] == str(question.pk)
    assert box.attributes["data-feedback-token"] == questions.feedback_token(question)
    assert box.attributes["data-feedback-url"] == "/api/feedback/"
    # What widget.js remembers a vote by (per question and answer, for the tab).
    assert box.attributes["data-question"] == "Can I scrape the site?"
    assert box.attributes["data-result"] == "/terms/#use-of-site"
    assert "hidden" in box.attributes  # shown by widget.js, which does the voting


def test_the_best_answer_leads_with_its_snippet_highlighted_and_expands(client):
    html = client.get("/search/", {"q": "Can I scrape the site?"}).content.decode()
    snippet = html.split("<blockquote><p>", 1)[1].split("</p></blockquote>", 1)[0]
    assert "<mark>" in snippet and "scraping" in snippet.split("<mark>", 1)[1]
    assert not snippet.startswith("Use of site")
    # Its two sentences are the whole section: nothing more to show.
    assert "Show the whole section" not in html
    html = client.get("/search/", {"q": "How much does a landing page cost?"}).content.decode()
    assert "<details><summary>Show the whole section</summary>" in html


@pytest.mark.parametrize(
    "query",
    ["Do I need to register to play?", "Can I scrape the site?", "Can I get my money back?"],
)
def test_other_results_mark_only_part_of_their_snippet(client, query):
    """Most other results were marked from end to end (a short section's one sentence), so a
    mark there said nothing. A result's mark is drawn only where words of its snippet are
    left unmarked."""
    html = client.get("/search/", {"q": query}).content.decode()
    results = LexborHTMLParser(html).css(".search-page__list li p")
    assert len(results) >= 4, html
    for result in results:
        marked = "".join(mark.text() for mark in result.css("mark"))
        assert not marked or len(marked) < len(result.text().strip()) - 3, result.html
    # Where it points at part of one, it is still there.
    assert any(result.css_first("mark") for result in results), html


def test_a_section_the_snippet_says_whole_offers_no_whole_section(client):
    """A one-sentence section: "Show the whole section" opened the same words again."""
    html = client.get("/search/", {"q": "Where is the site hosted?"}).content.decode()
    answer = LexborHTMLParser(html).css_first(".search-page__answer")
    assert answer.css_first(".eyebrow").text(strip=True).endswith("Hosting"), answer.html
    assert "hosted in the EU" in answer.css_first("blockquote").text()
    assert answer.css_first("details") is None, answer.html


def test_a_typo_is_fixed_and_the_page_says_what_it_searched_for(client):
    html = client.get("/search/", {"q": "Do you use cokies?"}).content.decode()
    assert "Searched for “Do you use cookies?”" in html
    assert 'href="/privacy/#cookies"' in html


def test_nonsense_is_answered_honestly_with_the_contact_link(client):
    html = client.get("/search/", {"q": "zxqv blorp"}).content.decode()
    assert "I’m not sure" in html
    # The handoff, with the question for the contact form.
    handoff = LexborHTMLParser(html).css_first("a.search-page__handoff")
    assert handoff.text() == "Ask Bambi’s team"
    assert handoff.attributes["href"] == "/contact/?message=zxqv%20blorp#write-to-us"
    assert "Closest pages" in html
    assert Question.objects.get().answered is False


@pytest.mark.parametrize(
    ("query", "told"),
    [
        ("Koliko stane spletna stran?", ("sl", "Odgovarjam lahko samo v angleščini.")),
        ("Wo ist euer Büro?", ("de", "Ich kann nur auf Englisch antworten.")),
        ("¿Cuánto cuesta una página web?", ("", "I can only answer in English.")),
    ],
)
def test_a_question_in_another_language_is_told_the_sites_language_and_no_pages(
    client, query, told
):
    """In the visitor's language when the app's words are in it (German, Slovenian: the
    site leaves LANGUAGES to Django's, every language), marked so; else the page's."""
    html = client.get("/search/", {"q": query}).content.decode()
    section = LexborHTMLParser(html).css_first("section[aria-labelledby]")
    results = section.text()
    lang, message = told
    assert section.css_first("h2").attributes.get("lang") == (lang or None)
    assert section.css_first("h2").text() == message
    assert "confident answer" not in results
    assert "Koliko state" not in html  # never respelled
    # The message and the way to a person, not a list of unrelated sections.
    assert "Closest pages" not in results and "closest passages" not in results
    assert section.css("ol li") == []
    assert [a.text() for a in section.css("a")] == ["Ask Bambi’s team"]
    # The site's HANDOFF_TEXT, one English text, inside the visitor's language: marked English.
    assert [span.attributes["lang"] for span in section.css("a span")] == (["en"] if lang else [])
    # The message is the heading (not "I'm not sure" over it), and nothing to vote on.
    assert "I’m not sure" not in results
    assert LexborHTMLParser(html).css("[data-sa-feedback]") == []


@pytest.mark.parametrize("query", ["x" * 501, "y" * 10_000])
def test_a_too_long_question_is_a_friendly_400(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 400
    assert "too long" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("raw", ["%ff%fe", "caf%e9", "price%c3"])
def test_a_question_of_bytes_that_are_not_utf8_is_a_400_and_not_logged(client, raw):
    # Django decodes the query string with errors="replace": "%ff%fe" arrives as "��".
    response = client.get(f"/search/?q={raw}")
    assert response.status_code == 400
    error = LexborHTMLParser(response.content.decode()).css_first("[role=alert]").text()
    assert "could not be read" in error and "UTF-8" in error
    assert "Best answer" not in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize("query", ["\u200b", "???", "nul\x00byte", "%FF"])
def test_odd_queries_never_500(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code in (200, 400)


def test_no_index_yet_is_a_friendly_503(client, settings, tmp_path):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(tmp_path / "none")}
    index.forget_loaded()
    try:
        response = client.get("/search/", {"q": "Where are you based?"})
        thanks = client.get("/search/", {"q": "thanks"})
    finally:
        index.forget_loaded()
    assert response.status_code == 503
    assert "still reading the site" in response.content.decode()
    # Small talk searches nothing: replied to before the first build too.
    assert thanks.status_code == 200
    assert "still reading the site" not in thanks.content.decode()


def test_answer_text_is_escaped(client):
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_see_all_results_from_the_widget_does_not_log_the_question_twice(client):
    from site_assistant import questions

    _, asked = questions.ask("Can I scrape the site?", channel="widget")
    reference = questions.asked_reference(asked)
    response = client.get("/search/", {"q": "Can I scrape the site?", "asked": reference})
    assert "No abuse, scraping" in response.content.decode()
    assert list(Question.objects.values_list("channel", flat=True)) == ["widget"]
    # An id that does not match the text is ignored: the question is logged.
    client.get("/search/", {"q": "Is the Bambi Game free?", "asked": reference})
    assert Question.objects.filter(channel="page").count() == 1


def test_a_question_is_logged_as_it_looks_without_a_bidi_override(client):
    """A visitor's right-to-left override made the owner read "email me john@gmail.com"
    where the log held "moc.liamg@nhoj em liame" (which the personal-data check let
    through). The invisible characters go before the question is searched or logged;
    a question in Arabic or Hebrew is kept as typed."""
    spoof = "Can I scrape the site? \u202emoc.liamg@nhoj em liame"
    assert client.get("/search/", {"q": spoof}).status_code == 200
    arabic = "هل يمكنني نسخ محتوى الموقع؟"
    assert client.get("/search/", {"q": arabic}).status_code == 200
    assert set(Question.objects.values_list("text", flat=True)) == {
        "Can I scrape the site? moc.liamg@nhoj em liame",
        arabic,
    }


def test_a_page_opened_by_its_address_carries_no_feedback_token(client):
    """The address names the logged question (``asked``) but holds no feedback token:
    a shared link gives its reader the answer, not a vote on the asker's question
    (the asker's tab keeps the token: widget.js)."""
    from site_assistant import questions

    fresh = client.get("/search/", {"q": "Can I scrape the site?"}).content.decode()
    question = Question.objects.get()
    token = questions.feedback_token(question)
    box = LexborHTMLParser(fresh).css_first("[data-sa-feedback]")
    assert box.attributes["data-feedback-token"] == token
    reference = questions.asked_reference(question)
    assert token not in reference
    for asked in (reference, f"{question.pk}.{token}"):  # and an older link's whole token
        again = client.get("/search/", {"q": "Can I scrape the site?", "asked": asked})
        box = LexborHTMLParser(again.content.decode()).css_first("[data-sa-feedback]")
        assert box.attributes["data-question-id"] == str(question.pk)
        assert box.attributes["data-feedback-token"] == ""
        assert token not in again.content.decode()
    assert Question.objects.count() == 1
    vote = {"question_id": question.pk, "helpful": False}
    part = reference.partition(".")[2]
    refused = client.post("/api/feedback/", {**vote, "feedback_token": part}, "application/json")
    assert refused.status_code == 403


@pytest.mark.parametrize("asked", ["{pk}", "{pk}.", "{pk}.forged-token", "{other}.{token}"])
def test_another_visitors_question_cannot_be_taken_over_by_its_id(client, asked):
    """Ids are sequential: with ``asked=<id>`` alone, anyone who asked the same words
    got that visitor's entry back, with its feedback token (a vote on their answer),
    and learnt whether question <id> was those words."""
    from site_assistant import questions

    _, theirs = questions.ask("Can I scrape the site?", channel="widget")
    _, other = questions.ask("Is the Bambi Game free?", channel="widget")
    token = questions.feedback_token(other)
    value = asked.format(pk=theirs.pk, other=other.pk, token=token)
    response = client.get("/search/", {"q": "Can I scrape the site?", "asked": value})
    assert response.status_code == 200
    box = LexborHTMLParser(response.content.decode()).css_first("[data-sa-feedback]")
    mine = Question.objects.get(channel="page")  # logged anew, as a question of its own
    assert box.attributes["data-question-id"] == str(mine.pk) != str(theirs.pk)
    assert box.attributes["data-feedback-token"] != questions.feedback_token(theirs)


def test_the_search_page_sets_no_cookie_for_a_visitor(client):
    response = client.get("/search/", {"q": "Can I scrape the site?"})
    assert "No abuse, scraping" in response.content.decode()
    assert not response.cookies, response.cookies
    html = LexborHTMLParser(response.content.decode())
    box = html.css_first("[data-sa-feedback]")
    # The vote box names the logged question (widget.js puts it in the address)
    # and carries no CSRF token (the API takes a visitor's vote without one).
    assert box.attributes["data-question-id"] == str(Question.objects.get().pk)
    assert box.attributes["data-csrf"] == ""


@pytest.mark.parametrize("asked", ["x1", "²", "١٢", "-1", "9" * 40])
def test_a_junk_asked_parameter_is_a_400_with_a_human_message(client, asked):
    response = client.get("/search/", {"q": "Do you use cookies?", "asked": asked})
    assert response.status_code == 400
    text = response.content.decode()
    assert "This link is broken" in text
    assert "invalid literal" not in text
    assert not Question.objects.exists()


def test_a_head_request_is_answered_but_not_logged_as_a_question(client):
    """Link checkers and monitors send HEAD: no visitor asked anything."""
    response = client.head("/search/", {"q": "Can I scrape the site?"})
    assert response.status_code == 200 and response.content == b""
    assert not Question.objects.exists()
    client.get("/search/", {"q": "Can I scrape the site?"})
    assert Question.objects.count() == 1


@pytest.mark.django_db
def test_the_search_page_of_a_german_page_speaks_german(built_index, client, bilingual_site):
    html = client.get("/de/assistant/search/", {"q": "Can I scrape the site?"}).content.decode()
    tree = LexborHTMLParser(html)
    assert tree.css_first("html").attributes["lang"] == "de"
    assert tree.css_first("title").text() == "“Can I scrape the site?” — Fragen Sie uns"
    assert tree.css_first("label").text() == "Ihre Frage"
    assert tree.css_first("#sa-page-answer-title").text() == "Beste Antwort"
    assert tree.css_first(".sa-page__answer a.sa-page__button").text() == "Weiterlesen"
    longer = "How much does a landing page cost?"  # its section says more than its snippet
    more = LexborHTMLParser(client.get("/de/assistant/search/", {"q": longer}).content.decode())
    assert more.css_first("details summary").text() == "Ganzen Abschnitt zeigen"
    assert "Weitere Ergebnisse" in html
    # The vote buttons widget.js adds on the page read their words from the page.
    words = json.loads(tree.css_first("script[data-site-assistant-words]").text())
    assert words["didThisHelp"] == "Hat das geholfen?"

    unsure = LexborHTMLParser(
        client.get("/de/assistant/search/", {"q": "zxqv blorp"}).content.decode()
    )
    assert unsure.css_first("#sa-page-answer-title").text() == "Ich bin mir nicht sicher"
    assert "keine sichere Antwort gefunden" in unsure.css_first("section").text()
    assert unsure.css_first("a.sa-page__handoff").text() == "Einen Menschen fragen"
    assert unsure.css_first("a.sa-page__handoff").attributes["href"] == (
        "/contact/?message=zxqv%20blorp#write-to-us"
    )

    other = LexborHTMLParser(
        client.get("/de/assistant/search/", {"q": "Wo ist euer Büro?"}).content.decode()
    )
    assert other.css_first("#sa-page-answer-title").text() == "Ich kann nur auf Englisch antworten."

    english = LexborHTMLParser(
        client.get("/en/assistant/search/", {"q": "zxqv blorp"}).content.decode()
    )
    assert english.css_first("html").attributes["lang"] == "en"
    assert english.css_first("#sa-page-answer-title").text() == "I’m not sure"


@pytest.mark.django_db
def test_a_german_visitor_reads_the_search_pages_errors_in_german(client, bilingual_site):
    response = client.get("/de/assistant/search/", {"q": "x" * 501})
    assert response.status_code == 400
    error = LexborHTMLParser(response.content.decode()).css_first("[role=alert]").text()
    assert error == "Die Frage ist zu lang (501 Zeichen): bitte höchstens 500."
    broken = client.get("/de/assistant/search/", {"q": "hi", "asked": "nope"})
    assert broken.status_code == 400 and "Dieser Link ist kaputt" in broken.content.decode()
