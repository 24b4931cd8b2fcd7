"""A site served under a path prefix ("/portal"): FORCE_SCRIPT_NAME, or the server's
SCRIPT_NAME. The build reads the site under it, the index holds its paths without it,
and every link a visitor or the owner is shown carries the prefix of their request."""

import io
import logging
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.urls import get_script_prefix, set_script_prefix
from rest_framework.test import APIClient
from selectolax.lexbor import LexborHTMLParser

from site_assistant import index, script_prefix
from site_assistant.extract import Document
from site_assistant.models import Passage
from site_assistant.sources import rows_to_read

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.site_assistant.portal_site")]

QUESTION = "How much does drinking water cost at the hut?"
UNANSWERED = "Which quantum chromodynamics lectures does the physics faculty hold?"


@pytest.fixture
def portal(settings, own_index_dir):
    """The portal site (tests/site_assistant/portal_site.py) with its contact page, and a
    group registered as a section of its contact page, linked by ``reverse()``."""
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from site_assistant import embed, register
    from site_assistant.sources import models as model_source

    embed.ensure_export()
    settings.ROOT_URLCONF = "tests.site_assistant.portal_site"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": []}]  # the app's own base
    settings.SITE_ASSISTANT = {
        "INDEX_DIR": settings.SITE_ASSISTANT["INDEX_DIR"],
        "CONTACT_URL": "/contact/",
    }
    Group.objects.create(name="The hut's post office opens on Mondays at the valley station")
    register(Group, fields=["name"], url=lambda group: reverse("contact") + "#post")
    yield
    model_source.unregister(Group)


@contextmanager
def served_under(prefix):
    """The thread's script prefix as Django sets it: ``manage.py`` and a worker from
    FORCE_SCRIPT_NAME (django.setup), a server's handler from each request."""
    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        yield
    finally:
        set_script_prefix(before)


def rebuild():
    out = io.StringIO()
    call_command("search_rebuild", "--sync", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def links(html, selector):
    return [a.attributes["href"] for a in LexborHTMLParser(html).css(selector)]


# --- the helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, stripped",
    [
        ("/portal/prices/#water", "/prices/#water"),
        ("/portal", "/"),
        ("/portal?page=2", "/?page=2"),
        ("//beta.example/portal/a/", "//beta.example/a/"),
        ("/portals/a/", "/portals/a/"),  # another path that starts with the same letters
        ("/prices/", "/prices/"),
        ("https://example.com/portal/a/", "https://example.com/portal/a/"),
        ("mailto:hut@example.com", "mailto:hut@example.com"),
    ],
)
def test_the_prefix_comes_off_a_path_and_only_off_a_path(url, stripped):
    assert script_prefix.strip(url, "/portal/") == stripped
    assert script_prefix.strip(url, "") == url


def test_a_link_gets_the_prefix_of_the_request_it_answers(rf, settings):
    served = rf.get("/help/search/", SCRIPT_NAME="/portal")  # gunicorn's SCRIPT_NAME
    assert script_prefix.of(served) == "/portal"
    assert script_prefix.add("/prices/#water", served) == "/portal/prices/#water"
    assert script_prefix.add("//beta.example/a/", served) == "//beta.example/portal/a/"
    for kept in ("https://example.com/a/", "mailto:hut@example.com", "relative/", ""):
        assert script_prefix.add(kept, served) == kept
    assert script_prefix.add("/prices/", rf.get("/help/search/")) == "/prices/"
    settings.FORCE_SCRIPT_NAME = "/forced/"
    assert script_prefix.of(rf.get("/help/search/")) == "/forced"


# --- FORCE_SCRIPT_NAME ----------------------------------------------------------------


@pytest.mark.usefixtures("portal")
def test_a_site_under_force_script_name_builds_and_answers_with_its_prefix(settings):
    """FORCE_SCRIPT_NAME = "/portal": the build asked for /portal/prices/ in-process, every
    page answered 404 and it failed with "no page rendered any text". It reads the site,
    the index holds the paths without the prefix, and the API and the search page link
    under it: "Read more", the contact link, the row's section."""
    settings.FORCE_SCRIPT_NAME = "/portal"
    with served_under("/portal/"):  # as manage.py runs it
        assert "succeeded" in rebuild()
    urls = {u for row in index.load_current().passages for u in row["urls"]}
    # The pages, and the group's row at its reverse()d URL ("/portal/contact/#post").
    assert urls == {"/prices/", "/contact/", "/contact/#post"}, urls

    api = APIClient().get("/help/api/search/", {"q": QUESTION})
    assert api.status_code == 200, api.content
    body = api.json()
    assert (body["answer"]["url"], body["answer"]["read_more"]) == (
        "/portal/prices/",
        "/portal/prices/#water",
    )
    assert all(hit["url"].startswith("/portal/") for hit in body["results"])
    assert body["contact_url"] == "/portal/contact/"

    page = APIClient().get("/help/search/", {"q": QUESTION})
    assert page.status_code == 200
    html = page.content.decode()
    assert links(html, "a.sa-page__button") == ["/portal/prices/#water"]
    # A question the site does not answer: "Ask a person", with the question.
    unsure = APIClient().get("/help/search/", {"q": UNANSWERED}).content.decode()
    handoff = links(unsure, "a.sa-page__handoff")
    assert handoff and all(link.startswith("/portal/contact/?message=Which") for link in handoff)
    # The vote the widget keeps is found again on the page: the same link names the answer.
    feedback = LexborHTMLParser(html).css_first("[data-sa-feedback]")
    assert feedback.attributes["data-result"] == "/portal/prices/#water"


