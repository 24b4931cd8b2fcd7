"""The site assistant's widget in a real headless Chromium against the live test server and a real index."""

import re
import time

import pytest
from playwright.sync_api import expect

from site_assistant import questions
from site_assistant.models import Question

pytestmark = pytest.mark.browser

PANEL = ".site-assistant__panel"
BUBBLE = ".site-assistant__bubble"
INPUT = ".site-assistant__input"


def ask(page, question):
    answers = page.locator(
        ".site-assistant__msg--answer, .site-assistant__msg--unsure, .site-assistant__msg--error,"
        " .site-assistant__msg--reply"
    )
    count = answers.count()  # before asking: a fast answer must not be counted in
    page.fill(INPUT, question)
    page.keyboard.press("Enter")
    expect(answers).to_have_count(count + 1)
    return answers.last


def active_element_in(page, selector):
    return page.evaluate(f"document.querySelector({selector!r}).contains(document.activeElement)")


def small_phone_with_large_text(phone_page):
    """A 320×640 phone with its text at 20 px (the phone's "large text")."""
    page = phone_page(320, 640)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 20, "fixed": 16}})
    return page


# The page's text the closed bubble covers: each line's words, where the bubble shows.
TEXT_UNDER_THE_BUBBLE = """() => {
    const root = document.querySelector(".site-assistant");
    const b = root.querySelector(".site-assistant__bubble").getBoundingClientRect();
    const shown = {left: b.left, right: b.right, top: b.top, bottom: Math.min(b.bottom, innerHeight)};
    if (shown.bottom <= shown.top) return [];  // slid away, below the screen's edge
    const covered = [], range = document.createRange();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let text; (text = walker.nextNode());) {
        if (!text.data.trim() || root.contains(text)) continue;
        range.selectNodeContents(text);
        for (const line of range.getClientRects()) {
            if (line.right > shown.left && line.left < shown.right
                && line.bottom > shown.top && line.top < shown.bottom) covered.push(text.data.trim());
        }
    }
    return covered;
}"""


def scroll_down_and_back(page):
    """As a visitor reading on: on a small phone's first screen the closed bubble gives way
    to the text under it until the visitor scrolls; back at the top, it is there."""
    page.wait_for_load_state("load")
    page.evaluate("scrollTo(0, 300)")
    page.wait_for_timeout(200)  # the scroll's event, before the next
    page.evaluate("scrollTo(0, 0)")
    expect(page.locator(BUBBLE)).to_be_in_viewport()


def text_under_the_bubble(page) -> list[str]:
    """Read where the bubble comes to rest (it slides), not mid-slide."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 5
    while (covered := page.evaluate(TEXT_UNDER_THE_BUBBLE)) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return covered


def test_on_a_small_phone_with_large_text_the_bubble_leaves_the_first_screen_whole(phone_page):
    """320×640 with the phone's text at 20 px: on the home page's first screen the closed
    bubble covered the end of the hero's line "Notes, builds, and…" (it slid away only once
    the visitor scrolled). There it gives way to the text; on the way back up it is there."""
    page = small_phone_with_large_text(phone_page)
    page.goto("/")
    expect(page.get_by_text("Notes, builds, and shiny experiments")).to_be_in_viewport()
    assert text_under_the_bubble(page) == []
    # Scrolled down and back up, as a visitor reading on: the bubble is back and opens.
    scroll_down_and_back(page)
    page.locator(BUBBLE).tap()
    expect(page.locator(PANEL)).to_be_visible()
    page.get_by_role("button", name="Close Ask Bambi").tap()
    expect(page.locator(BUBBLE)).to_be_in_viewport()  # opened once, it stays where it is

    # Where it covers no text or control (the About page: only the corner of its pull quote's
    # coloured box), it shows from the first screen on.
    page.goto("/about/")
    expect(page.locator(BUBBLE)).to_be_in_viewport()
    page.locator(BUBBLE).tap()
    expect(page.locator(PANEL)).to_be_visible()


# Whether the closed bubble, where it comes to rest, covers a box of the page: its place on the
# screen overlaps the box's, and a tap at the box's right end, halfway down, lands elsewhere.
BUBBLE_OVER = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    const b = document.querySelector(".site-assistant__bubble").getBoundingClientRect();
    const shown = {left: b.left, right: b.right, top: b.top, bottom: Math.min(b.bottom, innerHeight)};
    const over = shown.bottom > shown.top && b.right > box.left && b.left < box.right
        && shown.bottom > box.top && shown.top < box.bottom;
    // Halfway down the part of the box beside the bubble's resting place (the widget's box).
    const place = document.querySelector(".site-assistant").getBoundingClientRect();
    const mid = (Math.max(box.top, place.top) + Math.min(box.bottom, place.bottom, innerHeight)) / 2;
    // Clear of a rounded corner: a box's rounded corner takes no tap.
    const clear = box.top + Math.min(16, box.height / 2);
    const y = Math.min(Math.max(mid, clear), Math.min(box.bottom, innerHeight) - 1);
    const hit = document.elementFromPoint(box.right - 4, y);
    return {over, reaches: !!hit && document.querySelector(selector).contains(hit),
        beside: box.right > place.left && box.left < place.right && box.bottom > place.top
            && box.top < place.bottom};
}"""


