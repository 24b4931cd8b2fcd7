"""The Bambicim pages in real Chromium: accessibility (axe), drawings instead of
emoji, readable line lengths, the game without spoilers, and the README's pictures."""

import re

import pytest
from playwright.sync_api import expect

from bambicim import game
from tests.site.conftest import PAGES

from .axe import violations

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Every page of the deck, a scene after a choice, and the styled 404.
AXE_URLS = [*sorted(PAGES), "/game/the-mirror/?choice=try-hoops", "/no-such-page/"]

# Pictographic characters (emoji), not typographic ones such as ’ — × ✓.
EMOJI = r"/\p{Extended_Pictographic}/u"


@pytest.mark.parametrize("url", AXE_URLS)
def test_every_page_has_no_axe_violation(page, url):
    page.goto(url)
    found = violations(page)
    assert not found, f"{url}:\n" + "\n".join(found)


def test_axe_passes_with_a_kept_look_and_the_hints_open(page):
    page.goto("/game/night-market/")
    page.get_by_role("link", name="Stop at the sunglasses stall").click()
    page.get_by_role("button", name="Keep it").click()
    page.get_by_text("Stuck? Show which choice finds which look").click()
    assert not violations(page)
    page.goto("/game/inventory/")
    assert not violations(page)


def drawing_of(card):
    """The card's drawing: a loaded <img> with a size, or an inline <svg>."""
    return card.locator("img, svg").first


def assert_drawn_and_no_emoji(card):
    picture = drawing_of(card)
    expect(picture).to_be_visible()
    loaded = picture.evaluate(
        "n => n.tagName.toLowerCase() === 'svg' || (n.complete && n.naturalWidth > 0)"
    )
    assert loaded, card.inner_text()[:60]
    box = picture.bounding_box()
    assert box["width"] >= 40 and box["height"] >= 40, box
    assert not card.evaluate(f"n => {EMOJI}.test(n.innerText)"), card.inner_text()[:80]


def test_every_service_case_and_scene_shows_a_drawing_and_no_emoji_icon(page):
    page.goto("/services/")
    services = page.locator("#what-we-offer ~ .cards > article")
    expect(services).to_have_count(5)
    for i in range(5):
        assert_drawn_and_no_emoji(services.nth(i))

    page.goto("/")
    made = page.locator("#what-we-make ~ .cards > article")
    expect(made).to_have_count(3)
    for i in range(3):
        assert_drawn_and_no_emoji(made.nth(i))

    page.goto("/portfolio/")
    cases = page.locator("section.case")
    expect(cases).to_have_count(3)
    for i in range(3):
        case = cases.nth(i)
        assert_drawn_and_no_emoji(case)
        # A case study names its client and its result.
        expect(case.locator("dt")).to_have_text(["Client", "Result"])
        # The visual is described for screen readers.
        assert len(case.locator("img").get_attribute("alt")) > 20

    for scene in game.SCENES:
        page.goto(f"/game/{scene.slug}/")
        article = page.locator("article.scene")
        assert_drawn_and_no_emoji(article.locator(".stage"))
        # Bambi is on screen, in the scene.
        bambi = article.get_by_role("img", name=re.compile("^Bambi"))
        expect(bambi).to_be_visible()
        assert bambi.bounding_box()["height"] > 100


def test_services_text_lines_are_at_most_80_characters(page):
    page.goto("/services/")
    # For each block of running text: its width in `ch` of its own font, and
    # the longest line as laid out (characters grouped by their line box).
    measured = page.evaluate(
        """() => [...document.querySelectorAll('main :is(p, li, dd)')]
          .filter(n => n.innerText.trim().length > 0)
          .map(n => {
            const probe = document.createElement('span');
            probe.textContent = '0'.repeat(100);
            probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
            n.appendChild(probe);
            const ch = probe.getBoundingClientRect().width / 100;
            probe.remove();
            const lines = new Map();
            const walker = document.createTreeWalker(n, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            for (let t = walker.nextNode(); t; t = walker.nextNode()) {
              for (let i = 0; i < t.length; i++) {
                range.setStart(t, i); range.setEnd(t, i + 1);
                const r = range.getClientRects()[0];
                if (!r) continue;
                const top = Math.round(r.top);
                lines.set(top, (lines.get(top) || 0) + 1);
              }
            }
            return {text: n.innerText.slice(0, 40), widthCh: n.clientWidth / ch,
                    longest: Math.max(0, ...lines.values())};
          })"""
    )
    assert len(measured) >= 12
    too_wide = [m for m in measured if m["widthCh"] > 80 or m["longest"] > 80]
    assert not too_wide, too_wide


