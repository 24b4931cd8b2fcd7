"""The search page /search/?q= in a real Chromium: the snippet leads, results carry words not
scores, the visitor can vote, a reload is one question, and axe finds nothing wrong."""

import re
import time
from urllib.parse import quote_plus

import pytest
from playwright.sync_api import expect

from site_assistant import questions
from site_assistant.models import Question
from tests.conftest import site_index_live

from .axe import violations
from .conftest import ARGS, CHROMIUM
from .test_widget_browser import (
    BUBBLE,
    PANEL,
    ask,
    scroll_down_and_back,
    small_phone_with_large_text,
)

pytestmark = pytest.mark.browser

QUESTION = "How much does a landing page cost?"


def test_the_visitor_reads_the_answer_votes_and_reloads(page):
    # Found from any page, as a visitor finds it: the footer's "Search" (a visitor trying the
    # site found the page only through the widget's "See all results").
    page.goto("/services/")
    page.get_by_role("navigation", name="Footer").get_by_role("link", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/$"))
    page.get_by_role("searchbox", name="Your question").fill(QUESTION)
    page.get_by_role("searchbox", name="Your question").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    answer = page.locator(".search-page__answer")
    expect(answer.locator("blockquote mark").first).to_be_visible()
    answer.get_by_text("Show the whole section").click()
    expect(answer.locator("details")).to_have_attribute("open", "")
    results = page.locator(".search-page__list")
    expect(results).to_be_visible()
    expect(results).not_to_contain_text("Score")
    assert not re.search(r"\b0\.\d\d\b", results.inner_text())

    votes = page.get_by_role("group", name="Did this help?")
    votes.get_by_role("button", name="Not helpful", exact=True).click()
    expect(votes.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(votes.get_by_role("status")).to_contain_text("Thanks")
    question = Question.objects.get(text=QUESTION)
    assert question.channel == "page" and question.helpful is False

    page.reload()
    expect(page.locator(".search-page__answer")).to_be_visible()
    assert Question.objects.filter(text=QUESTION).count() == 1
    # The vote is remembered for this tab (sessionStorage, like the widget's): shown as given.
    expect(votes.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(votes.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(votes.get_by_role("status")).to_contain_text("Thanks")
    assert violations(page) == []

    # Per question and answer: another question has no vote yet.
    page.goto("/search/?q=Is+the+Bambi+Game+free%3F")
    expect(votes.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(votes.get_by_role("status")).to_have_text("")


def test_ask_tapped_again_on_a_slow_connection_sends_the_question_once(page):
    """Nothing moved for seconds after Ask on a slow connection, so the visitor tapped it
    again: each tap sent and logged the question once more, and all the while the last
    question's answer sat under the new question as if it were its answer."""
    page.goto("/search/?q=" + quote_plus(QUESTION))
    expect(page.locator(".search-page__results")).to_contain_text("Pricing")
    # What the page shows, seen from inside it: a pending navigation holds page.evaluate.
    shown = []
    page.expose_function("shown", lambda opacity: shown.append(opacity))
    page.evaluate(
        "setInterval(() => shown(getComputedStyle("
        "document.querySelector('.search-page__results')).opacity), 100)"
    )
    sent = []
    page.on("request", lambda request: "q=Is+the" in request.url and sent.append(request.url))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 3000, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.get_by_role("searchbox", name="Your question").fill("Is the Bambi Game free?")
    ask = page.get_by_role("button", name="Ask", exact=True).bounding_box()
    x, y = ask["x"] + ask["width"] / 2, ask["y"] + ask["height"] / 2
    # The mouse and keyboard as such: a locator's click would wait for the page to load.
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.keyboard.press("Enter")  # the button has the focus
    page.wait_for_timeout(1000)
    # Meanwhile the last question's answer is dimmed: not this question's.
    assert shown[-1] == "0.5", shown
    page.wait_for_url(re.compile(r"q=Is\+the"))
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    expect(page.locator(".search-page__answer")).to_contain_text("free")
    assert len(sent) == 1, sent
    assert Question.objects.filter(text="Is the Bambi Game free?").count() == 1
    expect(page.locator(".search-page__results")).to_have_css("opacity", "1")
    # Back to the earlier answer: shown as it was, not dimmed.
    page.go_back()
    expect(page.locator(".search-page__results")).to_contain_text("Pricing")
    expect(page.locator(".search-page__results")).to_have_css("opacity", "1")


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("Do you repair laptops?", "I’m not sure"),
        ("Wo ist euer Büro?", "Ich kann nur auf Englisch antworten"),
    ],
)
def test_axe_finds_nothing_wrong_with_the_not_sure_and_other_language_pages(
    page, question, heading
):
    page.goto("/search/?q=" + question)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(heading)
    assert violations(page) == []


def focused(page) -> str:
    """What has the focus: a tag and its text."""
    return page.evaluate(
        "(e => e.tagName + ' ' + e.textContent.trim().slice(0, 40))(document.activeElement)"
    )


def test_the_answers_heading_takes_the_focus_when_the_question_is_asked_here(page, browser):
    """A visitor with a screen reader asked on the search page: the new page loaded with the
    focus on its body, so nothing said the answer had come (the widget announces its own).
    The heading of the answer takes the focus, so the reader says it and reads on; a link
    someone shared, a reload or Back loads as any page, the focus left alone."""
    page.goto("/search/")
    box = page.get_by_role("searchbox", name="Your question")
    box.fill(QUESTION)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    heading = page.get_by_role("heading", name="Best answer")
    expect(heading).to_be_focused()
    # The keyboard goes on from the answer: the next Tab is in it, not back at the top.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.search-page__answer')"), focused(page)

    page.reload()  # the browser keeps its place: the heading does not take the focus again
    expect(page.locator(".search-page__answer")).to_be_visible()
    page.wait_for_load_state("load")
    assert focused(page).startswith("BODY"), focused(page)

    elsewhere = browser.new_context(base_url=page.url)  # the link, opened by whoever got it
    try:
        other = elsewhere.new_page()
        other.goto("/search/?q=" + quote_plus(QUESTION))
        expect(other.locator(".search-page__answer")).to_be_visible()
        other.wait_for_load_state("load")
        assert focused(other).startswith("BODY"), focused(other)
    finally:
        elsewhere.close()


def test_on_the_apps_own_page_a_suggested_question_tapped_is_asked_here(page, settings):
    # Without Bambicim's templates: the app's page, whose suggested questions are links.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {
        "INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "SUGGESTED_QUESTIONS": [QUESTION],
    }
    page.goto("/search/")
    suggestion = page.locator(".sa-page__suggestions a").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator("#sa-page-answer-title")).to_be_focused()
    page.go_back()
    page.go_forward()  # Back and Forward: the browser's place, the focus left alone
    page.wait_for_load_state("load")
    expect(page.locator("#sa-page-answer-title")).not_to_be_focused()


def test_back_to_an_earlier_question_is_not_a_second_question_and_no_cookie_is_set(page):
    page.goto("/search/?q=How+much+does+a+landing+page+cost%3F")
    expect(page.locator(".search-page__answer")).to_be_visible()
    page.wait_for_url(re.compile(r"&asked=\d+\.[\w-]+$"))  # the logged question, in the address
    page.goto("/search/?q=Is+the+Bambi+Game+free%3F")
    page.wait_for_url(re.compile(r"&asked=\d+\.[\w-]+$"))
    page.go_back()
    expect(page.locator(".search-page__answer")).to_contain_text("2,500")
    page.reload()
    expect(page.locator(".search-page__answer")).to_contain_text("2,500")
    assert Question.objects.filter(text=QUESTION).count() == 1
    assert Question.objects.filter(text="Is the Bambi Game free?").count() == 1
    assert not {c["name"] for c in page.context.cookies()} & {"sessionid", "csrftoken"}


# A visitor's chain of searches: the first two are the ones that showed the wrong box.
CHAIN = [
    "What cookies does this site set?",
    "Is the game free?",
    "How much does a landing page cost?",
    "How long does a project take?",
    "Do I need to register to play?",
    "How does the site assistant find answers to my questions?",
    "How do I clear my inventory?",
    "What's included in maintenance?",
    "Can these rules be updated later?",
    "Is my email shared with anyone?",
]


@pytest.fixture(params=["page loaded again", "page kept (bfcache)", "no JavaScript"])
def returning_page(request, browser, live_server, transactional_db, built_index, settings):
    """A 1280×800 page whose Back loads the page again (Playwright's Chromium keeps no
    pages), or gets it as it was left (a Chromium with its back/forward cache, as a
    visitor's is: it keeps the search page, Cache-Control no-store and all), or has
    JavaScript off. Yields the page and whether Back should find it kept.

    Its searches, and each Back or Forward that loads one again, count against
    127.0.0.1's rate (60 a minute): not limited here, and forgotten after, so the next
    test's questions are not refused."""
    from django.core.cache import cache

    site_index_live()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "1000/min",
        },
    }
    kept = request.param == "page kept (bfcache)"
    launched = None
    if kept:
        launched = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=ARGS,
            headless=True,
            ignore_default_args=["--disable-back-forward-cache"],
        )
    context = (launched or browser).new_context(
        viewport={"width": 1280, "height": 800},
        base_url=live_server.url,
        java_script_enabled=request.param != "no JavaScript",
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script("addEventListener('pageshow', e => { window.kept = e.persisted; })")
    yield page, kept
    context.close()
    if launched:
        launched.close()
    cache.clear()
    assert not errors, f"JavaScript errors: {errors}"


def test_after_back_and_forward_the_box_says_the_question_of_the_answer_shown(returning_page):
    """On the cookies answer the visitor typed "Is the game free?", pressed Ask, then Back:
    the cookies answer came back under a box that still said "Is the game free?" (the
    browser puts typed text back, or keeps the page as it was left), after every Back of
    ten searches. The box is the only place the page says what was asked."""
    page, kept = returning_page
    box = page.get_by_role("searchbox", name="Your question")

    returns = []  # for each Back and Forward, whether the page came as it was left

    def shows(question, returned=False):
        expect(page).to_have_title(re.compile("^“" + re.escape(question) + "”"))
        expect(box).to_have_value(question)
        if returned:
            returns.append(page.evaluate("window.kept"))

    page.goto("/search/?q=" + quote_plus(CHAIN[0]))
    shows(CHAIN[0])
    for question in CHAIN[1:]:
        box.fill(question)
        page.get_by_role("button", name="Ask", exact=True).click()
        shows(question)
    for question in reversed(CHAIN[:-1]):
        page.go_back(wait_until="commit")  # a kept page fires no load event
        shows(question, returned=True)
    for question in CHAIN[1:]:
        page.go_forward(wait_until="commit")
        shows(question, returned=True)
    # Chromium keeps the last few pages only (6): further Backs load the page again.
    assert returns[0] is True if kept else not any(returns)
    if page.evaluate("typeof window.kept") != "undefined":  # with JavaScript: asked once each
        assert [Question.objects.filter(text=q).count() for q in CHAIN] == [1] * len(CHAIN)


def feedback_posts(page):
    """The votes the page sends to the server, as they go."""
    sent = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.url.endswith("/api/feedback/") else None,
    )
    return sent


