"""Sources: which URLs are read, how they are rendered, what is never indexed."""

import pytest

from site_assistant import register
from site_assistant.sources import collect_all, models, pages, sitemaps, templates

from . import testsite as testsite_module

pytestmark = pytest.mark.django_db


def test_urls_come_from_every_sitemap_minus_the_admin(testsite):
    urls = pages.page_urls()
    assert urls[:2] == ["/alpha/", "/beta/"]
    assert "/admin/" not in urls


def test_sitemaps_are_requested_from_the_site_and_indexes_followed(testsite, settings, caplog):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "SITEMAPS": ["/hand/index.xml", "/hand/broken.xml", "/hand/bomb.xml", "/hand/page.html"]
        + ["/hand/missing.xml"],
    }
    testsite.PAGES["/gamma/"] = (
        "Gamma",
        "<h1>Gamma</h1><p>Gamma is only in a gzipped sitemap.</p>",
    )
    assert pages.page_urls() == ["/alpha/", "/beta/?lang=en", "/gamma/"]
    for skipped in ("broken.xml", "bomb.xml", "page.html", "missing.xml skipped: status 404"):
        assert f"/hand/{skipped}" in caplog.text, skipped
    assert "EntitiesForbidden" in caplog.text or "DTDForbidden" in caplog.text
    assert "2 location(s) at https://elsewhere.example, not this site" in caplog.text
    assert "1 location(s) at ftp://" in caplog.text
    # The pages are then read like any other.
    documents = {d.url for d in collect_all().documents}
    assert {"/alpha/", "/beta/?lang=en", "/gamma/"} <= documents


@pytest.mark.parametrize(
    "location, allowed, path",
    [
        ("https://LOCALHOST:8443/a/?b=1", ["*"], "/a/?b=1"),
        ("http://www.example.com/x/", ["localhost", ".example.com"], "/x/"),
        ("http://www.example.com/x/", ["*"], None),
        ("https://example.org/x/", ["localhost"], None),
        ("javascript:alert(1)", ["*"], None),
        ("/relative/", ["*"], "/relative/"),
        ("relative/", ["*"], None),
    ],
)
def test_only_locations_on_this_site_count(location, allowed, path):
    assert sitemaps.on_host(location, "localhost", allowed) == path


def test_no_sitemaps_when_the_setting_says_so(testsite, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": False, "URLS": ["/beta/"]}
    assert pages.page_urls() == ["/beta/"]


def test_settings_add_and_exclude_urls(testsite, settings):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "URLS": ["/gamma/"],
        "EXCLUDE_URLS": [r"^/beta/"],
    }
    testsite.PAGES["/gamma/"] = ("Gamma", "<h1>Gamma</h1><p>Gamma is only listed in settings.</p>")
    urls = pages.page_urls()
    assert "/gamma/" in urls and "/beta/" not in urls


def test_only_public_html_pages_are_collected(testsite, settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "URLS": ["/vault/"]}
    rendered = {p.url: p for p in pages.collect()}
    # A private page's password form (200) is a wall, not content, even where listed.
    assert rendered["/vault/"].skipped == "asks for a password"
    assert rendered["/alpha/"].document is not None
    assert rendered["/hidden/"].skipped == "noindex"
    assert rendered["/members/"].skipped == "status 302"  # a redirect to the login page
    assert rendered["/data.json"].skipped.startswith("not HTML")
    assert rendered["/boom/"].skipped.startswith("status 500")
    assert "/admin/" not in rendered
    collected = collect_all()
    assert sorted(d.url for d in collected.documents) == ["/alpha/", "/beta/"]


def test_pages_are_rendered_as_an_anonymous_visitor(testsite, admin_client):
    # Even with a logged-in admin around, the collector has its own client.
    page = pages.render("/alpha/")
    assert page.status == 200 and "rose-gold teapots" in page.document.html


@pytest.mark.parametrize("variant", sorted(testsite_module.ROBOTS))
def test_pages_asking_robots_not_to_index_them_are_skipped(testsite, settings, variant):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "URLS": [f"/robots/{variant}/"]}
    skipped = testsite.ROBOTS[variant][2]
    page = next(p for p in pages.collect() if p.url == f"/robots/{variant}/")
    assert page.status == 200
    if skipped:
        assert page.skipped == "noindex" and page.document is None
        assert f"/robots/{variant}/" not in {d.url for d in collect_all().documents}
    else:
        assert page.document is not None and f"with {variant}" in page.document.html


