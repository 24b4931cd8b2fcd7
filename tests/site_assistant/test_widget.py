"""The widget tag's markup (works without JS) and the size budget of its files."""

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from selectolax.lexbor import LexborHTMLParser

import site_assistant

STATIC = Path(site_assistant.__file__).resolve().parent / "static" / "site_assistant"
ROOT = Path(__file__).resolve().parents[2]
BUDGET = 15 * 1024


def test_the_served_widget_script_and_css_are_under_15_kb_gzipped_together():
    """The minified files, which the templates serve, not the readable sources."""
    sizes = {
        name: len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9))
        for name in ("widget.min.js", "widget.min.css")
    }
    assert sum(sizes.values()) < BUDGET, sizes


def test_the_served_widget_files_are_their_sources_as_they_are_now():
    """An edit to widget.js or widget.css reaches no visitor until `make widget` makes
    widget.min.js and widget.min.css again."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "minify_widget.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_widget_and_the_search_page_load_the_minified_script(client, built_index):
    for url in ("/", "/search/?q=Is+the+Bambi+Game+free%3F"):
        root = LexborHTMLParser(client.get(url).content.decode())
        scripts = {node.attributes["src"] for node in root.css('script[src*="site_assistant/"]')}
        assert scripts and all(src.endswith("/widget.min.js") for src in scripts), (url, scripts)
    styles = {
        node.attributes["href"]
        for node in LexborHTMLParser(client.get("/").content.decode()).css(
            'link[href*="site_assistant/widget"]'
        )
    }
    assert styles and all(href.endswith("/widget.min.css") for href in styles), styles


@pytest.mark.django_db
def test_the_files_a_page_loads_for_the_widget_are_under_15_kb_gzipped(client):
    """What a visitor downloads: the stylesheet and script the tag links to, as served."""
    root = LexborHTMLParser(client.get("/").content.decode())
    urls = [
        node.attributes.get("href") or node.attributes.get("src")
        for node in root.css('link[href*="site_assistant/"], script[src*="site_assistant/"]')
    ]
    assert sorted(url.rsplit("/", 1)[1].split(".")[0] for url in urls) == ["widget", "widget"]
    sizes = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        sizes[url] = len(gzip.compress(body, compresslevel=9))
    assert sum(sizes.values()) < BUDGET, sizes


def test_widget_files_load_nothing_from_elsewhere():
    for name in ("widget.js", "widget.min.js", "widget.css", "widget.min.css"):
        text = (STATIC / name).read_text()
        assert "http://" not in text and "https://" not in text and "@import" not in text


@pytest.mark.django_db
def test_every_page_has_the_bubble_as_a_plain_link_to_the_search_page(client):
    tree = LexborHTMLParser(client.get("/").content.decode())
    root = tree.css_first(".site-assistant")
    assert root is not None
    bubble = root.css_first("a.site-assistant__bubble")
    assert bubble.attributes["href"] == "/search/"
    assert "Ask Bambi" in bubble.text()
    # The no-JS form inside the panel also goes to the search page.
    form = root.css_first("form.site-assistant__form")
    assert form.attributes["action"] == "/search/" and form.attributes["method"] == "get"
    # Never indexed as page content.
    assert "data-search-ignore" in root.attributes


@pytest.mark.django_db
def test_the_panel_is_an_accessible_dialog_with_a_live_region(client):
    tree = LexborHTMLParser(client.get("/about/").content.decode())
    panel = tree.css_first(".site-assistant__panel")
    assert panel.attributes["role"] == "dialog"
    assert panel.attributes["aria-modal"] == "true"
    assert "hidden" in panel.attributes
    label = tree.css_first("#" + panel.attributes["aria-labelledby"])
    assert label is not None and "Ask Bambi" in label.text()
    # One polite live region, outside the conversation: the script puts in it only what is
    # to be read (the waiting state, then the answer's snippet).
    live = tree.css("[aria-live]")
    assert [n.attributes["aria-live"] for n in live] == ["polite"]
    assert "site-assistant__status" in live[0].attributes["class"]
    assert "aria-live" not in tree.css_first(".site-assistant__log").attributes
    assert tree.css_first('label[for="site-assistant-q"]') is not None


@pytest.mark.django_db
def test_the_panel_offers_a_person_new_chat_suggestions_and_the_shortcuts(client):
    root = LexborHTMLParser(client.get("/").content.decode()).css_first(".site-assistant")
    assert root.attributes["data-contact-param"] == "message"
    handoff = root.css_first(".site-assistant__foot a.site-assistant__handoff")
    assert (
        handoff.text() == "Ask Bambi’s team"
        and handoff.attributes["href"] == "/contact/#write-to-us"
    )
    new_chat = root.css_first("button.site-assistant__new")
    assert new_chat.text() == "New chat" and "hidden" in new_chat.attributes  # until a question
    assert [b.text() for b in root.css(".site-assistant__suggestion")] == [
        "How much does a landing page cost?",
        "Is the Bambi Game free?",
        "Where are you based?",
    ]
    hint = root.css_first(".site-assistant__hint").text()
    assert "/" in hint and "Ctrl" in hint and "K" in hint
    assert root.css_first(".site-assistant__bubble").attributes["aria-keyshortcuts"] == (
        "/ Control+K"
    )


@pytest.mark.django_db
def test_without_a_contact_url_there_is_no_handoff(client, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": ""}
    root = LexborHTMLParser(client.get("/").content.decode()).css_first(".site-assistant")
    assert root.css_first(".site-assistant__handoff") is None


@pytest.mark.parametrize(
    ("url", "param", "question", "expected"),
    [
        (
            "/contact/",
            "message",
            "Do you fix laptops?",
            "/contact/?message=Do%20you%20fix%20laptops%3F",
        ),
        ("/contact/?from=chat#form", "message", "a&b", "/contact/?from=chat&message=a%26b#form"),
        ("mailto:hi@example.com", "body", "Hi", "mailto:hi@example.com?body=Hi"),
        ("/contact/", "", "Hi", "/contact/"),
        ("/contact/", "message", "", "/contact/"),
        ("", "message", "Hi", ""),
    ],
)
def test_the_contact_url_carries_the_question(settings, url, param, question, expected):
    from site_assistant.templatetags.site_assistant import contact_url

    settings.SITE_ASSISTANT = {"CONTACT_URL": url, "CONTACT_MESSAGE_PARAM": param}
    assert contact_url(question) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mailto:help@x.example", "mailto:help@x.example?body=tell%20me%20more"),
        (
            "MAILTO:help@x.example?subject=From%20the%20site",
            "MAILTO:help@x.example?subject=From%20the%20site&body=tell%20me%20more",
        ),
        ("/contact/", "/contact/?message=tell%20me%20more"),
    ],
)
def test_a_mailto_contact_url_carries_the_question_in_body_unless_a_param_is_set(
    settings, url, expected
):
    """Mail clients read ``body`` (and ``subject``), never ``message``: with
    CONTACT_MESSAGE_PARAM not set, a mailto: link gets the question in ``body``."""
    from site_assistant.templatetags.site_assistant import contact_url

    settings.SITE_ASSISTANT = {"CONTACT_URL": url}
    assert contact_url("tell me more") == expected
    # Set, it is what the owner says, even for mailto:.
    settings.SITE_ASSISTANT = {"CONTACT_URL": url, "CONTACT_MESSAGE_PARAM": "q"}
    assert contact_url("tell me more").endswith("q=tell%20me%20more")


@pytest.mark.django_db
def test_the_tag_renders_endpoints_and_a_csrf_token_for_signed_in_users_only(
    client, django_user_model
):
    # A visitor: no token, so no cookie — a page with the widget stays cacheable.
    response = client.get("/about/")
    root = LexborHTMLParser(response.content.decode()).css_first(".site-assistant")
    attrs = root.attributes
    assert attrs["data-search-url"] == "/api/search/"
    assert attrs["data-feedback-url"] == "/api/feedback/"
    assert attrs["data-contact-url"] == "/contact/#write-to-us"
    assert attrs["data-csrf"] == ""
    assert not response.cookies, response.cookies
    # A signed-in user's POSTs need the token (DRF checks it for session users).
    client.force_login(django_user_model.objects.create_user("ed", password="pw"))
    response = client.get("/about/")
    root = LexborHTMLParser(response.content.decode()).css_first(".site-assistant")
    assert len(root.attributes["data-csrf"]) >= 32
    assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_the_contact_link_and_title_are_settings(client, settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "CONTACT_URL": "/write-to-us/",
        "WIDGET_TITLE": "Ask Us",
    }
    root = LexborHTMLParser(client.get("/").content.decode()).css_first(".site-assistant")
    assert root.attributes["data-contact-url"] == "/write-to-us/"
    assert "Ask Us" in root.css_first(".site-assistant__bubble").text()


@pytest.mark.django_db
def test_each_site_gets_its_own_words_in_the_widget_and_on_the_search_page(client, settings):
    """Two sites of one project (two hostnames): the bike shop's visitors were
    greeted as the bakery's, offered its questions and its contact page."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "WIDGET_TITLE": "Ask the bakery",
        "SUGGESTED_QUESTIONS": ["When do you bake?"],
        "CONTACT_URL": "/write-to-us/",
        "PER_SITE": {
            "127.0.0.1": {
                "WIDGET_TITLE": "Ask Spoke Bikes",
                "WIDGET_GREETING": "Hi! Ask about repairs.",
                "SUGGESTED_QUESTIONS": ["How much is a service?"],
                "CONTACT_URL": "mailto:workshop@spoke.example",
                "HANDOFF_TEXT": "Ask a mechanic",
                "PAGE_PLACEHOLDER": "e.g. How much is a service?",
            }
        },
    }

    def seen(host):
        html = client.get("/", HTTP_HOST=host).content.decode()
        widget = LexborHTMLParser(html).css_first(".site-assistant")
        page = LexborHTMLParser(
            client.get(reverse("site_assistant:page"), HTTP_HOST=host).content.decode()
        )
        return {
            "title": widget.css_first(".site-assistant__bubble").text(),
            "greeting": widget.css_first(".site-assistant__greeting p").text(),
            "suggestions": [b.text() for b in widget.css(".site-assistant__suggestion")],
            "contact": widget.attributes["data-contact-url"],
            "handoff": widget.css_first(".site-assistant__handoff").text(),
            "page title": page.css_first("title").text(),
            "page placeholder": page.css_first("input[name=q]").attributes["placeholder"],
        }

    bikes, bakery = seen("127.0.0.1:8000"), seen("localhost")
    assert "Ask Spoke Bikes" in bikes["title"] and bikes["greeting"] == "Hi! Ask about repairs."
    assert bikes["suggestions"] == ["How much is a service?"]
    assert bikes["contact"] == "mailto:workshop@spoke.example"
    assert bikes["handoff"] == "Ask a mechanic"
    assert "Ask Spoke Bikes" in bikes["page title"]
    assert bikes["page placeholder"] == "e.g. How much is a service?"
    # A host PER_SITE does not name: the settings of every site.
    assert "Ask the bakery" in bakery["title"] and bakery["suggestions"] == ["When do you bake?"]
    assert bakery["contact"] == "/write-to-us/" and bakery["handoff"] != "Ask a mechanic"
    assert "Ask the bakery" in bakery["page title"]
    assert bakery["page placeholder"] != bikes["page placeholder"]


