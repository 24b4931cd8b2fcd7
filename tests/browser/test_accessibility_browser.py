"""Accessibility that an axe scan cannot see, in a real Chromium against the live server:
focus in forced colours (Windows High Contrast), the widget at 200% zoom, what a screen
reader hears in the conversation, and the language of a question in another one."""

import re
import time

import pytest
from playwright.sync_api import expect

from .test_widget_browser import BUBBLE, INPUT, PANEL, ask
from .test_widget_chat_browser import wait_until

pytestmark = pytest.mark.browser

OUTLINE = "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"


@pytest.fixture
def forced_colors(browser, live_server, transactional_db, built_index):
    """A page in forced colours, as Windows High Contrast shows it: box-shadows are dropped
    and borders take one system colour, so only an outline can show focus."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url, forced_colors="active"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_in_forced_colours_the_focused_question_box_has_an_outline(forced_colors):
    page = forced_colors
    page.goto("/")
    page.keyboard.press("/")
    expect(page.locator(INPUT)).to_be_focused()
    style, width = page.locator(INPUT).evaluate(OUTLINE)
    assert style != "none" and width >= 2, (style, width)

    page.goto("/search/")
    box = page.get_by_role("searchbox", name="Your question")
    for _ in range(30):  # by keyboard: the skip link, the navigation, then the box
        page.keyboard.press("Tab")
        if box.evaluate("e => e === document.activeElement"):
            break
    expect(box).to_be_focused()
    style, width = box.evaluate(OUTLINE)
    assert style != "none" and width >= 2, (style, width)


def test_at_200_percent_zoom_the_answer_is_in_view_and_the_page_stays_put(
    browser, live_server, transactional_db, built_index
):
    # A 1280×720 laptop at 200% zoom is a 640×360 window: a panel above the button would
    # leave about 60 px for the conversation, the question alone, the answer out of view.
    context = browser.new_context(viewport={"width": 640, "height": 360}, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/about/")
        page.mouse.wheel(0, 400)
        wait_until(page, "window.scrollY > 0")
        scrolled = page.evaluate("window.scrollY")
        page.keyboard.press("/")
        panel = page.locator(PANEL)
        expect(panel).to_be_visible()
        assert panel.bounding_box() == {"x": 0, "y": 0, "width": 640, "height": 360}
        answer = ask(page, "How much does a landing page cost?")
        log = page.locator(".site-assistant__log").bounding_box()
        first = answer.locator(".site-assistant__text mark").first.bounding_box()
        assert first["y"] + first["height"] <= log["y"] + log["height"], (first, log)
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(page.locator(BUBBLE)).to_be_focused()
        assert page.evaluate("window.scrollY") == scrolled  # where the visitor was
    finally:
        context.close()


def test_a_screen_reader_hears_who_asked_and_plain_link_names(page):
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "How much does a landing page cost?")
    # Read back, the conversation says which lines are the visitor's (CSS alt text, not shown).
    heard = page.locator(".site-assistant__log").aria_snapshot()
    assert "You asked: How much does a landing page cost?" in heard, heard
    expect(page.locator(".site-assistant__msg--you")).to_have_text(
        "How much does a landing page cost?"
    )
    # The arrows are drawn, not read: "Read more", not "Read more right arrow".
    expect(answer.get_by_role("link", name="Read more", exact=True)).to_be_visible()
    expect(answer.get_by_role("link", name="See all results", exact=True)).to_be_visible()
    arrow = answer.locator(".site-assistant__all").evaluate(
        "e => getComputedStyle(e, '::after').content"
    )
    assert "→" in arrow, arrow


def test_did_this_help_is_heard_once_as_the_name_of_the_votes(page):
    """After an answer a screen reader said "Did this help?" twice: the vote group's name, then
    the same words as text inside it. Now once, as the group's name."""
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "How much does a landing page cost?")
    votes = answer.get_by_role("group", name="Did this help?", exact=True)
    expect(votes.get_by_role("button", name="Helpful", exact=True)).to_be_visible()
    expect(votes).to_be_visible()  # still shown
    heard = answer.aria_snapshot()
    assert heard.count("Did this help?") == 1, heard