@pytest.mark.usefixtures("portal")
def test_a_contact_url_set_with_the_prefix_is_not_given_it_twice(settings):
    settings.FORCE_SCRIPT_NAME = "/portal"
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "CONTACT_URL": "/portal/contact/"}
    with served_under("/portal/"):
        rebuild()
    body = APIClient().get("/help/api/search/", {"q": QUESTION}).json()
    assert body["contact_url"] == "/portal/contact/"


@pytest.mark.usefixtures("portal")
@pytest.mark.parametrize("forced", [None, "/portal"], ids=["server-only", "forced"])
def test_a_listing_page_is_left_to_the_page_it_repeats_under_either_prefix(
    settings, caplog, forced
):
    """A site behind gunicorn's SCRIPT_NAME (no FORCE_SCRIPT_NAME) read one page fewer than
    under FORCE_SCRIPT_NAME: its listing was left to the pages it repeats, as it should be,
    but under FORCE_SCRIPT_NAME the listing's links carried the prefix, named no page the
    build read, and the listing was indexed beside the pages it repeats. One index now,
    whichever way the prefix is set, and the log says why the listing gave no passage."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "URLS": ["/news/"]}
    if forced:
        settings.FORCE_SCRIPT_NAME = forced
    with (
        served_under(f"{forced or ''}/"),
        caplog.at_level(logging.INFO, logger="site_assistant"),
    ):
        assert "succeeded" in rebuild()
    urls = {u for row in index.load_current().passages for u in row["urls"]}
    assert urls == {"/prices/", "/contact/", "/contact/#post"}, urls
    assert "/news/: a teaser of ['/prices/'], left to it" in caplog.text


# --- the server's SCRIPT_NAME ---------------------------------------------------------


@pytest.mark.usefixtures("portal")
def test_served_under_the_servers_script_name_every_link_shown_carries_it(admin_client):
    """Built without a prefix, served by gunicorn with SCRIPT_NAME=/portal: the app's own
    addresses had it, but "Read more" (/prices/#water) and the contact link (/contact/)
    did not, and visitors landed outside the site."""
    assert "succeeded" in rebuild()
    assert {p.url for p in Passage.objects.all()} == {"/prices/", "/contact/", "/contact/#post"}
    served = {"SCRIPT_NAME": "/portal"}

    body = APIClient().get("/help/api/search/", {"q": QUESTION}, **served).json()
    assert body["answer"]["read_more"] == "/portal/prices/#water"
    assert body["contact_url"] == "/portal/contact/"

    html = APIClient().get("/help/search/", {"q": QUESTION}, **served).content.decode()
    assert links(html, "a.sa-page__button") == ["/portal/prices/#water"]
    unsure = APIClient().get("/help/search/", {"q": UNANSWERED}, **served).content.decode()
    handoff = links(unsure, "a.sa-page__handoff")
    assert handoff and all(link.startswith("/portal/contact/?message=") for link in handoff)

    # A page with the widget, as the server's handler serves it (the thread's prefix set).
    with served_under("/portal/"):
        widget = APIClient().get("/prices/", **served).content.decode()
        root = LexborHTMLParser(widget).css_first(".site-assistant").attributes
        assert root["data-search-url"] == "/portal/help/api/search/"
        assert root["data-contact-url"] == "/portal/contact/"

        # The owner's links to what a visitor got: the passages' list and "Try a question".
        passages = admin_client.get("/admin/site_assistant/passage/", **served)
        assert "/portal/prices/#water" in links(passages.content.decode(), "td a[target]")
        tried = admin_client.get(
            "/admin/site_assistant/question/try/", {"q": QUESTION}, **served
        ).content.decode()
        assert "/portal/prices/#water" in links(tried, "#try-verdict a")


# --- what cannot work says so ---------------------------------------------------------


@pytest.mark.usefixtures("portal")
def test_sitemaps_under_a_prefix_the_build_does_not_know_fail_saying_every_page_is_a_404(
    settings,
):
    """A sitemap whose locations carry a prefix the build does not read the site under
    (only the server adds it): "no passages found: … (no page rendered any text)", the
    cause only in an INFO log. The one line says every page answered 404 and what to set,
    and setting it builds."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": ["/prefixed-sitemap.xml"]}
    with pytest.raises(CommandError) as failed:
        rebuild()
    message = str(failed.value)
    assert message.startswith("Build #") and " failed: every page answered 404: " in message
    assert "/portal/prices/, /portal/contact/, so no index is made - " in message, message
    assert (
        "they all start with /portal, which the site serves them without: a site under "
        "a path prefix sets FORCE_SCRIPT_NAME = '/portal' for its builds too" in message
    )
    assert "\n" not in message and "no page rendered any text" not in message

    settings.FORCE_SCRIPT_NAME = "/portal"
    with served_under("/portal/"):
        assert "succeeded" in rebuild()


def test_a_row_whose_page_is_a_404_is_not_said_to_be_private(caplog):
    """A registered row on a page that answered 404 was "not open to an anonymous visitor
    (leave such rows out with filter=…)": it is public, there is no such page."""
    row = Document(url="/faq/#refunds", html="<p>Refunds</p>", source="model", origin="a.Faq:1")
    with caplog.at_level(logging.WARNING, logger="site_assistant.sources"):
        assert rows_to_read([row], {}, {"/faq/": "status 404"}) == []
    said = caplog.text
    assert "a.Faq: 1 row(s) not indexed, their page answered 404: no such page" in said
    assert "anonymous" not in said and "filter" not in said
