"""What a page tells crawlers and link previews: its own <title>, description,
canonical URL and og: tags (with a 1200×630 PNG), parsed from the HTML."""

import re
from pathlib import Path

import pytest
from PIL import Image
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from bambicim import game

from .conftest import PAGES, normalise, title_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
URLS = sorted(PAGES)


def meta(html: str) -> dict[str, str]:
    tree = HTMLParser(html)
    found = {}
    for node in tree.css("head meta[property], head meta[name]"):
        key = node.attributes.get("property") or node.attributes.get("name")
        assert key not in found, f"{key} twice"
        found[key] = normalise(node.attributes.get("content") or "")
    canonical = tree.css("head link[rel=canonical]")
    assert len(canonical) == 1
    found["canonical"] = canonical[0].attributes["href"]
    return found


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        client = Client()
        return {url: client.get(url).content.decode() for url in URLS}


@pytest.mark.parametrize("url", URLS)
def test_each_page_has_its_title_description_and_og_tags(pages, url):
    html = pages[url]
    tags = meta(html)
    title = title_of(html)
    assert title == PAGES[url]["title"]
    assert tags["og:title"] == title
    assert 50 <= len(tags["description"]) <= 200, tags["description"]
    assert tags["og:description"] == tags["description"]
    assert tags["og:url"] == tags["canonical"] == f"http://testserver{url}"
    assert tags["og:type"] == "website" and tags["og:site_name"] == "Bambicim"
    assert tags["og:image"] == "http://testserver/static/img/og-image.png"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:type"] == "image/png" and tags["og:image:alt"]
    assert tags["twitter:card"] == "summary_large_image"
    assert "{" not in html.split("</head>")[0]  # no template syntax leaked into the head


def test_no_two_pages_share_a_title_or_a_description(pages):
    titles = [title_of(html) for html in pages.values()]
    descriptions = [meta(html)["description"] for html in pages.values()]
    assert len(set(titles)) == len(titles)
    assert len(set(descriptions)) == len(descriptions)


def test_the_home_title_says_what_bambicim_is(pages):
    title = title_of(pages["/"])
    assert "Innovative Software Solutions" not in title
    assert title.startswith("Bambicim — ") and "studio" in title


def test_a_scene_after_a_choice_shares_the_scene_itself(client):
    tags = meta(client.get("/game/the-mirror/?choice=try-hoops").content.decode())
    assert tags["og:url"] == "http://testserver/game/the-mirror/"


def test_the_og_image_is_a_served_1200_by_630_png(client):
    with Image.open(ROOT / "static" / "img" / "og-image.png") as image:
        assert image.format == "PNG" and image.size == (1200, 630)
    response = client.get("/static/img/og-image.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_an_escaped_title_stays_escaped_in_og_title(client):
    # Terms & Conditions: the ampersand must be valid in both places.
    html = client.get("/terms/").content.decode()
    assert '<meta property="og:title" content="Terms & Conditions — Bambicim">' in html
    scene_html = client.get("/game/evening-in/").content.decode()
    assert "&quot;" not in meta(scene_html)["og:description"]


def test_og_title_repeats_a_title_built_on_its_parents_block():
    from django.template import Context, Engine

    engine = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    "base.html": "<title>{% block title %}Base{% endblock %}</title>"
                    "<og>{% block_text 'title' %}</og>",
                    "page.html": "{% extends 'base.html' %}"
                    "{% block title %}{{ block.super }} — Page{% endblock %}",
                },
            )
        ],
        builtins=["bambicim.templatetags.page_meta"],
    )
    html = engine.get_template("page.html").render(Context())
    assert html == "<title>Base — Page</title><og>Base — Page</og>"


def test_the_search_page_title_is_the_apps_with_the_sites_suffix(client):
    # templates/site_assistant/page.html extends the app's page of the same name.
    html = client.get("/search/", {"q": "price"}).content.decode()
    assert title_of(html) == meta(html)["og:title"] == "“price” — Ask Bambi — Search"
    assert "search-page__form" in html and "sa-page" not in html


# --- Saying things once ----------------------------------------------------------


def shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w€%.,]+", text.casefold())
    words = [w.strip(".,") for w in words if w.strip(".,")]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.parametrize(
    "url, card",
    [
        ("/services/", "article.card"),
        ("/services/", ".price"),
        ("/", "article.card"),
        ("/about/", ".steps li"),
        ("/portfolio/", "section.case"),
        ("/game/", "section.card"),
    ],
)
def test_no_card_says_the_same_thing_twice(client, url, card):
    tree = HTMLParser(client.get(url).content.decode())
    cards = tree.css(f"main {card}")
    assert cards
    for node in cards:
        blocks = [normalise(b.text()) for b in node.css("h2, h3, p, dd")]
        seen: dict[tuple[str, ...], str] = {}
        for block in blocks:
            for gram in shingles(block):
                assert gram not in seen, (
                    f"{url}: “{' '.join(gram)}” in {seen[gram]!r} and {block!r}"
                )
            for gram in shingles(block):
                seen[gram] = block


@pytest.mark.parametrize("url", URLS)
def test_no_eyebrow_repeats_the_heading_under_it(client, url):
    tree = HTMLParser(client.get(url).content.decode())
    head = tree.css_first("main h1")
    eyebrow = head.parent.css_first(".eyebrow") if head else None
    if eyebrow is not None:
        assert normalise(eyebrow.text()).casefold() != normalise(head.text()).casefold()


# --- The game without spoilers, and its drawings ----------------------------------


@pytest.mark.parametrize("scene", game.SCENES, ids=lambda s: s.slug)
def test_a_scene_page_shows_no_outcome_before_a_choice(client, scene):
    html = client.get(f"/game/{scene.slug}/").content.decode()
    tree = HTMLParser(html)
    for choice in scene.choices:
        assert choice.outcome not in html
    assert "You found" not in html and tree.css_first(".outcome") is None
    # The way to each look is inside a folded <details> the visitor opens.
    for choice, _look in scene.finds:
        hint = next(li for li in tree.css("main li") if f"“{choice.label}”" in li.text())
        details = hint.parent
        while details.tag != "details":
            details = details.parent
        assert "open" not in details.attributes


@pytest.mark.parametrize(
    "url, selector, count",
    [
        ("/services/", "#what-we-offer ~ .cards > article", 5),
        ("/", "#what-we-make ~ .cards > article", 3),
        ("/portfolio/", "section.case", 3),
        *[(f"/game/{s.slug}/", ".stage", 1) for s in game.SCENES],
        ("/game/", ".scene-tile", 4),
    ],
)
def test_drawings_not_emoji(client, url, selector, count):
    tree = HTMLParser(client.get(url).content.decode())
    cards = tree.css(f"main {selector}")
    assert len(cards) == count
    emoji = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
    for card in cards:
        img = card.css_first("img")
        assert img is not None and img.attributes["src"].endswith(".svg")
        drawing = ROOT / img.attributes["src"].replace("/static/", "static/", 1)
        assert drawing.is_file() and drawing.stat().st_size < 4096, drawing
        assert "alt" in img.attributes
        assert not emoji.search(card.text()), card.text()[:80]
