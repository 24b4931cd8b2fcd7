"""A section too long for one passage (the model's 256-token limit cuts it into
several): "Read more" of a later piece lands at that piece's own words, not at
the section's heading dozens of paragraphs above the answer.

The page is the test site's (tests/site_assistant/testsite.py) with the app's
widget, indexed by a real build, asked in a real Chromium.
"""

import pytest
from playwright.sync_api import expect

from tests.site_assistant.conftest import own_index_dir, testsite  # noqa: F401

from .test_widget_browser import BUBBLE, ask

pytestmark = pytest.mark.browser

ITEMS = ["green teas", "black teas", "oolongs", "herbal blends", "rooibos", "white teas"]
PLACES = ["Japan", "Kenya", "Taiwan", "Slovenia", "South Africa", "China", "India"]
ORDERS = ["harvest date", "strength", "colour", "price", "region"]
ANSWER = (
    "To descale a kettle, fill it with one part white vinegar to three parts water, "
    "leave it overnight, then boil fresh water twice and pour it away."
)


def _paragraph(number):
    if number == 36:
        return f"<p>{ANSWER}</p>"
    item, place, order = ITEMS[number % 6], PLACES[number % 7], ORDERS[number % 5]
    return (
        f"<p>Shelf number {number} holds our {item} from {place}, sorted by {order}, "
        f"and a card on it says when shelf {number} was last restocked.</p>"
    )


GUIDE = (
    "<h1>Shop handbook</h1><p>How we run the tea shop, written down for new staff.</p>"
    '<h2 id="shop">Looking after the shop</h2>'
    + "".join(_paragraph(n) for n in range(1, 51))
    + '<h2 id="closing">Closing time</h2><p>The last customer leaves at six and the till '
    "is counted.</p>"
)


@pytest.fixture
def guide(testsite, settings, transactional_db):  # noqa: F811
    """The handbook at /guide/, indexed (with the test site's other pages)."""
    from site_assistant import index
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    testsite.PAGES["/guide/"] = ("Shop handbook", GUIDE)
    # The app's own search page and words (Bambicim's page extends its own base).
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {
        **{k: v for k, v in settings.SITE_ASSISTANT.items() if not k.startswith("PAGE_")},
        "URLS": ["/guide/"],
    }
    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    return index.load_current()


@pytest.fixture
def visitor(browser, live_server, guide):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def on_screen(tab, text):
    words = tab.get_by_text(text, exact=False).first
    words.wait_for(state="visible", timeout=5_000)
    box = words.bounding_box()
    height = tab.viewport_size["height"]
    return box is not None and 0 <= box["y"] <= height - box["height"], box


def test_the_section_is_cut_into_pieces_that_link_to_one_section(guide):
    pieces = [p for p in guide.passages if p["url"] == "/guide/" and p["anchor"] == "shop"]
    assert len(pieces) > 3, [p["text"][:60] for p in pieces]


def test_read_more_of_a_late_piece_lands_on_its_words(visitor):
    visitor.goto("/guide/")
    visitor.locator(BUBBLE).click()
    ask(visitor, "how do I descale the kettle with vinegar?")
    answer = visitor.locator(".site-assistant__msg--answer").last
    expect(answer).to_contain_text("white vinegar")
    read_more = answer.locator(".site-assistant__read")
    link = read_more.get_attribute("href")
    assert link.startswith("/guide/#shop"), link
    read_more.click()
    visitor.wait_for_function("() => window.scrollY > 0", timeout=5_000)
    shown, box = on_screen(visitor, "one part white vinegar to three parts water")
    assert shown, f"the answer is at {box} after {link}, off screen"


def test_read_more_on_the_search_page_lands_on_the_words_too(visitor):
    visitor.goto("/assistant/search/?q=how+do+I+descale+the+kettle+with+vinegar")
    read_more = visitor.get_by_role("link", name="Read more")
    link = read_more.get_attribute("href")
    read_more.click()
    visitor.wait_for_url("**/guide/**")
    visitor.wait_for_function("() => window.scrollY > 0", timeout=5_000)
    shown, box = on_screen(visitor, "one part white vinegar to three parts water")
    assert shown, f"the answer is at {box} after {link}, off screen"