def test_templates_of_the_real_site_are_matched_and_linked_to_their_pages():
    files = [str(p) for p in templates.template_files()]
    assert any(f.endswith("templates/pages/terms.html") for f in files)
    assert not any(f.endswith("templates/base.html") for f in files)
    rendered = pages.collect()
    used = {t: p.url for p in rendered if p.document for t in p.templates}
    terms_template = next(f for f in files if f.endswith("pages/terms.html"))
    assert used[terms_template] == "/terms/"


def test_registered_models_give_documents_without_drafts(testsite):
    from django.contrib.auth.models import Group

    Group.objects.create(name="Published group about pink ribbons")
    Group.objects.create(name="draft: secret group")
    register(
        Group,
        fields=["name"],
        url=lambda g: f"/groups/{g.pk}/",
        filter=lambda qs: qs.exclude(name__startswith="draft"),
    )
    try:
        documents = models.collect()
        assert [d.title for d in documents] == ["Published group about pink ribbons"]
        assert documents[0].source == "model" and documents[0].url.startswith("/groups/")
    finally:
        models.unregister(Group)


def register_groups(*named_links):
    """Each (name, link) a Group row, Group registered with that link as each row's url."""
    from django.contrib.auth.models import Group

    links = {Group.objects.create(name=name).pk: link for name, link in named_links}
    register(Group, fields=["name"], url=lambda g: links[g.pk])


def test_a_registered_row_is_read_as_a_visitor_opens_its_page(testsite, caplog):
    """A host shop registers its Tea model for the rebuild on save, and its tea pages
    are in its sitemap too: every tea answered twice, the page and then the row
    (its "Read more" a text fragment of the same page). A row whose page sends an
    anonymous visitor to a login (a filter that let a members-only row through),
    or under the admin, was indexed all the same, from the database."""
    import logging

    from django.contrib.auth.models import Group

    from site_assistant import services
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    register_groups(
        ("Alpha teapots: rose-gold teapots for quiet mornings", "/alpha/"),
        ("Members only: the loyalty code PELICAN gives fifteen percent off", "/members/"),
        ("Members tip: the vault code ZEBRAFISH opens the back room", "/members/#tip"),
        ("Staff note: the wholesale margin NARWHAL is seventy percent", "/admin/notes/"),
        ("Kettle descaling: boil vinegar and water once a month", "/alpha/#descaling"),
        # Linked to a page read that does not say it (a Wagtail snippet, a notice): kept.
        ("Gift wrapping: every order ships in a pink box at no charge", "/alpha/"),
    )
    caplog.set_level(logging.INFO, logger="site_assistant.sources")
    try:
        rows = [d.url for d in collect_all().documents if d.source == "model"]
        # A section of a page read, and a row its page does not say: not the page itself.
        assert rows == ["/alpha/#descaling", "/alpha/"]
        assert "auth.Group: 2 row(s) not indexed, their page is not open" in caplog.text
        assert "/members/ (status 302)" in caplog.text
        assert "auth.Group: 1 row(s) read from their rendered page" in caplog.text
        assert run_build(IndexBuild.objects.create()).status == "succeeded"
        found = services.answer("rose-gold teapots", k=5)
        # What /alpha/ says, not the row's words in its place (or beside it, on the
        # host, where the page's section had another link than the row's).
        teapots = [hit.text for hit in found.results if "rose-gold teapots" in hit.text]
        assert len(teapots) == 1 and "The alpha page talks" in teapots[0], teapots
        gift = services.answer("is gift wrapping free", k=5).answer
        assert gift and "pink box" in gift.text and gift.url == "/alpha/", gift
        for secret in ("loyalty code", "vault code", "wholesale margin"):
            answer = services.answer(f"what is the {secret}", k=5)
            assert not any(hit.url.startswith(("/members/", "/admin/")) for hit in answer.results)
    finally:
        models.unregister(Group)