def contrast(foreground, background):
    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def custom_properties(css, selector):
    """The --sa-* colours set in ``selector { ... }`` of a stylesheet."""
    block = css[css.index(selector + " {") :]
    block = block[: block.index("}")]
    return dict(re.findall(r"--sa-([a-z-]+):\s*(#[0-9a-f]{6})", block.lower()))


PAIRS = [
    ("#ffffff", "accent"),  # bubble, buttons, your messages
    ("#ffffff", "accent-dark"),  # hover, header gradient end
    ("accent", "#ffffff"),  # links
    ("ink", "tint"),  # text in the log
    ("ink", "tint-strong"),  # highlighted words (<mark>), in the widget and on the search page
    ("muted", "#ffffff"),  # muted labels, placeholder
    ("accent-dark", "#ffffff"),  # "thank you"
]
SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"


@pytest.mark.parametrize(
    ("stylesheet", "selector"),
    [
        (STATIC / "widget.css", ":where(.site-assistant)"),  # the app's defaults
        (STATIC / "page.css", ":where(.sa-page)"),  # the search page's defaults
        (SITE_CSS, ".site-assistant, .sa-page, .sa-feedback"),  # Bambicim's pinks
    ],
)
@pytest.mark.parametrize(("foreground", "background"), PAIRS)
def test_widget_colours_have_at_least_4_5_contrast(stylesheet, selector, foreground, background):
    colours = custom_properties(stylesheet.read_text(), selector)
    fg = colours.get(foreground, foreground)
    bg = colours.get(background, background)
    assert fg.startswith("#") and bg.startswith("#"), colours
    assert contrast(fg, bg) >= 4.5, (fg, bg)


