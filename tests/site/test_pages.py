"""Every page of the copy deck: 200, its facts visible, one h1, ordered,
anchored headings, the right title, and clean UTF-8."""

import pytest
from django.urls import get_resolver
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from .conftest import MOJIBAKE, PAGES, headings, title_of, visible_text

pytestmark = pytest.mark.django_db

URLS = sorted(PAGES)


@pytest.fixture
def page(client, request):
    url = request.param
    response = client.get(url)
    assert response.status_code == 200, url
    return url, response.content.decode("utf-8")


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_every_deck_fact_is_visible_on_its_page(page):
    url, html = page
    text = visible_text(html)
    missing = [fact for fact in PAGES[url]["facts"] if fact not in text]
    assert not missing, f"{url} lacks: {missing}"


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_title_is_the_decks(page):
    url, html = page
    assert title_of(html) == PAGES[url]["title"]


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_exactly_one_h1_and_no_skipped_heading_level(page):
    url, html = page
    levels = [level for level, _, _ in headings(html)]
    assert levels.count(1) == 1, f"{url}: {levels}"
    in_main = [level for level, _, _ in headings(html, "main")]
    assert in_main[0] == 1, f"{url}: main must open with its h1, got {in_main}"
    for before, after in zip(in_main, in_main[1:], strict=False):
        assert after <= before + 1, f"{url}: h{before} followed by h{after}"


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_every_section_heading_has_a_unique_stable_id(page):
    url, html = page
    found = [(lvl, hid, text) for lvl, hid, text in headings(html, "main") if 2 <= lvl <= 4]
    assert found, f"{url} has no section headings"
    no_id = [text for _, hid, text in found if not hid]
    assert not no_id, f"{url}: headings without id: {no_id}"
    ids = [hid for _, hid, _ in found]
    assert len(ids) == len(set(ids)), f"{url}: duplicate ids {ids}"


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_each_anchored_heading_titles_its_own_section(page):
    # The :target glow and the search app's passages both rely on this shape.
    url, html = page
    for h in HTMLParser(html).css("main h2[id], main h3[id], main h4[id]"):
        parent = h.parent
        in_case = parent.attributes.get("class") == "case__body"
        assert parent.tag in ("section", "article", "li") or in_case, (
            f"{url}: #{h.attributes['id']}"
        )


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_no_mojibake_and_real_utf8(page):
    url, html = page
    for bad in MOJIBAKE:
        assert bad not in html, f"{url} contains mojibake {bad!r}"
    assert '<meta charset="utf-8">' in html


@pytest.mark.parametrize("page", URLS, indirect=True)
def test_layout_landmarks_skip_link_nav_footer_and_widget(page):
    url, html = page
    tree = HTMLParser(html)
    skip = tree.css_first("a.skip-link")
    assert skip is not None and skip.attributes["href"] == "#main"
    assert tree.css_first("main#main") is not None
    assert tree.css_first("header") is not None and tree.css_first("footer") is not None
    nav = [a.text().strip() for a in tree.css("header nav a")]
    assert nav == ["Home", "About", "Services", "Portfolio", "Notes", "Bambi Game", "Contact"]
    footer = visible_text(html, "footer")
    for item in ("Privacy", "Terms", "Contact", "hello@bambicim.com"):
        assert item in footer
    # The Ask Bambi widget sits outside <main> (it is not page content).
    assert tree.css_first(".site-assistant") is not None
    assert tree.css_first("main .site-assistant") is None
    # No page needs JavaScript or a CDN (rel=canonical names the page itself, loads nothing).
    assert tree.css_first("script[src^='http'], link[href^='http']:not([rel=canonical])") is None


def test_the_current_section_is_marked_in_the_nav(client):
    html = client.get("/game/the-mirror/").content.decode()
    current = [a.text() for a in HTMLParser(html).css("header nav a[aria-current='page']")]
    assert current == ["Bambi Game"]


def test_home_links_to_the_three_newest_notes_newest_first(client):
    from bambicim.notes import NOTES

    tree = HTMLParser(client.get("/").content.decode())
    links = [a.attributes["href"] for a in tree.css(".note-list a.note-list__link")]
    newest = sorted(NOTES, key=lambda n: n.date, reverse=True)[:3]
    assert links == [f"/notes/{n.slug}/" for n in newest]


def test_notes_list_is_newest_first_with_dates(client):
    tree = HTMLParser(client.get("/notes/").content.decode())
    dates = [t.attributes["datetime"] for t in tree.css("main article time")]
    assert len(dates) == 3
    assert dates == sorted(dates, reverse=True)


def test_every_note_page_has_a_few_real_paragraphs(client):
    from bambicim.notes import NOTES

    for note in NOTES:
        tree = HTMLParser(client.get(f"/notes/{note.slug}/").content.decode())
        paragraphs = [p.text() for p in tree.css("main .prose p") if len(p.text()) > 120]
        assert len(paragraphs) >= 3, note.slug


def test_the_note_on_the_assistant_promises_only_what_it_does(client):
    """The assistant declines only part of the questions the site cannot answer
    (README, "search_evaluate --unanswerable"): the note says it can be wrong and
    that an answer links to its section, never that it never guesses."""
    text = visible_text(client.get("/notes/how-our-site-search-works/").content.decode(), "main")
    assert "instead of guessing" not in text and "honestly" not in text
    assert "It can still be wrong" in text
    assert "every answer links to the section it came from" in text


@pytest.mark.parametrize(
    "url", ["/notes/does-not-exist/", "/game/no-such-scene/", "/nope/", "/about/x/"]
)
def test_odd_urls_give_the_styled_404_never_a_500(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Oops — this page wandered off" in visible_text(html)
    assert [lvl for lvl, _, _ in headings(html)].count(1) == 1
    assert "Bambi Game" in visible_text(html, "header nav")
    assert title_of(html) == "Page not found — Bambicim"


@pytest.mark.parametrize("url", ["/apple-touch-icon.png", "/nope/", "/notes/does-not-exist/"])
def test_without_the_sites_templates_a_missing_page_is_a_plain_404_never_a_500(
    client, settings, url
):
    # The app's own templates alone (the search page's minimal base): what a browser
    # asks for by itself (/favicon.ico once, now served; /apple-touch-icon.png) met a 404
    # handler that needed templates/404.html.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 404
    assert title_of(response.content.decode()) == "Not Found"
    assert "was not found on this server" in visible_text(response.content.decode())


def test_500_page_renders_without_request_context_or_database(rf, django_assert_num_queries):
    server_error = get_resolver().resolve_error_handler(500)  # the handler Django calls

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in visible_text(html)
    assert "hello@bambicim.com" in html
    assert "{%" not in html and "{{" not in html


def test_the_admin_is_the_studios_not_djangos(admin_client):
    """The owner's admin names the site in its header and its tab, where Django
    would say "Django administration"."""
    html = admin_client.get("/admin/").content.decode()
    assert '<a href="/admin/">Bambicim</a>' in html
    assert "<title>Site administration | Bambicim admin</title>" in html
    assert "Django administration" not in html
