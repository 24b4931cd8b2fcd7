"""No host assumptions: the app under any URL prefix, in anybody's colours and words,
throttled without the project setting rates, naming nobody's site."""

import re
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient
from selectolax.lexbor import LexborHTMLParser

import site_assistant
from site_assistant.api import throttles

APP = Path(site_assistant.__file__).resolve().parent
PREFIX = "/help/assistant/"

pytestmark = pytest.mark.django_db


def widget_root(html):
    return LexborHTMLParser(html).css_first(".site-assistant")


def render_widget(request_factory_path="/"):
    from django.template import engines
    from django.test import RequestFactory

    template = engines["django"].from_string("{% load site_assistant %}{% search_widget %}")
    return template.render({}, RequestFactory().get(request_factory_path))


def test_nothing_in_the_app_names_bambicim():
    """`grep -riE "bambi|bambicim" search/` (migrations' data aside) finds nothing."""
    result = subprocess.run(
        ["grep", "-rliE", "bambi|bambicim", str(APP), "--exclude-dir=__pycache__"],
        capture_output=True,
        text=True,
    )
    hits = [line for line in result.stdout.splitlines() if "/migrations/" not in line]
    assert hits == []


# --- any prefix -------------------------------------------------------------------


@pytest.mark.urls("tests.site_assistant.prefixed_urls")
def test_the_widget_gets_every_endpoint_under_the_hosts_prefix():
    attrs = widget_root(render_widget()).attributes
    assert attrs["data-page-url"] == PREFIX + "search/"
    assert attrs["data-search-url"] == PREFIX + "api/search/"
    assert attrs["data-feedback-url"] == PREFIX + "api/feedback/"


@pytest.mark.urls("tests.site_assistant.prefixed_urls")
@pytest.mark.usefixtures("built_index")
def test_the_page_and_the_api_answer_under_the_prefix_beside_the_hosts_own_search(client, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]  # no Bambicim templates
    settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    assert client.get("/search/").content == b"the host's own search page"
    page = client.get(PREFIX + "search/", {"q": "Can I scrape the site?"})
    assert page.status_code == 200
    form = LexborHTMLParser(page.content.decode()).css_first("form[role=search]")
    assert form.attributes["action"] == PREFIX + "search/"
    api = APIClient().get(PREFIX + "api/search/", {"q": "Can I scrape the site?"})
    assert api.status_code == 200 and api.json()["answer"]["url"] == "/terms/"


@pytest.mark.urls("tests.site_assistant.prefixed_urls")
def test_the_prefix_itself_leads_to_the_search_page(client):
    """A site links its mount point ("/help/assistant/"): it is the search page's
    address, not a 404, and a question in it is kept."""
    mount = client.get(PREFIX)
    assert (mount.status_code, mount["Location"]) == (302, PREFIX + "search/")
    asked = client.get(PREFIX, {"q": "Can I scrape the site?"})
    assert asked.status_code == 302
    assert asked["Location"] == PREFIX + "search/?q=Can+I+scrape+the+site%3F"
    assert client.get("/search/").content == b"the host's own search page"


def test_the_mount_point_of_a_german_page_leads_to_its_search_page(bilingual_site, client):
    """Mounted inside i18n_patterns: "/de/assistant/" is the German search page."""
    response = client.get("/de/assistant/", follow=True)
    assert response.redirect_chain == [("/de/assistant/search/", 302)]
    assert response.status_code == 200 and response["Content-Language"] == "de"
    assert client.get("/en/assistant/")["Location"] == "/en/assistant/search/"