@pytest.mark.parametrize(
    ("title", "heading", "expected"),
    [
        (
            "Terms & Conditions — Bambicim",
            "Terms & Conditions › Use of site",
            "Terms & Conditions › Use of site",
        ),
        (
            "Bambicim — Innovative Software Solutions",
            "Princess-pink software, built fast & beautifully › Play the Bambi Game",
            "Bambicim › Play the Bambi Game",
        ),
        ("About | Example", "", "About"),
        ("Plain", "Plain", "Plain"),
        # As the widget names it: the page's own title, then the section.
        ("Evening in — Bambi Game — Bambicim", "Evening in", "Evening in"),
        (
            "Evening in — Bambi Game — Bambicim",
            "Evening in › What do you do?",
            "Evening in › What do you do?",
        ),
        # The headings between the page and the section: "Removed" alone says no version.
        (
            "Changelog — Example Docs",
            "Changelog › 2.3.0 (2024-12-02) › Removed",
            "Changelog › 2.3.0 (2024-12-02) › Removed",
        ),
        (
            "About — Bambicim",
            "About Bambicim › What we believe › Clarity before code",
            "About › What we believe › Clarity before code",
        ),
    ],
)
def test_search_where_names_the_page_and_the_section(title, heading, expected):
    from site_assistant.services import Hit
    from site_assistant.templatetags.site_assistant import search_where

    hit = Hit(text="t", title=title, heading=heading, url="/", anchor="", score=0.5, passage_id=0)
    assert search_where(hit) == expected


