"""The widget's edges, in a real Chromium against the live server: the close button stays
put, a question too long for the box is never cut without a word, a blank question gets
an inline message, and a throttled question stays in the box to send again."""

import re

import pytest
from playwright.sync_api import expect

from .test_widget_browser import BUBBLE, INPUT, PANEL, ask

pytestmark = pytest.mark.browser

CLOSE = ".site-assistant__close"


def _place(page, selector):
    box = page.locator(selector).bounding_box()
    return round(box["x"]), round(box["y"])


def _near(place, before, pixels=1):
    """Where it was (to the pixel: bounding boxes are rounded)."""
    return all(abs(a - b) <= pixels for a, b in zip(place, before, strict=True))


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_close_button_stays_in_one_place(
    browser, live_server, transactional_db, built_index, size
):
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, base_url=live_server.url
    )
    page = context.new_page()
    try:
        page.goto("/")
        page.locator(BUBBLE).click()
        expect(page.locator(PANEL)).to_be_visible()
        # The panel slides in (0.18 s): measure where it comes to rest.
        page.locator(PANEL).evaluate("p => Promise.all(p.getAnimations().map(a => a.finished))")
        before = _place(page, CLOSE)
        panel = page.locator(PANEL).bounding_box()
        # At the panel's right edge (its header's padding), not beside the title.
        width = page.locator(CLOSE).bounding_box()["width"]
        assert panel["x"] + panel["width"] - (before[0] + width) < 20, (before, panel)
        ask(page, "Is the Bambi Game free?")
        expect(page.get_by_role("button", name="New chat")).to_be_visible()
        assert _near(_place(page, CLOSE), before), (_place(page, CLOSE), before)
        page.get_by_role("button", name="New chat").click()
        expect(page.get_by_role("button", name="New chat")).to_be_hidden()
        assert _near(_place(page, CLOSE), before), (_place(page, CLOSE), before)
    finally:
        context.close()


NOTE = ".site-assistant__note"
LIVE = ".site-assistant [aria-live=polite]"


def test_a_long_pasted_question_is_never_cut_without_a_word(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/")
    page.locator(BUBBLE).click()
    box = page.locator(INPUT)
    expect(box).to_be_focused()
    expect(page.locator(NOTE)).to_be_hidden()
    long = "Do you use cookies? " + "I would like to know everything about them, please. " * 40
    assert len(long) > 2000
    page.evaluate("text => navigator.clipboard.writeText(text)", long)
    page.keyboard.press("Control+V")
    expect(box).to_have_value(long[:500])
    note = page.locator(NOTE)
    expect(note).to_be_visible()
    expect(note).to_have_text("Cut to 500 characters, the most a question can have: check its end.")
    expect(page.locator(LIVE)).to_have_text(note.inner_text())  # read out too
    # The box names the note (before the keys hint), so a screen reader hears it on the
    # field as well.
    assert box.get_attribute("aria-describedby").split()[0] == note.get_attribute("id")
    # Shortened, the note goes; typed up to the limit again, the limit is said.
    page.keyboard.press("Backspace")
    expect(note).to_be_hidden()
    page.keyboard.type("xy")
    expect(box).to_have_value(long[:499] + "x")
    expect(note).to_have_text("That’s the limit: 500 characters.")


def test_a_blank_question_gets_a_message_and_nothing_to_search_no_link(page):
    from site_assistant.models import Question

    page.goto("/")
    page.locator(BUBBLE).click()
    for blank in ("", "    "):
        page.fill(INPUT, blank)
        page.keyboard.press("Enter")
        expect(page.locator(NOTE)).to_have_text("Type a question first.")
        expect(page.locator(LIVE)).to_have_text("Type a question first.")
        expect(page.locator(INPUT)).to_be_focused()
        page.fill(INPUT, "")
    expect(page.locator(".site-assistant__msg--you")).to_have_count(0)
    assert not Question.objects.exists()
    page.keyboard.type("?")
    expect(page.locator(NOTE)).to_be_hidden()  # typing clears it

    message = ask(page, "???")
    expect(message).to_have_class(re.compile("site-assistant__msg--error"))
    expect(message).to_contain_text("Ask something: the question has no words.")
    expect(message.locator(".site-assistant__all")).to_have_count(0)  # nothing to search
    expect(page.locator(INPUT)).to_have_value("")  # an answer: not offered to send again
    page.reload()  # the kept conversation shows it the same way
    page.locator(BUBBLE).click()
    expect(page.locator(".site-assistant__msg--error")).to_have_count(1)
    expect(page.locator(".site-assistant__msg--error .site-assistant__all")).to_have_count(0)


def test_a_throttled_question_stays_in_the_box_to_send_again(page, one_question_a_minute):
    page.goto("/")
    page.keyboard.press("/")
    ask(page, "Where are you based?")
    expect(page.locator(INPUT)).to_have_value("")  # answered: the box is empty again
    with page.expect_response(re.compile("/api/search/")) as throttled:
        message = ask(page, "Do you use cookies?")
    assert throttled.value.status == 429
    expect(message).to_contain_text("Try again in")
    expect(page.locator(INPUT)).to_have_value("Do you use cookies?")
    expect(page.locator(INPUT)).to_be_focused()
    one_question_a_minute.clear()  # the wait is over: Enter sends it again, nothing retyped
    page.keyboard.press("Enter")
    answer = page.locator(".site-assistant__msg--answer")
    expect(answer).to_have_count(2)
    answer = answer.last
    expect(answer.locator(".site-assistant__source")).to_have_text("Privacy Policy › Cookies")
    expect(page.locator(INPUT)).to_have_value("")


def test_a_visitor_asking_what_the_studio_does_is_not_answered_with_a_game_scene(phone_page):
    """A visitor's first question to a studio, "What do you do?". The game's scenes
    asked the player the same words as their choices' heading, and the widget answered
    with "Back home › What do you do?: Lay out your finds." The heading now names Bambi,
    whom the player steers, and the question lands on the studio's services: answered
    from them, or (its score sits near the calibrated threshold) "not sure" with them
    first among the closest pages."""
    page = phone_page(390, 844)
    page.goto("/")
    page.locator(BUBBLE).click()
    answer = ask(page, "What do you do?")
    # Read more (answered), else the first of the closest pages: the services, where a
    # game scene's answer led to /game/back-home/#what-do-you-do.
    first = answer.locator(".site-assistant__read, li a").first
    expect(first).to_have_attribute("href", re.compile(r"^/(services/)?(#[\w-]+)?$"))