def test_a_shared_address_names_the_question_but_gives_no_vote_on_it(page, browser):
    """The address held the feedback token (``&asked=<id>.<token>``): whoever a visitor
    sent the link to could vote on their answer. Now it holds part of it, enough to name
    the question; the token stays in the page and the asker's tab, so the asker votes
    after a reload, and the link's reader gets the answer with no vote to give on the
    asker's question. The part stayed in the reader's address too, so their reload was no
    question of theirs, still without a vote, and a link they passed on carried it again."""
    page.goto("/search/?q=How+much+does+a+landing+page+cost%3F")
    page.wait_for_url(re.compile(r"&asked=\d+\.[\w-]+$"))
    question = Question.objects.get(text=QUESTION)
    token = questions.feedback_token(question)
    assert token not in page.url and page.url.endswith(questions.asked_reference(question))
    shared = page.url

    page.reload()  # the asker's own tab: still one question, still theirs to vote on
    votes = page.get_by_role("group", name="Did this help?")
    votes.get_by_role("button", name="Helpful", exact=True).click()
    expect(votes.get_by_role("status")).to_contain_text("Thank you")
    question.refresh_from_db()
    assert question.helpful is True

    elsewhere = browser.new_context(base_url=page.url)  # whoever the link was sent to
    try:
        other = elsewhere.new_page()
        other.goto(shared)
        expect(other.locator(".search-page__answer")).to_contain_text("2,500")
        expect(other.locator("[data-sa-feedback]")).to_be_hidden()
        assert token not in other.content()
        assert Question.objects.filter(text=QUESTION).count() == 1
        # The asker's asked leaves the reader's address: a link the reader copies is clean,
        # and their reload is their own question, theirs to vote on, not the asker's.
        other.wait_for_url(lambda url: "asked=" not in url)
        assert other.url == shared.split("&asked=")[0]
        other.reload()
        reader_votes = other.get_by_role("group", name="Did this help?")
        reader_votes.get_by_role("button", name="Not helpful", exact=True).click()
        expect(reader_votes.get_by_role("status")).to_contain_text("Thanks")
        theirs = Question.objects.filter(text=QUESTION).exclude(pk=question.pk).get()
        assert theirs.helpful is False
        other.wait_for_url(re.compile(r"&asked=" + str(theirs.pk) + r"\.[\w-]+$"))
    finally:
        elsewhere.close()
    question.refresh_from_db()
    assert question.helpful is True