def test_a_registered_row_whose_page_failed_is_left_out_and_one_never_read_is_said(
    testsite, caplog
):
    """A row whose page failed to render (a 500) was indexed from the database all the
    same, its "Read more" the error page. It is left out with a warning naming its URL.
    A row whose page no sitemap lists is read from the database, and the build says so."""
    import logging

    from django.contrib.auth.models import Group

    from site_assistant import services
    from site_assistant.build import run_build
    from site_assistant.models import IndexBuild

    register_groups(
        ("Broken page note: the repair voucher OSPREY gives a free kettle", "/boom/"),
        ("Unlisted note: the tasting room opens on Sundays at noon", "/tasting/"),
    )
    caplog.set_level(logging.INFO, logger="site_assistant.sources")
    try:
        rows = [d.url for d in collect_all().documents if d.source == "model"]
        assert rows == ["/tasting/"]
        failed = [r for r in caplog.records if "failed to render" in r.getMessage()]
        assert failed and failed[0].levelno == logging.WARNING
        assert "auth.Group: 1 row(s) not indexed, their page failed to render" in caplog.text
        assert "/boom/ (status 500 (RuntimeError: this view is broken))" in caplog.text
        assert (
            "auth.Group: 1 row(s) read from the database, their page is not one this build "
            "read (not in the sitemaps or URLS: nothing checked that a visitor can open it): "
            "/tasting/"
        ) in caplog.text
        assert run_build(IndexBuild.objects.create()).status == "succeeded"
        answer = services.answer("what does the repair voucher give", k=5)
        assert not any(hit.url.startswith("/boom/") for hit in answer.results), answer.results
        sundays = services.answer("when does the tasting room open", k=5).answer
        assert sundays and sundays.url == "/tasting/", sundays
    finally:
        models.unregister(Group)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//elsewhere.example/",
        "https://elsewhere.example/",
        "/\\elsewhere.example/",
        "/\t/elsewhere.example/",
        "groups/1/",
    ],
)
def test_a_registered_row_whose_url_is_not_a_page_of_the_site_is_not_indexed(testsite, url, caplog):
    """A row's URL becomes the answer's "Read more" href as it is (the API's ``url``, the
    widget's and the search page's link): ``javascript:`` ran a script in the visitor's
    page on a click, and another site's address sent visitors there."""
    from django.contrib.auth.models import Group

    Group.objects.create(name=url)
    Group.objects.create(name="/groups/7/#pink-ribbons")
    Group.objects.create(name="https://testserver/groups/8/")
    register(Group, fields=["name"], url=lambda g: g.name)
    try:
        documents = models.collect()
    finally:
        models.unregister(Group)
    # A URL on the site's own host is indexed as its path, as the site's pages are
    # (kept whole, "testserver" was a site of its own that had only this row).
    assert [d.url for d in documents] == ["/groups/7/#pink-ribbons", "/groups/8/"]
    assert "is not a page of this site" in caplog.text


def test_watchers_hear_of_models_registered_before_they_watch_and_after(monkeypatch):
    """How site_assistant.apps connects the save/delete signals without the registry importing them."""
    from django.contrib.auth.models import Group, Permission

    monkeypatch.setattr(models, "_watchers", [])
    heard = []

    def on_register(model):
        heard.append(("register", model))

    def on_unregister(model):
        heard.append(("unregister", model))

    register(Group, fields=["name"])
    try:
        models.watch(on_register, on_unregister)
        assert heard == [("register", Group)]
        register(Permission, fields=["name"])
        models.unregister(Permission)
        assert heard[1:] == [("register", Permission), ("unregister", Permission)]
        models.watch(on_register, on_unregister)  # watching twice is watching once
        register(Permission, fields=["name"])
        assert heard.count(("register", Permission)) == 2
    finally:
        models.unregister(Group)
        models.unregister(Permission)


def test_the_app_connects_a_registered_models_signals_when_ready():
    from django.contrib.auth.models import Group
    from django.db.models.signals import post_save

    from site_assistant import signals

    assert (signals.connect, signals.disconnect) in models._watchers
    register(Group, fields=["name"])
    try:
        assert post_save.has_listeners(Group)
    finally:
        models.unregister(Group)
    assert not post_save.has_listeners(Group)


def test_a_registered_field_named_html_is_read_as_html_and_text_fields_keep_paragraphs(
    testsite, caplog
):
    # An article's body from a rich-text editor, and a plain text field with two paragraphs.
    from django.contrib.auth.models import User

    from site_assistant.extract import extract_all

    User.objects.create(
        username="Moving to a new server",
        first_name="<p>Copy the <code>.env</code> file.</p><h3>Steps</h3><ol><li>Stop the stack</li></ol>",
        last_name="Keep the secret key\n\nPoint the DNS record at it",
    )
    try:
        register(User, fields=["username", "first_name"], url=lambda u: f"/kb/{u.pk}/")
        with caplog.at_level("WARNING", logger="site_assistant.sources.models"):
            text = " ".join(p.text for p in extract_all(models.collect()))
        assert "<p>" in text and "auth.User.first_name holds HTML tags" in caplog.text

        register(
            User,
            fields=["username", "first_name", "last_name"],
            url=lambda u: f"/kb/{u.pk}/",
            html=["first_name"],
        )
        passages = extract_all(models.collect())
        by_heading = {p.heading_text: p.text for p in passages}
        assert by_heading == {
            "Moving to a new server": "Moving to a new server. Copy the .env file.",
            "Moving to a new server › Steps": (
                "Steps. Stop the stack. Keep the secret key. Point the DNS record at it."
            ),
        }
        with pytest.raises(ValueError, match="html names fields not in fields: body"):
            register(User, fields=["username"], html=["body"])
    finally:
        models.unregister(User)