def bubble_over(page, selector):
    """Read where the bubble comes to rest (it slides), not mid-slide."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 5
    while (found := page.evaluate(BUBBLE_OVER, selector))["over"] and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return found


@pytest.mark.parametrize(
    "path, selector",
    [
        ("/game/evening-in/", ".choices a"),  # "Switch on the fairy lights"
        ("/contact/", "textarea"),  # the message box
    ],
)
def test_on_a_phone_the_closed_bubble_covers_no_control_or_box_of_the_first_screen(
    phone_page, path, selector
):
    """390×844: the closed bubble covered the right end of the game's first choice and the
    contact page's message box, neither of them text under the points it looked at. A tap at
    the covered end reaches what is there."""
    page = phone_page(390, 844)
    page.goto(path)
    expect(page.locator(selector).first).to_be_visible()
    found = bubble_over(page, selector)
    assert found["beside"], found  # where the bubble rests when nothing is in its way
    assert not found["over"], found
    assert found["reaches"], found


def test_on_a_phone_the_closed_bubble_shows_on_first_screens_where_it_covers_only_a_boxs_edge(
    phone_page,
):
    """390×844: the bubble over the corner of a card (Services, Portfolio, Notes) covers no
    word and no control; sliding it away there too hid the assistant on most first screens."""
    page = phone_page(390, 844)
    for path in ("/services/", "/portfolio/", "/notes/"):
        page.goto(path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        expect(page.locator(BUBBLE)).to_be_in_viewport()
        assert "is-clear" not in page.locator(".site-assistant").get_attribute("class"), path


def test_on_a_phone_a_tap_beside_the_round_bubble_reaches_the_page(phone_page):
    """A tap in a corner of the closed bubble's square, outside its circle (332,822 at
    390×844), hit the widget's box and nothing: neither the page nor the chat."""
    page = phone_page(390, 844)
    page.goto("/about/")
    expect(page.locator(BUBBLE)).to_be_in_viewport()
    hits = page.evaluate(
        """() => {
        const root = document.querySelector(".site-assistant");
        const b = root.querySelector(".site-assistant__bubble").getBoundingClientRect();
        const at = (x, y) => document.elementFromPoint(x, y);
        return {
            corner: root === at(b.left + 2, b.bottom - 2) || root === at(b.right - 2, b.top + 2),
            middle: root.querySelector(".site-assistant__bubble").contains(
                at((b.left + b.right) / 2, (b.top + b.bottom) / 2)),
        };
    }"""
    )
    assert hits == {"corner": False, "middle": True}
    page.locator(BUBBLE).tap()
    expect(page.locator(PANEL)).to_be_visible()