def test_a_site_mounting_the_app_at_its_root_keeps_its_home_page(client):
    """Bambicim includes the app at "" after its own pages: "/" is its home page."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.resolver_match.view_name == "home"


@pytest.mark.urls("tests.site_assistant.prefixed_urls")
def test_the_build_status_link_and_admin_follow_the_prefix(django_user_model):
    staff = django_user_model.objects.create_user("o", "o@example.com", "pw", is_staff=True)
    client = APIClient()
    client.force_authenticate(staff)
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        from site_assistant.models import IndexBuild

        build = IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND)
    response = client.get(f"{PREFIX}api/index/builds/{build.pk}/")
    assert response.status_code == 200
    assert response.json()["status_url"].endswith(f"{PREFIX}api/index/builds/{build.pk}/")


# --- branding ---------------------------------------------------------------------


def test_an_unbranded_widget_has_neutral_words_and_no_contact_link(settings):
    settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    root = widget_root(render_widget())
    text = root.text()
    assert "Ask us" in root.css_first(".site-assistant__bubble").text()
    assert "Hi! Ask me anything about this site." in text
    assert root.css_first("input").attributes["placeholder"] == "Ask a question…"
    assert root.attributes["data-contact-url"] == ""
    assert "contact" not in re.sub(r"data-contact-(url|param)", "", root.html)
    assert root.css_first(".site-assistant__handoff") is None
    assert root.css_first(".site-assistant__suggestions") is None


def test_the_owners_words_and_suggested_questions_are_settings(settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "WIDGET_TITLE": "Ask the tea room",
        "WIDGET_GREETING": "Welcome! Ask about tea.",
        "WIDGET_PLACEHOLDER": "Which tea…",
        "SUGGESTED_QUESTIONS": ["When are you open?", "Do you sell scones?"],
        "CONTACT_URL": "mailto:hello@example.com",
    }
    root = widget_root(render_widget())
    assert "Ask the tea room" in root.css_first(".site-assistant__bubble").text()
    assert "Welcome! Ask about tea." in root.text()
    assert root.css_first("input").attributes["placeholder"] == "Which tea…"
    chips = root.css(".site-assistant__suggestion")
    assert [c.attributes["data-question"] for c in chips] == [
        "When are you open?",
        "Do you sell scones?",
    ]
    assert root.attributes["data-contact-url"] == "mailto:hello@example.com"


def test_the_widget_only_shows_the_contact_link_when_one_is_set():
    js = (APP / "static" / "site_assistant" / "widget.js").read_text()
    assert "/contact/" not in js
    assert "if (cfg.contactUrl)" in js


def test_colours_are_custom_properties_a_site_can_override():
    css = (APP / "static" / "site_assistant" / "widget.css").read_text()
    # Zero specificity: any `.site-assistant { --sa-accent: ... }` of the site wins.
    assert ":where(.site-assistant) {" in css
    rules = css.split(":where(.site-assistant) {", 1)[1]
    # A colour is either a default there or a var(--sa-..., fallback).
    rest = re.sub(r"var\(--sa-[a-z-]+, #[0-9a-fA-F]{6}\)", "", rules.split("}", 1)[1])
    colours_outside_the_defaults = re.findall(r"#[0-9a-fA-F]{6}\b", rest)
    assert colours_outside_the_defaults == [], "a colour not from a --sa-* property"


@pytest.mark.usefixtures("built_index")
def test_the_apps_own_search_page_extends_a_minimal_base_with_its_own_stylesheet(client, settings):
    # Without the host's templates: the page the app ships, in its minimal base.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]
    settings.SITE_ASSISTANT = {"INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"]}
    response = client.get("/search/", {"q": "Can I scrape the site?"})
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    tree = LexborHTMLParser(response.content.decode())
    assert tree.css_first('link[href$="site_assistant/page.css"]') is not None
    assert tree.css_first("main .sa-page .sa-page__answer") is not None
    assert "Best answer" in tree.text()
    assert "/contact/" not in response.content.decode()
    # Five results: the answer, then four others under their own heading.
    assert "Other results" in tree.text() and len(tree.css(".sa-page__list li")) == 4
    assert "Good match" not in tree.text()
    assert (APP / "static" / "site_assistant" / "page.css").exists()


@pytest.mark.usefixtures("built_index")
def test_the_search_page_extends_the_base_template_the_site_names(client, settings, tmp_path):
    (tmp_path / "shop_base.html").write_text(
        "<html><head><title>{% block title %}{% endblock %} | Shop</title></head>"
        '<body><nav>Shop nav</nav><div id="shop">{% block content %}{% endblock %}</div>'
        "</body></html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "PAGE_BASE_TEMPLATE": "shop_base.html",
        "SUGGESTED_QUESTIONS": ["Do you use cookies?"],
    }
    tree = LexborHTMLParser(client.get("/search/").content.decode())
    assert tree.css_first("title").text().endswith("| Shop")
    assert tree.css_first("#shop .sa-page form[role=search]") is not None
    suggestion = tree.css_first(".sa-page__suggestions a")
    assert suggestion.attributes["href"] == "?q=Do%20you%20use%20cookies%3F"


# `wagtail start`'s base.html: the page's title, then " - " and the site's name.
WAGTAIL_BASE = (
    "<html><head><title>{% block title %}{% endblock %}"
    "{% block title_suffix %}\n  - Green Spoke\n{% endblock %}</title></head>"
    "<body>{% block content %}{% endblock %}</body></html>"
)


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize(
    ("widget_title", "shown"),
    [
        # The assistant named after the site: the suffix would name it twice.
        ("Ask Green Spoke", "“cookies” — Ask Green Spoke"),
        ("Ask green spoke", "“cookies” — Ask green spoke"),
        # A title without the site's name keeps the base's suffix.
        ("Ask us", "“cookies” — Ask us - Green Spoke"),
    ],
)
def test_the_search_page_names_the_site_once_on_a_wagtail_base(
    client, settings, tmp_path, widget_title, shown
):
    """On a `wagtail start` base.html, whose {% block title_suffix %} adds the site's
    name, the search page's title was "… — Ask Green Spoke - Green Spoke"."""
    (tmp_path / "base.html").write_text(WAGTAIL_BASE)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "PAGE_BASE_TEMPLATE": "base.html",
        "WIDGET_TITLE": widget_title,
    }
    tree = LexborHTMLParser(client.get("/search/", {"q": "cookies"}).content.decode())
    assert " ".join(tree.css_first("title").text().split()) == shown
    assert tree.css_first(".sa-page form[role=search]") is not None