def test_search_body_drops_the_leading_heading():
    from site_assistant.services import Hit
    from site_assistant.templatetags.site_assistant import search_body

    def hit(text, heading):
        return Hit(text=text, title="T", heading=heading, url="/", anchor="", score=1, passage_id=0)

    assert search_body(hit("Use of site. No abuse.", "Terms › Use of site")) == "No abuse."
    assert search_body(hit("No heading here.", "")) == "No heading here."
    assert search_body(hit("Pricing", "Pricing")) == "Pricing"


def test_the_scripts_own_words_are_the_source_text_of_its_translations():
    """widget.js keeps English words for a page without {% search_words %} (a widget template
    overridden before it existed): they are the messages' source text, word for word."""
    from django.utils import translation

    from site_assistant.templatetags.site_assistant import widget_words

    script = (STATIC / "widget.js").read_text(encoding="utf-8")
    block = script.split("var WORDS = {", 1)[1].split("};", 1)[0]
    own = dict(re.findall(r'^\s*(\w+): "((?:[^"\\]|\\.)*)",?$', block, re.MULTILINE))
    with translation.override(None):
        assert {key: text for key, text in own.items() if key != "language"} == widget_words()


def words_of(html):
    node = LexborHTMLParser(html).css_first("script[data-site-assistant-words]")
    return None if node is None else json.loads(node.text())


@pytest.mark.django_db
def test_an_english_page_is_as_before_no_words_for_the_script(client):
    html = client.get("/").content.decode()
    assert words_of(html) is None
    root = LexborHTMLParser(html).css_first(".site-assistant")
    assert root.css_first("label").text() == "Your question"
    assert root.css_first(".site-assistant__send").text() == "Ask"