def test_slash_opens_asks_and_read_more_lands_on_the_highlighted_section(page, screenshots):
    page.goto("/")
    expect(page.locator(PANEL)).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator(PANEL)).to_be_visible()
    assert active_element_in(page, PANEL)
    expect(page.locator(INPUT)).to_be_focused()

    answer = ask(page, "Can I scrape the site?")
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    expect(answer.locator(".site-assistant__text")).to_contain_text(
        "No abuse, scraping, or harmful behavior"
    )
    expect(answer.locator(".site-assistant__source")).to_have_text(
        "Terms & Conditions › Use of site"
    )
    # Announced: the polite live region reads the answer's snippet (test_widget_chat_browser.py).
    expect(page.locator(".site-assistant [aria-live=polite]")).to_contain_text("No abuse, scraping")
    # No "Also see": the next sections (Terms › Liability…) score far below the answer.
    expect(answer.locator(".site-assistant__more li")).to_have_count(0)
    question = Question.objects.get(text="Can I scrape the site?")
    expect(answer.locator(".site-assistant__all")).to_have_attribute(
        "href",
        f"/search/?q=Can%20I%20scrape%20the%20site%3F&asked={questions.asked_reference(question)}",
    )
    page.screenshot(path=str(screenshots / "home-widget-desktop.png"))

    # Helpful → stored with the logged question.
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".site-assistant__thanks")).to_contain_text("Thank you")
    question = Question.objects.get(text="Can I scrape the site?")
    assert question.channel == "widget" and question.answered
    assert question.helpful is True and question.feedback_at is not None

    # Read more → /terms/#use-of-site, with that section highlighted.
    answer.locator(".site-assistant__read").click()
    page.wait_for_url(re.compile(r"/terms/#use-of-site$"))
    target = page.locator(":target")
    expect(target).to_have_id("use-of-site")
    # The look of a heading and of the section around it (a site may mark either).
    style = """n => [n, n.parentElement].map(e => {
        const s = getComputedStyle(e);
        return [s.backgroundColor, s.backgroundImage, s.boxShadow, s.textDecorationLine].join(' ');
    }).join(' | ')"""
    highlighted = target.evaluate(style)
    plain = page.locator("#content").evaluate(style)
    assert highlighted != plain, (highlighted, plain)
    expect(page.locator(PANEL)).to_be_hidden()


def test_nonsense_is_honest_and_esc_returns_focus_to_the_bubble(page):
    page.goto("/about/")
    page.keyboard.press("Control+k")
    expect(page.locator(PANEL)).to_be_visible()
    answer = ask(page, "zxqv blorp")
    expect(answer).to_have_class(re.compile("site-assistant__msg--unsure"))
    expect(answer).to_contain_text("I’m not sure")
    expect(answer.get_by_role("link", name="Ask Bambi’s team")).to_have_attribute(
        "href", "/contact/?message=zxqv%20blorp#write-to-us"
    )
    expect(answer.locator(".site-assistant__more li").first).to_be_visible()
    assert Question.objects.get(text="zxqv blorp").answered is False

    # Focus stays in the open panel, both ways round.
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert active_element_in(page, PANEL), key
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    expect(page.locator(BUBBLE)).to_be_focused()
    expect(page.locator(BUBBLE)).to_have_attribute("aria-expanded", "false")


def test_keys_mashed_on_a_phone_are_not_taken_for_another_language(phone_page):
    """A row of letters reads to the language identifier as no language at all ("zxx"):
    it was answered "I can only answer in English." as if the visitor wrote German. It
    gets the honest "I'm not sure", the closest pages and a person, in the widget and on
    the search page."""
    page = phone_page(390, 844)
    page.goto("/")
    page.locator(BUBBLE).tap()
    answer = ask(page, "asdkjh qwe zzz")
    expect(answer).to_have_class(re.compile("site-assistant__msg--unsure"))
    expect(answer).to_contain_text("I’m not sure")
    expect(answer).not_to_contain_text("only answer in")
    expect(answer.get_by_role("link", name="Ask Bambi’s team")).to_have_attribute(
        "href", "/contact/?message=asdkjh%20qwe%20zzz#write-to-us"
    )
    question = Question.objects.get(text="asdkjh qwe zzz")
    assert question.language == "" and question.answered is False

    answer.locator(".site-assistant__all").tap()
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("heading", name="I’m not sure")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("only answer in")


