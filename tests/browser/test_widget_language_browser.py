"""A German visitor on a bilingual site (i18n_patterns, /de/ and /en/, LocaleMiddleware): the
widget and the search page speak German in a real Chromium, the English pages English.

The pages are tests/site_assistant/bilingual_site.py's; the answers come from the session's
index of the Bambicim site (English), as a German page of an English index gets them."""

import re

import pytest
from playwright.sync_api import expect

from .test_widget_browser import BUBBLE, INPUT, PANEL, ask

pytestmark = pytest.mark.browser


def test_a_german_visitor_asks_in_the_widget_and_reads_every_word_in_german(
    built_index, bilingual_live_server, page
):
    asked = []  # the page's language goes with each question (a site that mounts the app
    # outside i18n_patterns answers in the language LocaleMiddleware reads from it)
    page.on("request", lambda r: "/api/search/" in r.url and asked.append(r.headers))
    page.goto("/de/prices/")
    expect(page.locator(BUBBLE)).to_contain_text("Fragen Sie uns")
    page.keyboard.press("/")
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.get_by_role("textbox", name="Ihre Frage")).to_have_attribute(
        "placeholder", "Stellen Sie eine Frage …"
    )
    expect(page.locator(".site-assistant__greeting")).to_have_text(
        "Hallo! Fragen Sie mich alles über diese Website."
    )

    page.locator(".site-assistant__send").click()  # nothing typed
    expect(page.locator(".site-assistant__note")).to_have_text("Tippen Sie zuerst eine Frage ein.")

    answer = ask(page, "Can I scrape the site?")
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    # Read back, the visitor's line says who asked in German (it said "You asked:").
    heard = page.locator(".site-assistant__log").aria_snapshot()
    assert "Sie fragten: Can I scrape the site?" in heard, heard
    expect(answer.locator(".site-assistant__read")).to_have_text("Weiterlesen")
    # The site's text is English: a screen reader reads it in an English voice, the
    # widget's own words in German (they had the page's lang, de, read in a German voice).
    expect(answer.locator(".site-assistant__text")).to_have_attribute("lang", "en")
    expect(answer.locator(".site-assistant__source")).to_have_attribute("lang", "en")
    expect(answer.locator(".site-assistant__read")).not_to_have_attribute("lang", "en")
    expect(answer.locator(".site-assistant__all")).to_have_text("Alle Ergebnisse ansehen")
    expect(answer.locator(".site-assistant__all")).to_have_attribute(
        "href", re.compile(r"^/de/assistant/search/\?q=Can%20I%20scrape")
    )
    votes = answer.get_by_role("group", name="Hat das geholfen?")
    votes.get_by_role("button", name="Hilfreich", exact=True).click()
    expect(votes.get_by_role("status")).to_have_text("Danke! 💖")

    unsure = ask(page, "zxqv blorp")
    expect(unsure).to_have_class(re.compile("site-assistant__msg--unsure"))
    expect(unsure.locator("p").first).to_have_text(
        "Ich bin mir nicht sicher – auf dieser Website habe ich keine sichere Antwort gefunden."
    )
    expect(unsure.locator(".site-assistant__ask")).to_have_text("Einen Menschen fragen")
    expect(unsure.locator(".site-assistant__contact")).to_contain_text("ein Mensch antwortet Ihnen")

    other = ask(page, "Wo ist euer Büro?")
    expect(other.locator("p").first).to_have_text("Ich kann nur auf Englisch antworten.")
    reply = ask(page, "thanks")
    expect(reply).to_have_text("Gern geschehen! Noch etwas?")
    assert [headers.get("accept-language") for headers in asked] == ["de"] * 4

    # The search page the answer links to, in German too.
    page.locator(".site-assistant__msg--answer").first.locator(".site-assistant__all").click()
    page.wait_for_url(re.compile(r"/de/assistant/search/\?q="))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#sa-page-answer-title")).to_have_text("Beste Antwort")
    expect(page.locator(".sa-page__answer blockquote")).to_have_attribute("lang", "en")
    expect(page.locator(".sa-page__where")).to_have_attribute("lang", "en")
    expect(page.locator(".sa-page__answer").get_by_role("link", name="Weiterlesen")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Ihre Frage")).to_have_value("Can I scrape the site?")
    page_votes = page.get_by_role("group", name="Hat das geholfen?")
    expect(page_votes.get_by_role("button", name="Hilfreich", exact=True)).to_have_attribute(
        "aria-pressed",
        "true",  # the vote given in the widget
    )
    expect(page_votes.get_by_role("status")).to_have_text("Danke! 💖")


def test_the_english_pages_of_the_same_site_stay_english(built_index, bilingual_live_server, page):
    page.goto("/en/prices/")
    expect(page.locator(BUBBLE)).to_contain_text("Ask us")
    page.locator(BUBBLE).click()
    expect(page.get_by_role("textbox", name="Your question")).to_have_attribute(
        "placeholder", "Ask a question…"
    )
    answer = ask(page, "Can I scrape the site?")
    expect(answer.locator(".site-assistant__read")).to_have_text("Read more")
    # The page is in the index's language: no lang of their own (the page's holds).
    expect(answer.locator(".site-assistant__text")).not_to_have_attribute("lang", re.compile("."))
    expect(answer.get_by_role("group", name="Did this help?")).to_be_visible()
    unsure = ask(page, "zxqv blorp")
    expect(unsure.locator("p").first).to_have_text(
        "I’m not sure — I couldn’t find a confident answer on this site."
    )
    # A German visitor on an English page: the site has German pages and the app's words
    # are in German, so they are told in German (they were told in English), read in a
    # German voice; the link to a person in German too.
    other = ask(page, "Wo ist euer Büro?")
    expect(other.locator("p").first).to_have_text("Ich kann nur auf Englisch antworten.")
    expect(other).to_have_attribute("lang", "de")
    expect(other.locator(".site-assistant__ask")).to_have_text("Einen Menschen fragen")
    expect(other.locator(".site-assistant__ask")).to_have_attribute(
        "href", "/contact/?message=Wo%20ist%20euer%20B%C3%BCro%3F#write-to-us"
    )
    # A Slovenian one: the site has no Slovenian pages, so the page's English.
    slovenian = ask(page, "koliko stane spletna stran")
    expect(slovenian.locator("p").first).to_have_text("I can only answer in English.")
    expect(slovenian).not_to_have_attribute("lang", re.compile("."))
    expect(slovenian.locator(".site-assistant__contact")).to_contain_text("a person will answer")
    page.fill(INPUT, "")
    page.goto("/en/assistant/search/?q=Wo+ist+euer+B%C3%BCro%3F")
    expect(page.locator("#sa-page-answer-title")).to_have_text(
        "Ich kann nur auf Englisch antworten."
    )
    expect(page.locator("#sa-page-answer-title")).to_have_attribute("lang", "de")
    expect(page.locator(".sa-page__handoff")).to_have_text("Einen Menschen fragen")
    page.goto("/en/assistant/search/?q=zxqv+blorp")
    expect(page.locator("#sa-page-answer-title")).to_have_text("I’m not sure")
