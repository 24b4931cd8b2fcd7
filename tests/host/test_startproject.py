"""The wheel in a brand-new `django-admin startproject` site, set up by docs/install.md's steps.

The project's virtualenv holds the wheel, not this repository: it cannot
import ``bambicim`` (nor the repository's copy of the app), so the app must
need nothing from the site it was written for. The project sets no DRF
throttle rates and has no drf-spectacular in INSTALLED_APPS.
"""

import json
import textwrap
import urllib.parse

import pytest
from selectolax.lexbor import LexborHTMLParser

import site_assistant as app_package

from .conftest import Server, first_build, run

APP = app_package.__name__
PREFIX = "/assistant/"
# The app's last migration when its label changed from `search` (0.1.0).
RENAMED_AT = "0008_trainingrun_cancelled"

pytestmark = [pytest.mark.host, pytest.mark.slow]

PAGES = {
    "tea": (
        "Tea room",
        """<h1>The tea room</h1><p>Our tea room serves rose and hibiscus blends all day.</p>
        <h2 id="opening-hours">Opening hours</h2>
        <p>The tea room is open from nine in the morning to six in the evening, every day except Monday.</p>
        <h2 id="menu">Menu</h2><p>Scones with clotted cream, lemon cake and a pot of tea for two.</p>""",
    ),
    "bikes": (
        "Bike repairs",
        """<h1>Bike repairs</h1><p>We fix punctures, brakes and gears while you wait.</p>
        <h2 id="prices">Prices</h2><p>A puncture repair costs eight euros; a full service costs forty euros.</p>""",
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory, request):
    base = tmp_path_factory.mktemp("startproject")
    venv, python, env = request.getfixturevalue("fresh_venv")
    site = base / "site"
    site.mkdir()
    run([python, "-m", "django", "startproject", "throwaway", site], base, env)
    pkg = site / "throwaway"
    (site / "templates" / "pages").mkdir(parents=True)
    # docs/install.md, step 4: the widget tag in the base template.
    (site / "templates" / "base.html").write_text(
        f"{{% load {APP} %}}<!doctype html><html><head><title>{{% block title %}}{{% endblock %}}"
        "</title></head><body><header>Throwaway site</header>"
        "<main>{% block content %}{% endblock %}</main>{% search_widget %}</body></html>"
    )
    for slug, (title, body) in PAGES.items():
        (site / "templates" / "pages" / f"{slug}.html").write_text(
            '{% extends "base.html" %}'
            f"{{% block title %}}{title}{{% endblock %}}{{% block content %}}{body}{{% endblock %}}"
        )
    (pkg / "views.py").write_text(
        textwrap.dedent("""
        from django.contrib.admin.views.decorators import staff_member_required
        from django.contrib.auth.decorators import login_required
        from django.http import HttpResponse
        from django.shortcuts import render

        def page(request, slug):
            return render(request, f"pages/{slug}.html")

        @staff_member_required
        def margins(request):
            return HttpResponse("<main><h1>Margins</h1><p>Our secret tea margin is 73 percent.</p></main>")

        @login_required
        def members(request):
            return HttpResponse("<main><h1>Members</h1><p>The members' discount code is PELICAN.</p></main>")
    """)
    )
    (pkg / "sitemaps.py").write_text(
        textwrap.dedent("""
        from django.contrib.sitemaps import Sitemap
        from django.urls import reverse

        class Pages(Sitemap):
            def items(self):
                # A staff-only and a login-only page listed by mistake, as a hasty sitemap does.
                return ["tea", "bikes", "margins", "members"]

            def location(self, item):
                if item in ("margins", "members"):
                    return reverse(item)
                return reverse("page", args=[item])
    """)
    )
    # docs/install.md, step 2: INSTALLED_APPS and the settings (with the branding keys).
    with open(pkg / "settings.py", "a") as f:
        f.write(
            textwrap.dedent(f"""
            INSTALLED_APPS += [
                "django.contrib.sitemaps",
                # The sites framework, which many projects have: its Site "example.com"
                # (as migrate makes it) is the host of every location of the sitemap.
                "django.contrib.sites",
                "rest_framework",
                {APP!r},
            ]
            SITE_ID = 1
            TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates"]
            {APP.upper()} = {{
                "INDEX_DIR": {str(base / "index")!r},
                "WIDGET_TITLE": "Ask the tea room",
                "WIDGET_GREETING": "Hello! Ask about tea or bikes.",
                "SUGGESTED_QUESTIONS": ["When is the tea room open?"],
                "CONTACT_URL": "mailto:hello@example.com",
            }}
        """)
        )
    # docs/install.md, step 3: one include(), under a prefix of the project's choice.
    (pkg / "urls.py").write_text(
        textwrap.dedent(f"""
        from django.contrib import admin
        from django.contrib.sitemaps.views import sitemap
        from django.urls import include, path

        from .sitemaps import Pages
        from .views import margins, members, page

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("pages/<slug:slug>/", page, name="page"),
            path("staff/margins/", margins, name="margins"),
            path("members/", members, name="members"),
            path("sitemap.xml", sitemap, {{"sitemaps": {{"pages": Pages}}}}),
            path("assistant/", include("{APP}.urls")),
        ]
    """)
    )
    # docs/install.md, step 5: migrate, then the first build.
    run([python, "manage.py", "migrate", "-v0"], site, env)
    return site, python, env


@pytest.fixture(scope="module")
def built(project):
    site, python, env = project
    return first_build(site, python, env, site.parent / "index").stdout


@pytest.fixture(scope="module")
def server(project, built):
    site, python, env = project
    server = Server(python, site, env)
    yield server
    server.stop()


def test_the_project_runs_the_wheel_not_the_repository(project):
    site, python, env = project
    result = run([python, "-c", f"import {APP}; print({APP}.__file__)"], site, env)
    assert "/venv/lib/" in result.stdout and "site-packages" in result.stdout, result.stdout
    no_site = run([python, "-c", "import bambicim"], site, env, check=False)
    assert no_site.returncode != 0 and "No module named 'bambicim'" in no_site.stderr
    run([python, "manage.py", "check", "--fail-level", "WARNING"], site, env)


def test_the_first_build_indexes_the_two_pages(project, built):
    """The sitemap's locations are on the sites framework's "example.com", not the render
    host: they were all ignored ("no passages found"), and the warning's advice, setting
    RENDER_HOST to example.com, made every page a 400 (ALLOWED_HOSTS). The staff-only and
    login-only pages it lists are not read."""
    assert "succeeded" in built and "2 pages" in built, built
    site, python, env = project
    stats = run([python, "manage.py", "search_stats"], site, env)
    assert "Tables: 2 pages" in stats.stdout


def test_without_a_broker_a_content_change_rebuilds_in_process(project, built):
    """No Celery app, no broker: an example question saved rebuilds at once (eagerly)."""
    site, python, env = project
    script = (
        f"from {APP}.models import ExampleQuestion, IndexBuild\n"
        "ExampleQuestion.objects.create(question='Is there cake?', url='/pages/tea/#menu')\n"
        "print('latest build:', IndexBuild.objects.latest('pk').status)\n"
    )
    result = run([python, "manage.py", "shell", "-c", script], site, env, timeout=180)
    assert "latest build: succeeded" in result.stdout, result.stdout + result.stderr


def test_the_admins_home_leads_to_the_apps_dashboard(project, built):
    """The project's admin is Django's own, untouched: its home lists "Dashboard" under the
    app, which opens the app's page with the overview."""
    site, python, env = project
    script = textwrap.dedent("""
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()
        owner = get_user_model().objects.create_superuser("dash-owner", "o@example.com", "pw")
        client = Client()
        client.force_login(owner)
        print(client.get("/admin/").content.decode())
        page = client.get("/admin/APP/dashboard/", follow=True)
        print("LANDED", page.redirect_chain[-1][0])
        print(page.content.decode())
    """).replace("APP", APP)
    result = run([python, "manage.py", "shell", "-c", script], site, env, timeout=180)
    home, _, landed = result.stdout.partition("LANDED ")
    link = LexborHTMLParser(home).css_first(f'#content-main a[href="/admin/{APP}/dashboard/"]')
    assert link is not None and link.text() == "Dashboard", home
    assert landed.startswith(f"/admin/{APP}/\n"), landed[:200]
    assert 'id="search-dashboard"' in landed


def test_a_question_through_the_api_gets_the_right_section(server):
    query = urllib.parse.urlencode({"q": "When is the tea room open?"})
    status, _, body = server.get(f"{PREFIX}api/search/?{query}")
    assert status == 200, body
    answer = json.loads(body)["answer"]
    assert (answer["url"], answer["anchor"]) == ("/pages/tea/", "opening-hours"), body


def test_the_widget_on_a_page_uses_the_prefix_and_the_owners_words(server):
    status, _, html = server.get("/pages/bikes/")
    assert status == 200
    root = LexborHTMLParser(html).css_first(".site-assistant")
    assert root.attributes["data-search-url"] == f"{PREFIX}api/search/"
    assert root.attributes["data-page-url"] == f"{PREFIX}search/"
    assert root.attributes["data-contact-url"] == "mailto:hello@example.com"
    assert "Ask the tea room" in root.text() and "Hello! Ask about tea or bikes." in root.text()
    assert root.css_first(".site-assistant__suggestion") is not None
    for asset in (f"/static/{APP}/widget.js", f"/static/{APP}/widget.css"):
        assert server.get(asset)[0] == 200, asset


def test_the_search_page_is_styled_by_its_own_stylesheet_in_the_minimal_base(server):
    status, headers, html = server.get(f"{PREFIX}search/?q=How+much+is+a+puncture+repair%3F")
    assert status == 200
    assert headers["X-Robots-Tag"] == "noindex"
    tree = LexborHTMLParser(html)
    assert tree.css_first(f'link[href="/static/{APP}/page.css"]') is not None
    assert 'href="/pages/bikes/#prices"' in html
    assert server.get(f"/static/{APP}/page.css")[0] == 200


def test_a_staff_only_and_a_login_only_page_are_never_answered_from(server):
    for question, secret in [
        ("What is your tea margin?", "73 percent"),
        ("What is the members' discount code?", "PELICAN"),
    ]:
        status, _, body = server.get(
            f"{PREFIX}api/search/?{urllib.parse.urlencode({'q': question})}"
        )
        assert status == 200 and secret not in body, body
        hits = json.loads(body)["results"]
        assert not any(h["url"].startswith(("/staff/", "/members/")) for h in hits), body


def test_without_drf_spectacular_the_api_docs_are_absent_not_broken(server):
    for path in ("api/schema/", "api/docs/"):
        status, _, _ = server.get(PREFIX + path)
        assert status == 404, path


def test_without_project_rates_the_api_is_throttled_by_the_apps_defaults(server):
    """60 questions a minute for one anonymous client (SITE_ASSISTANT["THROTTLE_RATES"])."""
    codes = []
    for i in range(62):
        status, headers, _ = server.get(f"{PREFIX}api/search/?q=tea+{i}")
        codes.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) > 0
            break
    # The earlier tests asked a few questions in the same minute.
    assert codes[-1] == 429 and 50 <= len(codes) <= 61, codes