def test_on_a_small_phone_with_large_text_the_thanks_for_a_vote_is_in_sight(phone_page):
    """320×640 with the phone's text at 20 px: the visitor scrolls to "Did this help?" at
    the bottom of the panel and taps Not helpful; the thanks came under the buttons, behind
    the question box, cut in half. The conversation brings it up."""
    page = small_phone_with_large_text(phone_page)
    page.goto("/game/")
    scroll_down_and_back(page)
    page.locator(BUBBLE).tap()
    answer = ask(page, "Can I play the game without an account?")
    answer.get_by_role("button", name="Not helpful", exact=True).tap()
    thanks = answer.locator(".site-assistant__thanks")
    expect(thanks).to_have_text("Thanks — we’ll improve this.")
    # Sub-pixel line boxes at 20 px leave 99% of it in view; cut in half before.
    expect(thanks).to_be_in_viewport(ratio=0.9)
    log = page.locator(".site-assistant__log").bounding_box()
    box = thanks.bounding_box()
    assert box["y"] + box["height"] <= log["y"] + log["height"] + 1, (box, log)


def test_a_suggested_question_is_asked_by_a_click_and_no_contact_link_when_unset(page, settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SUGGESTED_QUESTIONS": ["Do you use cookies?", "zxqv blorp"],
        "CONTACT_URL": "",
    }
    page.goto("/about/")
    page.locator(BUBBLE).click()
    answers = page.locator(".site-assistant__msg--answer, .site-assistant__msg--unsure")
    page.get_by_role("button", name="Do you use cookies?").click()
    expect(answers).to_have_count(1)
    expect(answers.last.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(".site-assistant__msg--you")).to_have_text("Do you use cookies?")
    page.get_by_role("button", name="zxqv blorp").click()
    expect(answers).to_have_count(2)
    expect(answers.last).to_contain_text("I’m not sure")
    expect(page.locator(PANEL).get_by_role("link", name="Ask Bambi’s team")).to_have_count(0)
    assert Question.objects.filter(text="Do you use cookies?", channel="widget").exists()


def test_an_answer_from_the_pages_top_names_the_page_once(page):
    # About's h1 "About Bambicim" repeats its title "About — Bambicim".
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "About Bambicim")
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    expect(answer.locator(".site-assistant__read")).to_have_attribute("href", "/about/")
    expect(answer.locator(".site-assistant__source")).to_have_text("About")
    # The search page says the same.
    answer.locator(".site-assistant__all").click()
    page.wait_for_url(re.compile(r"/search/\?q=About"))
    expect(page.locator("main .eyebrow").first).to_have_text("About")


def test_a_typo_is_fixed_and_the_widget_says_what_it_searched_for(page):
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "Do you use cokies?")
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    expect(answer.locator(".site-assistant__corrected")).to_have_text(
        "Searched for “Do you use cookies?”"
    )
    expect(answer.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    # A question spelled right carries no such line.
    expect(ask(page, "Do you use cookies?").locator(".site-assistant__corrected")).to_have_count(0)


def test_words_of_another_language_are_not_shown_back_respelled(page):
    # Slovenian that the identifier does not decline (English keeps 0.05): searched,
    # but "imate" is not "image" (site_assistant.language.unknown_words_language).
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "imate kaksne web reference")
    expect(answer.locator(".site-assistant__corrected")).to_have_count(0)
    expect(answer).not_to_contain_text("image")
    # An English typo beside it is still fixed and said so.
    expect(ask(page, "Do you use cokies?").locator(".site-assistant__corrected")).to_have_text(
        "Searched for “Do you use cookies?”"
    )