@pytest.mark.django_db
def test_pages_in_another_language_than_the_indexs_are_not_read_and_counted(
    bilingual_site, settings
):
    """A bilingual site's sitemap lists /en/ and /de/ pages: an English index reads the
    English ones; the German ones would be matched by chance (measured: docs/install.md)."""
    collected = collect_all()
    assert [d.url for d in collected.documents] == ["/en/prices/"]
    assert collected.skipped == {"/de/prices/": "in another language (de) than the index's (en)"}
    assert collected.other_language == 1

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LANGUAGE": "de"}
    collected = collect_all()
    assert [d.url for d in collected.documents] == ["/de/prices/"]
    assert collected.other_language == 1

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SKIP_OTHER_LANGUAGE_PAGES": False}
    assert sorted(d.url for d in collect_all().documents) == ["/de/prices/", "/en/prices/"]
    assert collect_all().other_language == 0


@pytest.mark.django_db
def test_a_registered_row_on_a_page_in_another_language_is_not_read_either(bilingual_site):
    """A German shop's rows (their get_absolute_url a /de/ page) were indexed from the
    database while every page of the site was left out for its language: the English
    index was built from the rows alone, German words matched by chance."""
    from django.contrib.auth.models import Group

    links = {}
    for name, link in [
        ("Preise: eine Reparatur kostet zehn Euro", "/de/prices/"),
        ("Preise für Gruppen", "/de/prices/#gruppen"),
        ("Prices for groups: ten percent off", "/en/prices/#groups"),
    ]:
        links[Group.objects.create(name=name).pk] = link
    register(Group, fields=["name"], url=lambda g: links[g.pk])
    try:
        rows = [d.url for d in collect_all().documents if d.source == "model"]
    finally:
        models.unregister(Group)
    assert rows == ["/en/prices/#groups"]


@pytest.mark.django_db
def test_a_registered_rows_url_is_the_index_languages_whichever_language_the_build_ran_in(
    faq_site, settings
):
    """A FAQ entry's ``get_absolute_url`` under i18n_patterns: a build set off by a German
    editor's save (no broker: in their request) linked it as /de/faq/1/, one by an
    English editor as /en/faq/1/, one in a worker in the language of the last page it
    rendered; the index is English, and withdrawing it must find what it holds."""
    from django.contrib.auth.models import Group
    from django.utils import translation

    from tests.site_assistant import faq_site as site

    entry = Group.objects.create(name="Is there a grant for solar panels? Yes, a third.")
    register(Group, fields=["name"], url=site.faq_url, filter=site.PUBLISHED)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": False}
    try:
        for language in ("de", "en"):
            with translation.override(language):
                rows = [d.url for d in collect_all().documents if d.source == "model"]
                assert rows == [f"/en/faq/{entry.pk}/"], language
                assert translation.get_language() == language  # and the request's own after
        # Its pages read from the sitemap, the German last: the rows are still English.
        settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "USE_SITEMAPS": True}
        with translation.override("de"):
            collected = collect_all()
            assert translation.get_language() == "de"
    finally:
        models.unregister(Group)
    assert [d.url for d in collected.documents] == [f"/en/faq/{entry.pk}/"]


@pytest.mark.django_db
def test_a_page_without_a_language_or_in_a_regional_variant_is_read(testsite, settings):
    from site_assistant.extract import parse

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LANGUAGE": "en-GB"}
    assert pages.other_language(parse("<html><body><main>x</main></body></html>")) == ""
    assert pages.other_language(parse('<html lang="en-US"></html>')) == ""
    assert pages.other_language(parse('<html lang="sl"></html>')) == "sl"