def test_a_keyboard_and_screen_reader_visitor_hears_the_hints_where_they_help(page):
    """Keyboard only. The question box did not say that ↑ / ↓ reach the answer's links (only
    the panel's foot did, which a visitor in the box never reads); every answer's link was a
    bare "Read more"; the lists after an answer were unnamed lists. Now the box's description
    has the keys, each "Read more" is described by the section it opens, and each list is
    named by its title."""
    page.goto("/")
    page.keyboard.press("/")
    box = page.locator(INPUT)
    expect(box).to_be_focused()
    expect(box).to_have_accessible_description("↑ ↓ answers · Esc closes")
    ask(page, "How much does a landing page cost?")
    answer = ask(page, "Is the Bambi Game free?")
    page.keyboard.press("ArrowDown")
    read_more = answer.get_by_role("link", name="Read more", exact=True)
    expect(read_more).to_be_focused()
    source = answer.locator(".site-assistant__source").inner_text()
    assert "›" in source, source
    expect(read_more).to_have_accessible_description(source)
    first = page.locator(".site-assistant__msg--answer").first
    expect(first.locator(".site-assistant__read")).to_have_accessible_description(
        first.locator(".site-assistant__source").inner_text()
    )
    assert first.locator(".site-assistant__source").inner_text() != source
    unsure = ask(page, "What's the weather in Ljubljana today?")
    closest = unsure.get_by_role("list", name="The closest pages I found", exact=True)
    expect(closest.get_by_role("link").first).to_be_visible()


def test_the_apps_own_search_page_says_the_questions_language(page, settings):
    # Without the site's templates: the app's page, as another site gets it.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    page.goto("/search/?q=Wo ist euer Büro?")
    box = page.get_by_role("searchbox", name="Your question")
    expect(box).to_have_attribute("lang", "de")  # read in German, not as English
    # Croatian, Serbian or Bosnian (logged "sh", which screen readers have no voice for).
    page.goto("/search/?q=Gdje se nalazi vaš ured?")
    expect(box).to_have_attribute("lang", "hr")
    page.goto("/search/?q=Where is your studio?")
    expect(box).to_have_value("Where is your studio?")
    assert box.get_attribute("lang") is None  # the page's own language


def test_a_screen_reader_hears_where_a_not_sure_answer_points(page):
    """The status region says what the links after "I'm not sure" are for."""
    page.goto("/")
    page.keyboard.press("/")
    unsure = ask(page, "What's the weather in Ljubljana today?")
    expect(unsure).to_have_class(re.compile("site-assistant__msg--unsure"))
    expect(unsure.get_by_role("link").first).to_be_visible()
    expect(page.locator(".site-assistant__status")).to_have_text(
        "I’m not sure — I couldn’t find a confident answer on this site. "
        "The closest pages I found are below. You can also ask a person."
    )


def test_a_vote_is_thanked_in_words_and_a_second_failure_is_said_again(page):
    """The status said "Thank you! sparkling heart"; and a vote that failed twice said
    "Not sent" once: the second time the text did not change, so nothing was read out."""
    page.goto("/")
    page.keyboard.press("/")
    answer = ask(page, "Is the Bambi Game free?")
    votes = answer.get_by_role("group", name="Did this help?")
    status = votes.get_by_role("status")
    # What the status says, each time it changes.
    status.evaluate(
        """node => {
            window.saidByVote = [];
            new MutationObserver(() => {
                const said = window.saidByVote;
                if (said[said.length - 1] !== node.textContent) said.push(node.textContent);
            }).observe(node, {childList: true, subtree: true, characterData: true});
        }"""
    )
    page.context.set_offline(True)
    helpful = votes.get_by_role("button", name="Helpful", exact=True)
    helpful.click()
    failed = "Not sent: that vote didn’t count. Please try again."
    expect(status).to_have_text(failed)
    helpful.click()  # still offline
    wait_until(page, "window.saidByVote.length >= 3")
    expect(status).to_have_text(failed)
    assert page.evaluate("window.saidByVote.filter(s => s.length)") == [failed, failed]

    page.context.set_offline(False)
    helpful.click()
    expect(status).to_have_text("Thank you! 💖")  # seen
    assert "- status: Thank you!\n" in votes.aria_snapshot() + "\n"  # heard, without the heart


class _Held(list):
    """The held requests to /api/search/, in order. ``held[i]`` waits (20 s at most) for
    the i-th: the page shows its typing dots before Playwright hands the test the route,
    and at load the test asked for a request not handed over yet (IndexError)."""

    def __init__(self, page):
        super().__init__()
        self.page = page

    def __getitem__(self, i):
        deadline = time.monotonic() + 20
        while len(self) <= i and time.monotonic() < deadline:
            self.page.wait_for_timeout(50)  # Playwright delivers the route meanwhile
        return super().__getitem__(i)