@pytest.mark.parametrize(
    ("question", "code", "lang", "told"),
    [
        # Told in the visitor's language: the app's words are Slovenian and German.
        ("Koliko stane spletna stran?", "sl", "sl", "Odgovarjam lahko samo v angleščini."),
        ("Wo ist euer Büro?", "de", "de", "Ich kann nur auf Englisch antworten."),
        # Logged as Croatian, Serbian or Bosnian, "sh", which screen readers have no voice
        # for: read by a Croatian voice, or a Serbian one for Cyrillic.
        ("Gdje se nalazi vaš ured?", "sh", "hr", "I can only answer in English."),
        ("Где се налази ваша канцеларија?", "sh", "sr", "I can only answer in English."),
    ],
)
def test_a_question_in_another_language_gets_the_message_and_a_person_not_pages(
    page, question, code, lang, told
):
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, question)
    expect(answer).to_have_class(re.compile("site-assistant__msg--unsure"))
    expect(answer.locator("p").first).to_have_text(told)
    expect(answer.locator(".site-assistant__corrected")).to_have_count(0)
    expect(answer.get_by_role("link", name="Ask Bambi’s team")).to_be_visible()
    if told != "I can only answer in English.":
        # Told in their language, marked so; the site's own English link words marked English.
        expect(answer).to_have_attribute("lang", code)
        expect(answer.get_by_role("link", name="Ask Bambi’s team")).to_have_attribute("lang", "en")
    # No unrelated sections, and no "See all results" (the page says the same).
    expect(answer.locator(".site-assistant__more")).to_have_count(0)
    expect(answer.locator(".site-assistant__all")).to_have_count(0)
    expect(answer.get_by_role("link")).to_have_count(1)
    expect(answer.get_by_role("button")).to_have_count(0)  # no 👍 / 👎 on the message
    assert Question.objects.get(text=question).language == code
    # The question says its language, so a screen reader does not read it as English:
    # in the widget, after a reload too, and in the search page's box.
    expect(page.locator(".site-assistant__msg--you")).to_have_attribute("lang", lang)
    page.reload()
    page.keyboard.press("/")
    expect(page.locator(".site-assistant__msg--you")).to_have_attribute("lang", lang)
    page.goto(f"/search/?q={question}")
    box = page.get_by_role("searchbox", name="Your question")
    expect(box).to_have_value(question)
    expect(box).to_have_attribute("lang", lang)


def test_thanks_gets_a_reply_not_a_search_and_a_question_after_hi_is_answered(page):
    page.goto("/")
    page.keyboard.press("/")
    reply = ask(page, "Thanks! 🙏")
    expect(reply).to_have_class(re.compile("site-assistant__msg--reply"))
    expect(reply).to_have_text("You’re welcome! Anything else?")
    # Nothing to follow or vote on, and "thanks" is not an unanswered question.
    expect(reply.get_by_role("link")).to_have_count(0)
    expect(reply.get_by_role("button")).to_have_count(0)
    assert not Question.objects.filter(text__icontains="thanks").exists()
    # A greeting with a question in it is a question.
    answer = ask(page, "hi, how much does a website cost?")
    expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
    assert Question.objects.filter(text__startswith="hi, how much").exists()
    # The reply stays in the conversation on the next page.
    page.goto("/about/")
    page.keyboard.press("/")
    expect(page.locator(".site-assistant__msg--reply")).to_have_text(
        "You’re welcome! Anything else?"
    )


def test_slash_while_typing_in_a_form_does_not_open_the_widget(page):
    page.goto("/search/")
    page.click("#search-q")
    page.keyboard.type("a/b")
    expect(page.locator("#search-q")).to_have_value("a/b")
    expect(page.locator(PANEL)).to_be_hidden()


def test_phone_width_360(phone_page, screenshots):
    page = phone_page(360, 740)
    page.goto("/")
    page.click(BUBBLE)
    expect(page.locator(PANEL)).to_be_visible()
    answer = ask(page, "Is the Bambi Game free?")
    expect(answer.locator(".site-assistant__read")).to_be_visible()
    box = page.locator(PANEL).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    # Nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshots / "home-widget-360.png"))


def test_without_javascript_the_bubble_is_a_link_to_the_search_page(
    browser, live_server, transactional_db, built_index
):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/")
        page.click(BUBBLE)
        page.wait_for_url(re.compile(r"/search/$"))
        page.fill("#search-q", "Is the Bambi Game free?")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        expect(page.locator(".search-page__answer")).to_contain_text("free")
    finally:
        context.close()