def test_a_vote_in_the_widget_shows_on_the_search_page_and_is_sent_once(page):
    sent = feedback_posts(page)
    page.goto("/")
    page.locator(BUBBLE).click()
    answer = ask(page, QUESTION)
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    question = Question.objects.get(text=QUESTION)
    assert question.helpful is True and len(sent) == 1

    # "See all results": the same answer on the search page, the vote already given.
    answer.get_by_role("link", name="See all results").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    votes = page.locator(".search-page__results").get_by_role("group", name="Did this help?")
    helpful = votes.get_by_role("button", name="Helpful", exact=True)
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(votes.get_by_role("status")).to_contain_text("Thank you")
    # Clicking it again says thanks; nothing goes to the server twice.
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(500)
    assert len(sent) == 1

    # A change of mind here goes to the question that got the vote, and the widget shows it.
    votes.get_by_role("button", name="Not helpful", exact=True).click()
    expect(votes.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    assert [s["question_id"] for s in sent] == [question.pk, question.pk]
    question.refresh_from_db()
    assert question.helpful is False
    assert Question.objects.filter(text=QUESTION).count() == 1
    page.locator(BUBBLE).click()
    in_widget = page.locator(".site-assistant__msg--answer").last
    expect(in_widget.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(in_widget.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )


def test_a_vote_on_the_search_page_shows_when_the_widget_gives_the_same_answer(page):
    sent = feedback_posts(page)
    page.goto("/search/?q=" + QUESTION)
    votes = page.locator(".search-page__results").get_by_role("group", name="Did this help?")
    votes.get_by_role("button", name="Not helpful", exact=True).click()
    expect(votes.get_by_role("status")).to_contain_text("Thanks")
    assert len(sent) == 1

    page.goto("/services/")
    page.locator(BUBBLE).click()
    answer = ask(page, QUESTION)
    not_helpful = answer.get_by_role("button", name="Not helpful", exact=True)
    expect(not_helpful).to_have_attribute("aria-pressed", "true")
    not_helpful.click()
    page.wait_for_timeout(500)
    assert len(sent) == 1
    # Another question is not voted on.
    other = ask(page, "Is the Bambi Game free?")
    expect(other.get_by_role("button", name="Helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(other.get_by_role("button", name="Not helpful", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )


def test_without_javascript_there_are_no_dead_vote_buttons(browser, live_server, built_index):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto("/search/?q=Is+the+Bambi+Game+free%3F")
        expect(page.locator(".search-page__answer")).to_be_visible()
        expect(page.locator("[data-sa-feedback]")).to_be_hidden()
    finally:
        context.close()


MARK_STYLE = "m => { const s = getComputedStyle(m); return [s.backgroundColor, s.fontWeight]; }"
BROWSER_YELLOW = "rgb(255, 255, 0)"


def test_highlighted_words_look_like_the_widgets_not_the_browsers_yellow(page):
    page.goto("/search/?q=" + QUESTION)
    on_the_page = page.locator(".search-page__answer blockquote mark").first.evaluate(MARK_STYLE)
    page.locator(BUBBLE).click()
    expect(page.locator(PANEL)).to_be_visible()
    in_the_widget = ask(page, QUESTION).locator("mark").first.evaluate(MARK_STYLE)
    assert on_the_page == in_the_widget == ["rgb(255, 232, 242)", "600"]  # Bambicim's pink


def test_the_apps_own_page_highlights_in_its_own_colours(page, settings):
    # Without Bambicim's templates: the app's page and page.css, as another site gets them.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    page.goto("/search/?q=" + QUESTION)
    mark = page.locator(".sa-page__answer blockquote mark").first
    expect(mark).to_be_visible()
    background, weight = mark.evaluate(MARK_STYLE)
    card = page.locator(".sa-page__answer").evaluate("e => getComputedStyle(e).backgroundColor")
    # The default --sa-tint-strong, which stands out from the answer's card (--sa-tint).
    assert (background, weight) == ("rgb(224, 232, 248)", "600")
    assert background not in (BROWSER_YELLOW, card)
    # A file a browser asks for by itself (Safari's /apple-touch-icon.png; /favicon.ico is
    # served): a plain 404 without the site's templates, not a 500.
    assert page.request.get("/apple-touch-icon.png").status == 404


def test_a_question_in_another_language_reloaded_is_one_question(page):
    """Its page's address did not name the logged question (only a page with a
    vote box did), so each reload or Back to it logged it again: the owner's
    "In other languages" and the week's questions counted it twice, three times."""
    german = "Wie lange dauert ein Projekt?"
    page.goto("/search/?q=" + german)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "Ich kann nur auf Englisch antworten"
    )
    page.wait_for_url(re.compile(r"&asked=\d+\.[\w-]+$"))
    page.reload()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "Ich kann nur auf Englisch antworten"
    )
    page.goto("/search/?q=Is+the+Bambi+Game+free%3F")
    page.wait_for_url(re.compile(r"&asked=\d+\.[\w-]+$"))
    page.go_back()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "Ich kann nur auf Englisch antworten"
    )
    assert list(Question.objects.filter(text=german).values_list("language", flat=True)) == ["de"]


@pytest.mark.parametrize("templates", ["the site's", "the app's own"])
def test_a_question_the_page_refuses_is_said_at_the_box_to_put_right(page, settings, templates):
    """ "???" sent: the error was a role=alert paragraph, which a screen reader does not read on
    a page as it loads, and the box (where the visitor puts it right) did not say it was wrong."""
    if templates == "the app's own":
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
        settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    page.goto("/search/?q=???")  # as the form sends it
    box = page.get_by_role("searchbox", name="Your question")
    expect(box).to_be_focused()  # heard at once: the box, that it is wrong and why
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description("Ask something: the question has no words.")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.get_by_role("heading", name="Best answer")).to_be_visible()
    expect(box).not_to_have_attribute("aria-invalid", "true")