def test_the_bambicim_site_sets_its_own_brand(client):
    html = client.get("/").content.decode()
    root = widget_root(html)
    assert "Ask Bambi" in root.css_first(".site-assistant__bubble").text()
    assert "the Bambi Game" in root.text()
    assert root.attributes["data-contact-url"] == "/contact/#write-to-us"


# --- throttles without the project's rates ------------------------------------------


@pytest.fixture
def no_project_rates(settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        k: v for k, v in settings.REST_FRAMEWORK.items() if k != "DEFAULT_THROTTLE_RATES"
    }
    yield
    cache.clear()


@pytest.mark.usefixtures("no_project_rates")
def test_without_project_rates_the_apps_defaults_apply():
    assert throttles.SearchAnonThrottle().get_rate() == "60/min"
    assert throttles.SearchUserThrottle().get_rate() == "600/min"
    assert throttles.FeedbackAnonThrottle().get_rate() == "30/min"


@pytest.mark.usefixtures("no_project_rates", "built_index")
def test_without_project_rates_a_flood_of_questions_is_throttled(settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "THROTTLE_RATES": {"search_anon": "2/min"},
    }
    api = APIClient()
    codes = [api.get("/api/search/", {"q": "cookies"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_rate_the_project_sets_wins(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"search_anon": "7/min"},
    }
    assert throttles.SearchAnonThrottle().get_rate() == "7/min"
    # A scope the project leaves out still has the app's default.
    assert throttles.FeedbackAnonThrottle().get_rate() == "30/min"