@pytest.mark.django_db
def test_a_german_page_gets_the_widget_in_german_and_an_english_one_in_english(
    client, bilingual_site
):
    root = LexborHTMLParser(client.get("/de/prices/").content.decode())
    widget = root.css_first(".site-assistant")
    assert widget.css_first(".site-assistant__title").text(strip=True) == "✨Fragen Sie uns"
    assert widget.css_first("label").text() == "Ihre Frage"
    assert widget.css_first("input").attributes["placeholder"] == "Stellen Sie eine Frage …"
    assert widget.css_first(".site-assistant__send").text() == "Fragen"
    assert widget.css_first(".site-assistant__close").attributes["aria-label"] == (
        "Fragen Sie uns schließen"
    )
    assert "Strg" in widget.css_first(".site-assistant__hint").text()
    words = words_of(root.html)
    assert words["language"] == "de" and words["readMore"] == "Weiterlesen"
    assert words["limit"] == "Mehr geht nicht: %(count)s Zeichen."
    assert widget.attributes["data-search-url"] == "/de/assistant/api/search/"

    english = LexborHTMLParser(client.get("/en/prices/").content.decode())
    assert english.css_first(".site-assistant label").text() == "Your question"
    assert english.css_first(".site-assistant input").attributes["placeholder"] == (
        "Ask a question…"
    )
    assert words_of(english.html) is None


@pytest.mark.django_db
def test_a_german_sites_english_page_tells_the_widget_its_answers_are_german(
    client, bilingual_site
):
    """The widget's own words are English there, as the script has them; the site's text
    it quotes is German, to be read in a German voice (the words' script was left out
    whenever no word changed, and the quotes read as English)."""
    bilingual_site.SITE_ASSISTANT = {**bilingual_site.SITE_ASSISTANT, "LANGUAGE": "de"}
    words = words_of(client.get("/en/prices/").content.decode())
    assert words is not None and words["contentLanguage"] == "de"
    assert words["language"] == "en"
    german = words_of(client.get("/de/prices/").content.decode())
    assert "contentLanguage" not in german


@pytest.mark.django_db
def test_the_owners_own_words_are_shown_as_written_in_every_language(client, bilingual_site):
    bilingual_site.SITE_ASSISTANT = {
        **bilingual_site.SITE_ASSISTANT,
        "WIDGET_TITLE": "Frag Moos",
        "WIDGET_PLACEHOLDER": "Was möchtest du wissen?",
    }
    for path in ("/de/prices/", "/en/prices/"):
        widget = LexborHTMLParser(client.get(path).content.decode()).css_first(".site-assistant")
        assert widget.css_first(".site-assistant__title").text(strip=True) == "✨Frag Moos"
        assert widget.css_first("input").attributes["placeholder"] == "Was möchtest du wissen?"


@pytest.mark.django_db
def test_a_project_overrides_one_block_of_the_widget_and_keeps_the_rest(client, settings, tmp_path):
    # docs/extending.md: a site_assistant/widget.html of the project's that
    # extends the app's and changes only the bubble's label and the panel's foot.
    (tmp_path / "site_assistant").mkdir()
    (tmp_path / "site_assistant" / "widget.html").write_text(
        '{% extends "site_assistant/widget.html" %}'
        "{% block widget_label %}Questions? {{ title }}{% endblock %}"
        "{% block widget_greeting %}<p>Ask about {{ request.path }}</p>{% endblock %}"
        '{% block widget_foot %}<p class="acme-foot">Answers from our docs</p>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "WIDGET_TITLE": "Ask Acme"}
    root = LexborHTMLParser(client.get("/").content.decode())
    widget = root.css_first(".site-assistant")
    assert widget.css_first(".site-assistant__label").text().startswith("Questions? Ask Acme ·")
    assert widget.css_first(".acme-foot").text() == "Answers from our docs"
    assert widget.css_first(".site-assistant__hint") is None  # replaced
    assert widget.css_first(".site-assistant__greeting").text(strip=True).startswith("Ask about /")
    # Everything widget.js needs is still there, once.
    assert widget.attributes["data-search-url"] and widget.css_first("#site-assistant-q")
    assert widget.css_first(".site-assistant__title").text().split() == ["✨", "Ask", "Acme"]
    assert len(root.css('script[src*="site_assistant/widget.min.js"]')) == 1