def test_on_a_small_phone_with_large_text_the_answer_comes_into_view(phone_page):
    """320×640 with the phone's text at 20 px: the page's header, title and lead fill the
    first screen, so the answer loaded below it, out of sight, as if nothing had happened.
    It comes up under the question box; Back to it, the browser's place is kept."""
    page = small_phone_with_large_text(phone_page)
    page.goto("/search/")
    box = page.get_by_role("searchbox", name="Your question")
    box.fill("Is my email shared with anyone?")
    page.get_by_role("button", name="Ask", exact=True).tap()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("heading", name="Best answer")).to_be_in_viewport()
    expect(page.locator(".search-page__answer .eyebrow")).to_be_in_viewport()
    expect(box).to_be_in_viewport()  # the question asked, above its answer

    # From the widget's "See all results": the same.
    page.goto("/")
    scroll_down_and_back(page)
    page.locator(BUBBLE).tap()
    answer = ask(page, "How long does a web app take?")
    answer.locator(".site-assistant__all").tap()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("heading", name="Best answer")).to_be_in_viewport()

    # Where the answer shows in the first screen, the page stays at its top.
    roomy = phone_page(390, 844)
    roomy.goto("/search/?q=" + quote_plus("Is my email shared with anyone?"))
    expect(roomy.get_by_role("heading", name="Best answer")).to_be_in_viewport()
    assert roomy.evaluate("scrollY") == 0