def test_a_running_builds_admin_page_follows_its_progress(
    browser, live_server, transactional_db, django_user_model
):
    from site_assistant.models import IndexBuild

    django_user_model.objects.create_superuser("owner", "owner@example.com", "pw-for-tests")
    build = IndexBuild.objects.create(
        status="running", trigger="admin", progress=10, stage="collect"
    )
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", "owner")
        page.fill("#id_password", "pw-for-tests")
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))
        page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
        expect(page.locator("#build-progress progress")).to_have_attribute("value", "10")
        # The worker moves on: the page polls the API and shows it without a reload...
        IndexBuild.objects.filter(pk=build.pk).update(progress=60, stage="embed")
        expect(page.locator('#build-progress [data-field="stage"]')).to_have_text("embed")
        expect(page.locator('#build-progress [data-field="progress"]')).to_have_text("60%")
        # ...and shows the end in place once the build has finished.
        IndexBuild.objects.filter(pk=build.pk).update(
            status="succeeded", progress=100, stage="done"
        )
        expect(page.locator('#build-progress [data-field="status"]')).to_have_text("Succeeded")
        expect(page.locator("#build-progress progress")).to_have_attribute("value", "100")
    finally:
        context.close()


def test_too_many_questions_get_a_friendly_wait_message(page, one_question_a_minute):
    page.goto("/")
    page.keyboard.press("/")
    ask(page, "Where are you based?")
    with page.expect_response(re.compile("/api/search/")) as throttled:
        message = ask(page, "Do you use cookies?")
    assert throttled.value.status == 429
    wait = throttled.value.headers["retry-after"]
    assert int(wait) > 60  # the server's figure, not the widget's 60 s fallback
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text(f"Try again in {wait} seconds")
    expect(message.get_by_role("button", name="Try again", exact=True)).to_be_visible()
    # No "See all results": the search page draws on the same allowance, and says the same.
    expect(message.locator(".site-assistant__all")).to_have_count(0)
    assert page.request.get("/search/?q=Do+you+use+cookies%3F").status == 429


def test_the_answer_names_every_heading_down_to_its_section(page):
    """Under "What we believe", the section "Clarity before code": the answer's place names
    both, as the search page does, not "About › Clarity before code" alone."""
    page.goto("/")
    page.click(BUBBLE)
    answer = ask(page, "is clarity important to you before writing code?")
    expect(answer.locator(".site-assistant__source")).to_have_text(
        "About › What we believe › Clarity before code"
    )
    page.goto("/search/?q=is+clarity+important+to+you+before+writing+code%3F")
    expect(page.locator(".search-page__answer .eyebrow")).to_have_text(
        "About › What we believe › Clarity before code"
    )


TITLE_LINES = """t => {
    const range = document.createRange();
    range.selectNodeContents(t);
    const tops = [...range.getClientRects()].map(r => r.top).sort((a, b) => a - b);
    const size = parseFloat(getComputedStyle(t).fontSize);
    return tops.filter((top, i) => i === 0 || top - tops[i - 1] > size * 0.8).length;
}"""
PLACEHOLDER_ROOM = """i => {
    const s = getComputedStyle(i);
    const pen = document.createElement("canvas").getContext("2d");
    pen.font = s.font;
    const room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    return [pen.measureText(i.placeholder).width, room];
}"""


def test_on_a_small_phone_with_large_text_the_title_and_the_placeholder_are_whole(phone_page):
    """320×640 with the phone's text at 20 px: once "New chat" showed beside it, the panel's
    title broke into "✨ Ask" over "Bambi", and the question box showed "Ask a questio"."""
    page = small_phone_with_large_text(phone_page)
    page.goto("/")
    scroll_down_and_back(page)
    page.locator(BUBBLE).tap()
    text, room = page.locator(INPUT).evaluate(PLACEHOLDER_ROOM)
    assert text <= room, (text, room)
    ask(page, "Is the Bambi Game free?")
    new_chat = page.get_by_role("button", name="New chat")
    expect(new_chat).to_be_visible()
    title = page.locator(".site-assistant__title")
    expect(title).to_have_text("✨ Ask Bambi")
    assert title.evaluate(TITLE_LINES) == 1
    for control in (new_chat, page.get_by_role("button", name="Close Ask Bambi")):
        expect(control).to_be_in_viewport(ratio=1)
    text, room = page.locator(INPUT).evaluate(PLACEHOLDER_ROOM)
    assert text <= room, (text, room)
    expect(page.get_by_role("button", name="Ask", exact=True)).to_be_in_viewport(ratio=1)