def test_the_documented_upgrade_renames_every_table_of_an_old_database(project, built, tmp_path):
    """docs/install.md, "Upgrading from the `search` app label": its SQL, run on a database
    made as the app made it when its label was `search`, then `migrate`, gives this
    version's schema."""
    import re
    import shutil
    import sqlite3

    from .conftest import ROOT

    site, python, env = project
    if APP == "search":
        pytest.skip("the app still has the label the upgrade starts from")
    docs = (ROOT / "docs" / "install.md").read_text()
    section = docs.split("## Upgrading from the `search` app label", 1)[1]
    sql = re.search(r"```sql\n(.*?)```", section, re.S).group(1)

    def schema(db):
        with sqlite3.connect(db) as con:
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            migrations = sorted(con.execute("SELECT app, name FROM django_migrations"))
            types = sorted(con.execute("SELECT app_label, model FROM django_content_type"))
        return tables, migrations, types

    # A copy of the project, its app's migrations taken back to where the label changed
    # (tables added since did not exist then).
    old_site = tmp_path / "site"
    shutil.copytree(site, old_site, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    run([python, "manage.py", "migrate", APP, RENAMED_AT, "-v0"], old_site, env)
    old = old_site / "db.sqlite3"
    with sqlite3.connect(old) as con:  # the database as the `search` label left it
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            if table.startswith(f"{APP}_"):
                con.execute(f'ALTER TABLE "{table}" RENAME TO "search_{table[len(APP) + 1 :]}"')
        con.execute("UPDATE django_migrations SET app = 'search' WHERE app = ?", (APP,))
        con.execute(
            "UPDATE django_content_type SET app_label = 'search' WHERE app_label = ?", (APP,)
        )
    assert schema(old) != schema(site / "db.sqlite3")
    with sqlite3.connect(old) as con:
        con.executescript(sql)
    run([python, "manage.py", "migrate", "-v0"], old_site, env)
    assert schema(old) == schema(site / "db.sqlite3")


def test_the_wheels_translations_give_a_german_page_the_widget_in_german(project):
    """The compiled catalogues are in the wheel and found by Django: under German, the app's
    own words are German; the owner's words (WIDGET_TITLE…) stay as written."""
    site, python, env = project
    script = textwrap.dedent("""
        import json
        from django.template import engines
        from django.test import RequestFactory
        from django.utils import translation

        template = engines["django"].from_string("{% load site_assistant %}{% search_widget %}")
        with translation.override("de"):
            print(template.render({}, RequestFactory().get("/")))
    """)
    result = run([python, "manage.py", "shell", "-c", script], site, env, timeout=180)
    tree = LexborHTMLParser(result.stdout)
    assert tree.css_first(".site-assistant label").text() == "Ihre Frage", result.stdout
    assert "Ask the tea room" in tree.css_first(".site-assistant__title").text()
    words = json.loads(tree.css_first("script[data-site-assistant-words]").text())
    assert words["readMore"] == "Weiterlesen" and words["language"] == "de"