def test_a_scene_reveals_nothing_until_a_choice_is_made(page):
    for scene in game.SCENES:
        page.goto(f"/game/{scene.slug}/")
        for choice in scene.choices:
            expect(page.get_by_text(choice.outcome)).to_have_count(0)
        expect(page.get_by_text("You found:")).to_have_count(0)
        for choice, look in scene.finds:
            # The way to each look is folded away until the visitor asks.
            expect(page.get_by_text(f"choose “{choice.label}”")).to_be_hidden()
            expect(page.get_by_text(look.description)).to_have_count(0)

    # Choosing shows that choice's outcome, and only that one.
    scene = game.get_scene("the-mirror")
    page.goto("/game/the-mirror/")
    page.get_by_role("link", name="Tie a ribbon").click()
    expect(page.get_by_text(scene.choice("tie-ribbon").outcome)).to_be_visible()
    expect(page.get_by_role("heading", name="You found: Satin ribbon")).to_be_visible()
    expect(page.get_by_text(scene.choice("try-hoops").outcome)).to_have_count(0)

    # Keeping it dresses Bambi.
    bambi = page.locator(".stage").get_by_role("img", name=re.compile("^Bambi"))
    expect(bambi).to_have_attribute("aria-label", "Bambi")
    page.get_by_role("button", name="Keep it").click()
    expect(bambi).to_have_attribute("aria-label", "Bambi, wearing satin ribbon")

    # Asking for the hints shows the way to every look of the scene.
    page.get_by_text("Stuck? Show which choice finds which look").click()
    expect(page.get_by_text("choose “Draw a sparkly wing”")).to_be_visible()


def shoot(page, screenshots, name, url, phone, top=None):
    page.goto(url)
    if top:  # start the picture at this element (a heading anchor would cut its drawing)
        page.locator(top).first.evaluate(
            "n => window.scrollTo(0, n.getBoundingClientRect().top + scrollY - 16)"
        )
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(screenshots / f"{name}-{'phone' if phone else 'desktop'}.png"))


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_readme_pictures_of_the_site_and_the_open_widget(
    browser, live_server, transactional_db, built_index, screenshots, phone
):
    viewport = PHONE if phone else {"width": 1280, "height": 800}
    context = browser.new_context(
        viewport=viewport,
        base_url=live_server.url,
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        reduced_motion="reduce",
    )
    page = context.new_page()
    try:
        shoot(page, screenshots, "home", "/", phone)
        shoot(page, screenshots, "services", "/services/", phone)
        shoot(page, screenshots, "case", "/portfolio/", phone, top="section.case")
        # The game: Bambi in a scene, wearing a look she kept.
        page.goto("/game/the-mirror/?choice=try-hoops")
        page.get_by_role("button", name="Keep it").click()
        expect(page.locator(".stage").get_by_role("img", name=re.compile("hoops"))).to_be_visible()
        shoot(page, screenshots, "game", "/game/the-mirror/", phone)
        for name in ("home", "services", "case", "game"):
            assert (screenshots / f"{name}-{'phone' if phone else 'desktop'}.png").stat().st_size

        # The widget open with an answer (opened the way the page says: "/").
        page.goto("/services/")
        page.keyboard.press("/")
        page.keyboard.type("how much does a landing page cost?")
        page.keyboard.press("Enter")
        expect(page.get_by_role("dialog").get_by_text("Read more").first).to_be_visible()
        page.screenshot(path=str(screenshots / f"widget-{'phone' if phone else 'desktop'}.png"))
    finally:
        context.close()