def test_on_a_small_phone_with_large_text_the_bubble_leaves_the_search_box_free(phone_page):
    """320×640 with the phone's text at 20 px: the box fills the first screen's foot, where
    the chat bubble floats; it covered the box's end, so a tap there, to read or put right
    the end of the question, opened the chat instead. The bubble slides away from the box."""
    page = small_phone_with_large_text(phone_page)
    page.goto("/search/")
    box = page.get_by_role("searchbox", name="Your question")
    edge = box.bounding_box()
    assert edge["y"] + edge["height"] <= 640, edge  # in the first screen, at its foot
    # The visitor's thumb on the box's end (a tap where it lands, not Playwright's on the box).
    page.touchscreen.tap(edge["x"] + edge["width"] - 12, edge["y"] + edge["height"] / 2)
    expect(box).to_be_focused()
    expect(page.locator(PANEL)).to_be_hidden()
    box.fill(QUESTION)

    def clear_of_the_box(bubble) -> bool:
        return (
            bubble["y"] >= 640
            or bubble["x"] >= edge["x"] + edge["width"]
            or bubble["y"] >= edge["y"] + edge["height"]
        )

    # The bubble slides away (a transition): read where it comes to rest, not mid-slide
    # (on a loaded machine it was read 616 px down, on its way).
    deadline = time.monotonic() + 5
    while not clear_of_the_box(bubble := page.locator(BUBBLE).bounding_box()):
        assert time.monotonic() < deadline, (bubble, edge)
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Ask", exact=True).tap()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("heading", name="Best answer")).to_be_in_viewport()
    # At the page's end, over nothing to type in, the bubble is back.
    page.evaluate("scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator(BUBBLE)).to_be_in_viewport()
    page.locator(BUBBLE).tap()
    expect(page.locator(PANEL)).to_be_visible()
