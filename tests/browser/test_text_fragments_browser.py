"""A section whose heading has no id: the link extraction gives it lands on it.

The page is served to Chromium by Playwright's router (no server needed); its
passages come from the same HTML through extract(), as a build makes them.
"""

import pytest

from site_assistant.extract import Document, extract

pytestmark = pytest.mark.browser

SITE = "http://tearoom.test"
FILLER = "<p>Leaves, water and patience make a good pot of tea.</p>" * 40
FAQ = (
    "<html><head><title>FAQ — Mossy</title></head><body><main>"
    # The title and the intro repeat the sections' headings, as pages often do.
    "<h1>Questions: opening hours, prices and location</h1>"
    f"<p>Our prices, fees &amp; VAT - 2026 are below.</p>{FILLER}"
    f"<h2>Opening hours</h2><p>We open at nine, every day but Monday.</p>{FILLER}"
    f"<h2>Prices, fees &amp; VAT - 2026</h2><p>A pot costs four euros, VAT included.</p>"
    f"{FILLER}</main></body></html>"
)
FROM = '<html><body><a id="go" href="{link}">Read more</a></body></html>'


@pytest.fixture
def tearoom(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    tab = context.new_page()
    tab.route(f"{SITE}/faq/", lambda route: route.fulfill(content_type="text/html", body=FAQ))
    yield tab
    context.close()


def links():
    passages = extract(Document(url="/faq/", html=FAQ))
    return {p.heading[-1]: f"{p.url}#{p.anchor}" if p.anchor else p.url for p in passages}


@pytest.mark.parametrize("heading", ["Opening hours", "Prices, fees & VAT - 2026"])
def test_read_more_on_a_section_without_an_id_scrolls_to_its_heading(tearoom, heading):
    link = links()[heading]
    assert "#:~:text=" in link, link
    # A click on a link, as a visitor's "Read more" (a navigation with user activation).
    tearoom.route(
        f"{SITE}/from/",
        lambda route: route.fulfill(content_type="text/html", body=FROM.format(link=link)),
    )
    tearoom.goto(f"{SITE}/from/")
    tearoom.click("#go")
    tearoom.wait_for_url(f"{SITE}/faq/**")
    target = tearoom.get_by_role("heading", name=heading, exact=True)
    tearoom.wait_for_function("() => window.scrollY > 0", timeout=5_000)
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 600, f"{heading!r} is at {box}, off screen"


def test_the_page_top_section_links_to_the_page(tearoom):
    assert links()["Questions: opening hours, prices and location"] == "/faq/"


def test_a_link_to_a_section_of_the_page_the_visitor_is_on_scrolls_there_too(tearoom):
    link = links()["Opening hours"]
    tearoom.goto(f"{SITE}/faq/")
    tearoom.evaluate(
        "link => { const a = document.createElement('a'); a.id = 'go'; a.href = link;"
        " a.textContent = 'Read more'; document.body.prepend(a); }",
        link,
    )
    tearoom.click("#go")
    tearoom.wait_for_function("() => window.scrollY > 0", timeout=5_000)
    box = tearoom.get_by_role("heading", name="Opening hours", exact=True).bounding_box()
    assert box is not None and 0 <= box["y"] < 600, box


# A long section under a heading without an id: the build cuts it into pieces.
RULES = "".join(
    f"<p>Rule {n}: pot number {n} is warmed before the leaves of table {n} go in.</p>"
    for n in range(1, 51)
)
LONG = (
    "<html><head><title>House rules — Mossy</title></head><body><main>"
    "<h1>House rules</h1><p>Brewing, explained below.</p>"
    f"<h2>Brewing</h2>{RULES}<h2>Closing</h2><p>We close at six.</p></main></body></html>"
)


def test_read_more_of_a_late_piece_of_a_section_without_an_id_scrolls_to_its_words(tearoom):
    pieces = [p for p in extract(Document(url="/rules/", html=LONG)) if p.heading[-1] == "Brewing"]
    assert len(pieces) > 3
    assert not pieces[0].piece_anchor  # the first piece links to the heading, as before
    late = pieces[-2]
    link = f"{late.url}#{late.piece_anchor}"
    # Its words first, the heading's own directives after them (if the words are gone).
    assert link.endswith(f"&{pieces[0].anchor[len(':~:') :]}"), link
    first_words = late.text.removeprefix("Brewing. ").split(":")[0]  # "Rule 37"
    tearoom.route(
        f"{SITE}/rules/", lambda route: route.fulfill(content_type="text/html", body=LONG)
    )
    tearoom.route(
        f"{SITE}/from/",
        lambda route: route.fulfill(content_type="text/html", body=FROM.format(link=link)),
    )
    tearoom.goto(f"{SITE}/from/")
    tearoom.click("#go")
    tearoom.wait_for_url(f"{SITE}/rules/**")
    tearoom.wait_for_function("() => window.scrollY > 0", timeout=5_000)
    box = tearoom.get_by_text(f"{first_words}: pot number").bounding_box()
    assert box is not None and 0 <= box["y"] < 600, f"{first_words!r} is at {box}, off screen"
    heading = tearoom.get_by_role("heading", name="Brewing", exact=True).bounding_box()
    assert heading["y"] < 0, "the page stayed at the section's heading"
