"""Accessibility that an axe scan cannot see, in a real Chromium against the live server:
focus in forced colours (Windows High Contrast)."""

import pytest
from playwright.sync_api import expect

from .test_widget_browser import INPUT

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