def _hold_answers(page):
    held = _Held(page)
    page.route(re.compile(r"/api/search/"), lambda route: held.append(route))
    return held


def _ask_and_close(page):
    """Asks with the answer held, and closes the panel (Esc) while it is on its way."""
    held = _hold_answers(page)
    page.goto("/")
    page.keyboard.press("/")
    page.fill(INPUT, "Is the Bambi Game free?")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.keyboard.press("Escape")
    return held


def test_an_answer_that_comes_while_the_panel_is_closed_is_read_out_and_waits_on_the_button(
    page,
):
    """The live region was inside the closed (hidden) panel, so an answer that came after Esc
    was never read out, and nothing on the button said an answer was waiting."""
    held = _ask_and_close(page)
    bubble = page.locator(BUBBLE)
    expect(page.locator(PANEL)).to_be_hidden()
    expect(bubble).to_be_focused()
    expect(page.get_by_role("button", name="Ask Bambi", exact=True)).to_be_visible()
    held[0].continue_()
    # Heard: what a screen reader can reach of the widget, the panel closed, says the answer.
    widget = page.locator(".site-assistant")
    for _ in range(100):
        heard = widget.aria_snapshot()
        if "The Bambi Game is free to play" in heard:
            break
        page.wait_for_timeout(50)
    assert "The Bambi Game is free to play" in heard, heard
    # Seen and heard on the button: an answer is waiting.
    waiting = page.get_by_role("button", name="Ask Bambi (new answer)", exact=True)
    expect(waiting).to_be_visible()
    dot = bubble.locator(".site-assistant__badge")
    expect(dot).to_be_visible()
    box = dot.bounding_box()
    assert box["width"] >= 8 and box["height"] >= 8, box
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.locator(".site-assistant__msg--answer")).to_contain_text("free to play")
    expect(page.locator(INPUT)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Ask Bambi", exact=True)).to_be_focused()
    expect(dot).to_be_hidden()  # seen: no answer waits now


def test_a_waiting_question_whose_answer_is_the_same_text_is_read_out_again(page):
    """The second question waited its turn (no "Looking…" between) and got the same snippet:
    the live region's text did not change, so a screen reader said nothing."""
    held = _hold_answers(page)
    page.goto("/")
    page.keyboard.press("/")
    status = page.locator(".site-assistant__status")
    # What the status says, each time its text changes (as the accessibility tree sees it).
    status.evaluate(
        """node => {
            window.said = [];
            new MutationObserver(() => {
                if (window.said[window.said.length - 1] !== node.textContent)
                    window.said.push(node.textContent);
            }).observe(node, {childList: true, subtree: true, characterData: true});
        }"""
    )
    page.fill(INPUT, "Is the Bambi Game free?")
    page.keyboard.press("Enter")
    expect(status).to_have_text("Looking…")
    page.keyboard.type("Is the Bambi Game free to play?")
    page.keyboard.press("Enter")
    held[0].continue_()
    answers = page.locator(".site-assistant__msg--answer")
    expect(answers).to_have_count(1)
    wait_until(page, "window.said.some(s => s.includes('free to play'))")
    for _ in range(200):  # the second reaches the route a moment after the first's answer
        if len(held) == 2:
            break
        page.wait_for_timeout(50)
    held[1].continue_()
    expect(answers).to_have_count(2)
    first, second = (a.locator(".site-assistant__text").inner_text() for a in answers.all())
    assert first == second  # the case of the test: the same answer twice
    wait_until(page, "window.said.filter(s => s.includes('free to play')).length >= 2", 3)


def test_on_a_phone_the_bubble_reached_by_keyboard_is_in_view_though_tucked(phone_page):
    """Scrolled down, the bubble slides out of the way; Shift+Tab reached it there, below the
    screen: focus on a button nobody could see (WCAG 2.4.7)."""
    page = phone_page(390, 844)
    page.goto("/about/")
    page.mouse.wheel(0, 600)
    wait_until(page, "window.scrollY > 0")
    expect(page.locator(".site-assistant")).to_have_class(re.compile("is-tucked"))
    page.keyboard.press("Shift+Tab")  # the page's last control: the bubble
    bubble = page.locator(BUBBLE)
    expect(bubble).to_be_focused()
    expect(bubble).to_be_in_viewport(ratio=1)
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_be_visible()
    page.keyboard.press("Escape")
    expect(bubble).to_be_focused()
    expect(bubble).to_be_in_viewport(ratio=1)


def test_in_forced_colours_the_bubble_has_an_edge_and_a_waiting_answer_a_dot(forced_colors):
    """Forced colours drop backgrounds and box-shadows: the round button was an icon with no
    edge, and the dot that says an answer is waiting an empty ring."""
    page = forced_colors
    held = _hold_answers(page)
    page.goto("/")
    bubble = page.locator(BUBBLE)
    edge = bubble.evaluate(
        "e => [parseFloat(getComputedStyle(e).borderTopWidth), getComputedStyle(e).borderTopColor]"
    )
    canvas = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert edge[0] >= 1 and edge[1] not in ("rgba(0, 0, 0, 0)", canvas), (edge, canvas)
    page.keyboard.press("/")
    page.fill(INPUT, "Is the Bambi Game free?")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.keyboard.press("Escape")
    held[0].continue_()
    dot = bubble.locator(".site-assistant__badge")
    expect(dot).to_be_visible()
    fill = dot.evaluate("e => getComputedStyle(e).backgroundColor")
    assert fill not in ("rgba(0, 0, 0, 0)", canvas), (fill, canvas)


def test_at_400_percent_zoom_the_answer_starts_in_view(
    browser, live_server, transactional_db, built_index
):
    """A 1280×1024 screen at 400% zoom is a 320×256 window: the conversation is about 90 px
    high, and the question, scrolled to the top, filled it; the answer was out of view."""
    context = browser.new_context(viewport={"width": 320, "height": 256}, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/")
        page.keyboard.press("/")
        answer = ask(page, "How much does a landing page cost?")
        log = page.locator(".site-assistant__log").bounding_box()
        source = answer.locator(".site-assistant__source").bounding_box()
        first = answer.locator(".site-assistant__text mark").first.bounding_box()
        bottom = log["y"] + log["height"]
        assert log["y"] <= source["y"] and source["y"] + source["height"] <= bottom, (source, log)
        assert first["y"] + 12 <= bottom, (first, log)  # its first line begins in view
        # A window with room for both: the question stays on top (test_widget_chat_browser.py).
    finally:
        context.close()


def test_in_forced_colours_a_pressed_vote_looks_pressed(forced_colors):
    """The pressed 👍 was told apart by its accent background only, which forced colours drop:
    Helpful and Not helpful looked the same after a vote, in the widget and on the search page."""
    page = forced_colors
    page.goto("/")
    page.keyboard.press("/")
    in_widget = ask(page, "Is the Bambi Game free?")
    _pressed_looks_pressed(in_widget.get_by_role("group", name="Did this help?"))
    page.goto("/search/?q=Do you use cookies?")
    _pressed_looks_pressed(page.get_by_role("group", name="Did this help?"))


def _pressed_looks_pressed(votes):
    look = "e => getComputedStyle(e).backgroundColor + ' ' + getComputedStyle(e).color"
    helpful = votes.get_by_role("button", name="Helpful", exact=True)
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    other = votes.get_by_role("button", name="Not helpful", exact=True)
    assert helpful.evaluate(look) != other.evaluate(look), helpful.evaluate(look)


def test_on_a_phone_an_answer_that_comes_while_reading_on_brings_the_bubble_back(phone_page):
    """Closed, the panel's answer still on its way, the visitor scrolls down to read on: the
    bubble slid away, and its dot with it, so nothing showed the answer had come."""
    page = phone_page(390, 844)
    held = _hold_answers(page)
    page.goto("/about/")
    page.locator(BUBBLE).tap()
    page.fill(INPUT, "Is the Bambi Game free?")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.get_by_role("button", name="Close Ask Bambi").tap()
    page.mouse.wheel(0, 600)
    wait_until(page, "window.scrollY > 0")
    bubble = page.locator(BUBBLE)
    expect(page.locator(".site-assistant")).to_have_class(re.compile("is-tucked"))
    expect(bubble).not_to_be_in_viewport()
    held[0].continue_()
    expect(bubble.locator(".site-assistant__badge")).to_be_visible()
    expect(bubble).to_be_in_viewport(ratio=1)
    page.mouse.wheel(0, 300)  # reading on: it stays until the visitor opens it
    wait_until(page, "window.scrollY > 600")
    page.wait_for_timeout(300)
    expect(bubble).to_be_in_viewport(ratio=1)


# A host site whose headings are loud: the widget's own heading must not take any of it.
LOUD_HEADINGS = """
body h2 { color: red; font: italic 700 2.5rem/2 Georgia, serif; text-transform: uppercase;
          letter-spacing: 0.3em; margin: 2rem 0; padding: 1rem; border-bottom: 4px solid; }
h2::before { content: "§ "; } h2::after { content: " #"; }
"""


def test_the_panel_is_a_dialog_named_by_its_heading_in_the_widgets_own_style(page):
    """The panel's title was a <p>: inside the dialog a screen reader had no heading to jump
    to. As an <h2> it must not pick up the host site's h2 styles (Bambicim's own: 2rem, a
    margin under it; here louder ones too)."""

    def louder(route):  # in the site's own stylesheet (its CSP allows no inline style)
        site = route.fetch()
        route.fulfill(response=site, body=site.text() + LOUD_HEADINGS)

    page.route(re.compile(r"/static/css/site\.css"), louder)
    page.goto("/")
    expect(page.locator("main h2").first).to_have_css("text-transform", "uppercase")  # applied
    page.keyboard.press("/")
    dialog = page.get_by_role("dialog", name="Ask Bambi", exact=True)
    expect(dialog).to_be_visible()
    heading = dialog.get_by_role("heading", name="Ask Bambi", exact=True, level=2)
    expect(heading).to_be_visible()
    look = heading.evaluate(
        """e => {
            const s = getComputedStyle(e), panel = getComputedStyle(e.closest('.site-assistant'));
            return {size: s.fontSize, style: s.fontStyle, sameFont: s.fontFamily === panel.fontFamily,
                    color: s.color, case: s.textTransform, spacing: s.letterSpacing,
                    margin: s.margin, padding: s.padding, rule: s.borderBottomWidth,
                    before: getComputedStyle(e, '::before').content,
                    after: getComputedStyle(e, '::after').content};
        }"""
    )
    assert look == {
        "size": "16.8px",  # 1.05rem
        "style": "normal",
        "sameFont": True,
        "color": "rgb(255, 255, 255)",
        "case": "none",
        "spacing": "normal",
        "margin": "0px",
        "padding": "0px",
        "rule": "0px",
        "before": "none",
        "after": "none",
    }, look
    # The header stays one line: the heading is no taller than the buttons beside it.
    assert heading.bounding_box()["height"] <= 30, heading.bounding_box()


def test_opening_the_panel_reads_its_greeting(page):
    """Focus goes into the question box when the panel opens; a screen reader said the
    dialog's name only, not the greeting that says what it is for."""
    page.goto("/")
    page.keyboard.press("/")
    greeting = page.locator(".site-assistant__greeting p").inner_text()
    assert greeting
    dialog = page.get_by_role("dialog", name="Ask Bambi", exact=True)
    expect(dialog).to_have_accessible_description(greeting)
    # After a question too: the greeting stays the conversation's first message.
    ask(page, "Is the Bambi Game free?")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    expect(dialog).to_have_accessible_description(greeting)


def test_a_failure_that_comes_while_the_panel_is_closed_is_not_called_a_new_answer(page):
    """Asked, closed, then rate-limited: the button said "Ask Bambi (new answer)" and waiting
    for it the visitor found "You're asking faster than I can think"."""
    held = _ask_and_close(page)
    held[0].fulfill(
        status=429,
        headers={"Retry-After": "30"},
        content_type="application/json",
        body='{"detail": "Request was throttled."}',
    )
    waiting = page.get_by_role("button", name="Ask Bambi (question not answered)", exact=True)
    expect(waiting).to_be_visible()
    expect(waiting.locator(".site-assistant__badge")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".site-assistant__msg--error")).to_contain_text("faster than I can think")
    expect(page.locator(INPUT)).to_have_value("Is the Bambi Game free?")
    # Sent again, closed again: this time an answer, and the button says so.
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.keyboard.press("Escape")
    held[1].continue_()
    expect(page.get_by_role("button", name="Ask Bambi (new answer)", exact=True)).to_be_visible()


def test_a_failure_waiting_on_the_closed_button_looks_unlike_an_answer_waiting(page):
    """Asked and closed twice: an answer, then the server unreachable. The dot on the button
    was the same red dot both times, so a visitor could not tell "that failed" from "here is
    your answer" without opening the panel (only a screen reader heard the difference)."""
    from io import BytesIO

    from PIL import Image, ImageChops

    held = _ask_and_close(page)
    held[0].continue_()
    bubble = page.get_by_role("button", name="Ask Bambi (new answer)", exact=True)
    expect(bubble).to_be_visible()
    answered = bubble.screenshot()
    page.keyboard.press("Enter")
    page.fill(INPUT, "How much does a landing page cost?")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.keyboard.press("Escape")
    held[1].abort("connectionrefused")
    bubble = page.get_by_role("button", name="Ask Bambi (question not answered)", exact=True)
    expect(bubble).to_be_visible()
    failed = bubble.screenshot()
    # Seen: the two buttons differ, and not by colour alone (WCAG 1.4.1): in grey they still do.
    grey = [Image.open(BytesIO(shot)).convert("L") for shot in (answered, failed)]
    changed = sum(ImageChops.difference(*grey).histogram()[61:])
    assert changed >= 20, f"{changed} pixels differ between the two buttons"
    mark = bubble.locator(".site-assistant__badge").evaluate(
        "dot => getComputedStyle(dot, '::after').content"
    )
    assert "!" in mark, mark
    # Opened, the failure is there and the dot goes; the next answer gets the plain dot again.
    page.keyboard.press("Enter")
    expect(page.locator(".site-assistant__msg--error")).to_contain_text("can’t reach the server")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    page.keyboard.press("Escape")
    held[2].continue_()
    bubble = page.get_by_role("button", name="Ask Bambi (new answer)", exact=True)
    expect(bubble).to_be_visible()
    assert bubble.locator(".site-assistant__badge").evaluate(
        "dot => getComputedStyle(dot, '::after').content"
    ) in ("none", "normal")


def test_in_forced_colours_a_failures_mark_shows_on_its_dot(forced_colors):
    """Forced colours turned the "!" into HighlightText but left the failure's dot dark (its
    own rule outranked the forced one): in a dark theme, a black mark on a dark dot."""

    def luminance(rgb):
        channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    page = forced_colors
    page.emulate_media(color_scheme="dark")  # Windows' dark contrast themes
    held = _ask_and_close(page)
    held[0].abort("connectionrefused")
    bubble = page.get_by_role("button", name="Ask Bambi (question not answered)", exact=True)
    expect(bubble).to_be_visible()
    dot, mark = bubble.locator(".site-assistant__badge").evaluate(
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e, '::after').color]"
    )
    lighter, darker = sorted((luminance(dot), luminance(mark)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 3, (dot, mark)


def test_reading_the_panel_line_by_line_meets_the_answer_once(page):
    """The live region kept the snippet after saying it, so reading the panel line by line
    (after the vote buttons) gave the whole answer a second time. Time is the page's fake
    clock: the words are in the region once said, and gone a while later."""
    page.clock.install()
    page.goto("/")
    page.keyboard.press("/")
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    page.fill(INPUT, "Is the Bambi Game free?")
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer).to_have_count(1)
    quote = answer.locator(".site-assistant__text").inner_text()
    status = page.locator(".site-assistant__status")
    page.clock.run_for(100)
    expect(status).to_have_text(quote)  # said
    page.clock.run_for(7_000)
    expect(status).to_have_text("")
    heard = page.locator(PANEL).aria_snapshot()
    assert heard.count("free to play") == 1, heard
    # Said anew each time: the next question's answer is read out too.
    page.fill(INPUT, "Do you use cookies?")
    page.keyboard.press("Enter")
    expect(answer).to_have_count(2)
    page.clock.run_for(100)
    expect(status).to_have_text(answer.last.locator(".site-assistant__text").inner_text())


def test_an_answer_coming_in_leaves_the_keyboard_where_the_visitor_went_meanwhile(phone_page):
    """On a phone, keyboard only: while the next answer was on its way the visitor went to the
    last answer's "Read more" (↓ from the box); the new answer pulled the focus back to the
    box, away from what they were on. It stays; the new answer is read out all the same."""
    page = phone_page()
    page.goto("/")
    page.keyboard.press("/")
    expect(page.locator(INPUT)).to_be_focused()
    ask(page, "Can I scrape the site?")
    expect(page.locator(INPUT)).to_be_focused()  # asked from the box: back in it
    held = []
    page.route(re.compile(r"/api/search/"), lambda route: held.append(route))
    page.keyboard.type("Do you use cookies?")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    read_more = page.locator(".site-assistant__msg--answer").first.locator(".site-assistant__read")
    expect(read_more).to_be_focused()
    wait_until(page, "document.querySelector('.site-assistant__typing') !== null")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.locator(".site-assistant__msg--answer")).to_have_count(2)
    expect(page.locator(".site-assistant [aria-live=polite]")).to_contain_text("two cookies")
    expect(read_more).to_be_focused()
    page.keyboard.press("Escape")  # and Esc still closes, focus on the button
    expect(page.locator(BUBBLE)).to_be_focused()