@pytest.mark.django_db
def test_the_language_of_a_pages_content_is_the_nearest_lang_above_it(testsite):
    """A German page whose template keeps the site's ``<html lang="en">`` says its language
    on its content; an English page of a German layout likewise (CONTENT_SELECTOR "main")."""
    from site_assistant.extract import parse

    german = '<html lang="en"><body><div lang="de-AT"><main><h1>Preise</h1></main></div>'
    assert pages.other_language(parse(german)) == "de"
    assert pages.other_language(parse('<html lang="de"><body><main lang="en">x</main>')) == ""
    # lang="" is "unknown": read.
    assert pages.other_language(parse('<html lang="de"><body><main lang="">x</main>')) == ""


def test_a_row_shown_as_a_section_of_a_page_links_to_that_section_as_it_is(testsite):
    # An article whose get_absolute_url is "/docs/#<slug>", with a rich-text body
    # that has a heading of its own: every passage links to "/docs/#install", never
    # "/docs/#install#:~:text=…" (a second "#": the browser finds no such id).
    from django.contrib.auth.models import User

    from site_assistant.extract import extract_all

    User.objects.create(
        username="Install",
        first_name=(
            "<p>Install the agent with pip; it needs 200 MB of disk.</p>"
            "<h3>On Windows</h3><p>Run the MSI installer as an administrator.</p>"
        ),
    )
    try:
        register(
            User,
            fields=["username", "first_name"],
            url=lambda u: f"/docs/#{u.username.lower()}",
            html=["first_name"],
        )
        passages = extract_all(models.collect())
        assert [p.heading_text for p in passages] == ["Install", "Install › On Windows"]
        assert {p.url + (f"#{p.anchor}" if p.anchor else "") for p in passages} == {
            "/docs/#install"
        }
    finally:
        models.unregister(User)


def test_a_relation_named_in_fields_reads_as_its_rows_names(testsite):
    # register(Article, fields=["title", "tags"]): a many-to-many is a manager,
    # which Django makes callable; called, it raised TypeError and failed the build.
    from django.contrib.auth.models import Group, Permission

    from site_assistant.extract import extract_all

    group = Group.objects.create(name="Editors")
    group.permissions.add(*Permission.objects.filter(codename__in=["add_group", "view_group"]))
    try:
        register(Group, fields=["name", "permissions"], url=lambda g: f"/alpha/#group-{g.pk}")
        [passage] = extract_all(models.collect())
        # Each row as str() gives it ("Authentication and Authorization | group | …").
        assert passage.text.startswith("Editors. ")
        assert passage.text.endswith("| Can add group, " + str(group.permissions.last()) + ".")
    finally:
        models.unregister(Group)


def test_a_foreign_key_named_in_fields_is_read_with_one_query_for_all_rows(testsite):
    """register(Article, fields=["title", "author"]): each row's author was a query
    of its own at every build (only relations to many rows were fetched together)."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ContentType.objects.clear_cache()
    try:
        register(
            Permission,
            fields=["name", "content_type"],
            url=lambda p: f"/alpha/#permission-{p.pk}",
            filter={"content_type__app_label": "auth"},
        )
        with CaptureQueriesContext(connection) as queries:
            documents = models.collect()
        assert len(documents) == Permission.objects.filter(content_type__app_label="auth").count()
        assert any("Authentication and Authorization | group" in d.html for d in documents)
        table = f'FROM "{ContentType._meta.db_table}"'
        reads = [q["sql"] for q in queries.captured_queries if table in q["sql"]]
        assert len(reads) <= 1, reads
        # The key's own value by its column's name: read as it is, nothing to fetch.
        register(Permission, fields=["name", "content_type_id"], url=lambda p: "/alpha/")
        assert models.collect()
    finally:
        models.unregister(Permission)


def test_a_relation_named_in_fields_is_read_with_one_query_for_all_rows(testsite):
    from django.contrib.auth.models import Group, Permission
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name in ("Editors", "Writers", "Readers"):
        group = Group.objects.create(name=name)
        group.permissions.add(*Permission.objects.filter(codename__in=["add_group", "view_group"]))
    try:
        register(Group, fields=["name", "permissions"], url=lambda g: f"/alpha/#group-{g.pk}")
        with CaptureQueriesContext(connection) as queries:
            documents = models.collect()
        assert len(documents) == 3
        through = Group.permissions.through._meta.db_table
        # One query for every group's permissions, where each group asked its own.
        assert sum(through in q["sql"] for q in queries.captured_queries) == 1
        # A filter that prefetches on its own: iterator() without chunk_size refused it.
        register(
            Group,
            fields=["name"],
            url=lambda g: f"/alpha/#group-{g.pk}",
            filter=lambda qs: qs.prefetch_related("permissions"),
        )
        assert len(models.collect()) == 3
    finally:
        models.unregister(Group)
