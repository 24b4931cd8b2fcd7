"""The wheel in a real Wagtail project made by `wagtail start`, set up by docs/install.md's steps.

The project keeps everything `wagtail start` made, its own top-level
``search`` app included; a few pages are created in its database, its
sitemap is Wagtail's (wagtail.contrib.sitemaps) and the widget goes into its
base template.
"""

import json
import re
import textwrap
import urllib.parse

import pytest
from selectolax.lexbor import LexborHTMLParser

import site_assistant as app_package

from ..conftest import share_model_export
from .conftest import Server, first_build, run

APP = app_package.__name__
PREFIX = "/assistant/"

pytestmark = [pytest.mark.host, pytest.mark.slow]

ARTICLES = [
    (
        "tea",
        "Tea room",
        "<p>Our tea room serves rose and hibiscus blends all day.</p>"
        '<h2 id="opening-hours">Opening hours</h2>'
        "<p>The tea room is open from nine in the morning to six in the evening, "
        "every day except Monday.</p>"
        '<h2 id="menu">Menu</h2><p>Scones with clotted cream, lemon cake and a pot of tea.</p>',
    ),
    (
        "bikes",
        "Bike repairs",
        "<p>We fix punctures, brakes and gears while you wait.</p>"
        '<h2 id="prices">Prices</h2><p>A puncture repair costs eight euros; '
        "a full service costs forty euros.</p>",
    ),
    (
        "draft",
        "Secret plans",
        "<p>The unpublished plan for a moon-shaped bakery on the harbour.</p>",
    ),
]

ARTICLE_MODEL = """

from wagtail.fields import RichTextField


class ArticlePage(Page):
    body = RichTextField(blank=True)
    content_panels = Page.content_panels + ["body"]
"""

# A snippet of the site's own, registered with the assistant, linking to a page
# with Wagtail's page.url (a full URL once the project has two sites).
NOTICE_MODEL = """

from wagtail.snippets.models import register_snippet


@register_snippet
class Notice(models.Model):
    text = models.CharField(max_length=200)
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")

    def get_absolute_url(self):
        return self.page.url
"""

HOME_APPS = """from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "home"

    def ready(self):
        import site_assistant

        from .models import Notice

        site_assistant.register(Notice, fields=["text"])
"""

ARTICLE_TEMPLATE = """{% extends "base.html" %}{% load wagtailcore_tags %}
{% block content %}<main><h1>{{ page.title }}</h1>{{ page.body|richtext }}</main>{% endblock %}
"""

CREATE_PAGES = """
from home.models import ArticlePage, HomePage

home = HomePage.objects.get(depth=2)
for slug, title, body in {articles!r}:
    page = home.add_child(instance=ArticlePage(title=title, slug=slug, body=body, live=False))
    revision = page.save_revision()
    if slug != "draft":
        revision.publish()
print("pages:", ArticlePage.objects.live().count(), "live of", ArticlePage.objects.count())

# A second site, as an agency hosts several clients in one project, each with its
# own notice (a snippet).
from home.models import Notice
from wagtail.models import Page, Site

shop = Site.objects.get(is_default_site=True)
shop.site_name = "Tea Shop"
shop.save()
beta = Page.objects.get(depth=1).add_child(instance=ArticlePage(
    title="Beta Bikes", slug="beta", body="<p>Beta Bikes sells tandems.</p>", live=False
))
beta.save_revision().publish()
Site.objects.create(hostname="beta.localhost", port=80, root_page=beta, site_name="Beta Bikes")
hire = beta.add_child(instance=ArticlePage(
    title="Hire", slug="hire", live=False,
    body="<h2>Tandems</h2><p>We hire out tandems for thirty euros a day.</p>",
))
hire.save_revision().publish()
Notice.objects.create(text="Tandem hire includes two helmets and a lock.", page=hire)
tea = ArticlePage.objects.get(slug="tea")
Notice.objects.create(text="The tea room closes at noon on Christmas Eve.", page=tea)
print("notices link to:", sorted(n.get_absolute_url() for n in Notice.objects.all()))
"""


def shadowed(site):
    """Before the app had its own import name, `wagtail start`'s `search` app shadowed it."""
    return (site / APP / "__init__.py").exists()


def early_setup(base, venv):
    """`wagtail start`, docs/install.md's steps 2-4 and the migrations (Wagtail's take
    20-40 s): nothing here needs the model, so the session runs it in the background
    while the other projects' tests run (tests/host/conftest.py, ``started_early``)."""
    _, python, env = venv
    site = base / "site"
    site.mkdir()
    run(
        [python, "-c", "from wagtail.bin.wagtail import main; main()", "start", "mysite", site],
        base,
        env,
    )
    if shadowed(site):
        return site
    # The site's own content: an article page type, as a real Wagtail site has.
    with open(site / "home" / "models.py", "a") as f:
        f.write(ARTICLE_MODEL + NOTICE_MODEL)
    (site / "home" / "apps.py").write_text(HOME_APPS)
    (site / "home" / "templates" / "home" / "article_page.html").write_text(ARTICLE_TEMPLATE)
    # docs/install.md, step 2: INSTALLED_APPS and the settings.
    with open(site / "mysite" / "settings" / "base.py", "a") as f:
        f.write(
            textwrap.dedent(f"""
            INSTALLED_APPS += [
                "wagtail.contrib.sitemaps",
                "django.contrib.sitemaps",
                "rest_framework",
                {APP!r},
            ]
            {APP.upper()} = {{
                "INDEX_DIR": {str(base / "index")!r},
                # Wagtail's pages are found from its sitemap (below); this page is named
                # here as well, so the build has it even where the sitemap is not read.
                "URLS": ["/tea/"],
                "WIDGET_TITLE": "Ask the shop",
                # docs/install.md, "Several Wagtail sites": the second site's own words.
                "PER_SITE": {{"beta.localhost": {{"WIDGET_TITLE": "Ask Beta Bikes"}}}},
            }}
        """)
        )
    # docs/install.md, step 3: the app's URLs before Wagtail's catch-all, plus Wagtail's sitemap.
    urls = (site / "mysite" / "urls.py").read_text()
    urls = urls.replace(
        'path("search/", search_views.search, name="search"),',
        'path("search/", search_views.search, name="search"),\n'
        f'    path("assistant/", include("{APP}.urls")),\n'
        '    path("sitemap.xml", wagtail_sitemap),',
    )
    urls = "from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap\n" + urls
    (site / "mysite" / "urls.py").write_text(urls)
    # docs/install.md, step 4: the widget tag in the project's base template.
    base_html = site / "mysite" / "templates" / "base.html"
    base_html.write_text(
        base_html.read_text()
        .replace("{% load static", f"{{% load {APP} static", 1)
        .replace("{% block extra_js %}", "{% search_widget %}\n        {% block extra_js %}", 1)
    )
    run([python, "manage.py", "makemigrations", "home", "-v0"], site, env)
    run([python, "manage.py", "migrate", "-v0"], site, env, timeout=600)
    return site


@pytest.fixture(scope="module")
def project(started_early, fresh_venv):
    _, python, env = fresh_venv
    site = started_early(__name__)
    if shadowed(site):
        pytest.xfail(f"the project's own {APP!r} package shadows the app's import name")
    # Publishing the pages below builds at once (no broker): with the session's export.
    share_model_export(site.parent / "index")
    # In one transaction, as a script that imports a site's content runs: its commit
    # builds once, not once for each of the ten pages and snippets saved.
    script = "from django.db import transaction\nwith transaction.atomic():\n" + textwrap.indent(
        CREATE_PAGES.format(articles=ARTICLES), "    "
    )
    created = run([python, "manage.py", "shell", "-c", script], site, env)
    assert "pages: 2 live of 3" in created.stdout, created.stdout
    assert (
        "notices link to: ['http://beta.localhost/hire/', 'http://localhost/tea/']"
        in created.stdout
    ), created.stdout
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


def ask(server, question, host=None):
    status, _, body = server.get(
        f"{PREFIX}api/search/?" + urllib.parse.urlencode({"q": question}),
        {"Host": f"{host}:{server.port}"} if host else None,
    )
    assert status == 200, body
    return json.loads(body)


def test_the_project_keeps_its_own_search_app_beside_the_assistant(server):
    # Django's system checks (runserver's, as `manage.py check`'s) find no issue.
    assert server.checked_clean(), server.log_path.read_text()
    # Wagtail's own search page still answers at /search/ ...
    status, _, html = server.get("/search/?query=tea")
    assert status == 200 and "Tea room" in html
    # ... and the assistant's under its prefix.
    status, _, html = server.get(f"{PREFIX}search/")
    assert status == 200 and LexborHTMLParser(html).css_first(".sa-page form") is not None


def test_the_first_build_succeeds_and_answers_with_the_right_page(built, server):
    assert "succeeded" in built, built
    answer = ask(server, "When is the tea room open?")["answer"]
    assert answer and answer["url"] == "/tea/", answer


def test_a_draft_page_is_never_indexed(server):
    results = ask(server, "moon-shaped bakery on the harbour")["results"]
    assert all(hit["url"] != "/draft/" for hit in results)
    assert server.get("/draft/")[0] == 404


def test_the_widget_is_in_the_wagtail_base_template(server):
    status, _, html = server.get("/tea/")
    assert status == 200
    root = LexborHTMLParser(html).css_first(".site-assistant")
    assert root is not None and "Ask the shop" in root.text()
    assert root.attributes["data-search-url"] == f"{PREFIX}api/search/"


def test_pages_only_in_wagtails_sitemap_are_indexed(server):
    status, _, xml = server.get("/sitemap.xml")
    assert status == 200 and "/bikes/" in xml
    answer = ask(server, "How much does a puncture repair cost?")["answer"]
    assert answer and answer["url"] == "/bikes/", answer


def test_two_sites_each_answer_from_their_own_pages_and_snippets_in_their_own_words(server):
    """An agency's two Wagtail sites in one project: each visitor is answered from
    their own site's pages and snippets (a snippet links by page.url, a full URL),
    and sees their own site's widget title."""
    tea = ask(server, "When does the tea room close on Christmas Eve?", host="localhost")
    assert tea["answer"] and tea["answer"]["url"] == "/tea/", tea
    # The default site's pages still answer its visitors (its snippet's full URL
    # made "localhost" a site of its own that had only the snippet).
    opening = ask(server, "When is the tea room open?", host="localhost")["answer"]
    assert opening and opening["url"] == "/tea/" and "nine" in opening["text"], opening
    helmets = ask(server, "Does tandem hire include helmets?", host="beta.localhost")
    assert helmets["answer"] and helmets["answer"]["url"] == "/hire/", helmets
    assert "helmets" in helmets["answer"]["text"]
    assert all("tea" not in hit["url"] for hit in helmets["results"])
    assert ask(server, "Does tandem hire include helmets?", host="localhost")["answer"] is None
    for host, title in (("localhost", "Ask the shop"), ("beta.localhost", "Ask Beta Bikes")):
        status, _, html = server.get("/", {"Host": f"{host}:{server.port}"})
        assert status == 200
        bubble = LexborHTMLParser(html).css_first(".site-assistant__bubble")
        assert title in bubble.text(), (host, bubble.text())


SITE_NAMES = """
import json
from django.contrib.auth.models import User
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
agency = User.objects.create_superuser("agency", "agency@example.com", "secret")
client = Client()
client.force_login(agency)
from selectolax.lexbor import LexborHTMLParser
questions = LexborHTMLParser(client.get("/django-admin/{app}/question/").content.decode())
tried = LexborHTMLParser(
    client.get("/django-admin/{app}/question/try/", {{"q": "tandem helmets", "site": "beta.localhost"}}).content.decode()
)
from {app}.models import Question
beta = Question.objects.filter(site="beta.localhost").latest("pk")
fix = LexborHTMLParser(client.get(f"/django-admin/{app}/question/{{beta.pk}}/fix/").content.decode())
panel = LexborHTMLParser(client.get("/admin/").content.decode())
print(json.dumps({{
    "filter": [a.text() for a in questions.css("#changelist-filter a") if "site=" in a.attributes["href"]],
    "column": sorted({{td.text() for td in questions.css("td.field-site_display")}}),
    "try": [(o.text(), "selected" in o.attributes) for o in tried.css("#try-site option")],
    "fix": " ".join(fix.css_first(".search-admin__fix-context").text().split()),
    "panel": [
        [row.css_first("th").text(), row.css_first("th a").attributes["href"]]
        for row in panel.css("tr.sa-week-site")
    ],
}}))
"""


def test_the_owner_sees_each_sites_questions_under_its_name(project, server):
    """The Questions list, Try a question, Fix this answer and Wagtail's dashboard name
    the sites as Wagtail does ("Beta Bikes"), not by hostname alone ("beta.localhost",
    "default")."""
    site, python, env = project
    ask(server, "Does tandem hire include helmets?", host="beta.localhost")
    ask(server, "When is the tea room open?", host="localhost")
    out = run([python, "manage.py", "shell", "-c", SITE_NAMES.format(app=APP)], site, env).stdout
    seen = json.loads(out.splitlines()[-1])
    assert seen["filter"] == ["Tea Shop (the default site)", "Beta Bikes (beta.localhost)"]
    assert seen["column"] == ["Beta Bikes", "Tea Shop"]
    assert seen["try"] == [
        ["Tea Shop (the default site)", False],
        ["Beta Bikes (beta.localhost)", True],
    ]
    # Fix this answer says where it was asked by the same name.
    assert "(API, on Beta Bikes (beta.localhost))." in seen["fix"], seen["fix"]
    # Wagtail's dashboard tells the week's questions of each site apart, each linked to
    # the Questions list filtered to that site.
    assert seen["panel"] == [
        ["Tea Shop (the default site)", f"/django-admin/{APP}/question/?site="],
        ["Beta Bikes (beta.localhost)", f"/django-admin/{APP}/question/?site=beta.localhost"],
    ]


WAGTAIL_ADMIN = """
import json
import re
from django.contrib.auth.models import Group, User
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
owner = User.objects.create_superuser("owner", "owner@example.com", "secret")
editor = User.objects.create_user("editor", "editor@example.com", "secret")
editor.groups.add(Group.objects.get(name="Editors"))  # made by `wagtail start`: not staff
for user in (owner, editor):
    client = Client()
    client.force_login(user)
    home = client.get("/admin/")
    html = home.content.decode()
    print(json.dumps({{
        "user": user.username,
        "status": home.status_code,
        "panel": 'id="site-assistant-section"' in html,
        "serving": re.findall(r'id="sa-serving">([^<]*)<', html),
        "week": re.findall(r'id="sa-week">([^<]*)<', html),
        # the sidebar's menu: JSON in a script element, drawn by Wagtail's JavaScript
        "menu": '"Site assistant"' in re.search(
            r'id="wagtail-sidebar-props"[^>]*>(.*?)</script>', html, re.S
        )[1],
        "links": [a for a in ("{overview}", "?attention=unanswered") if a in html],
    }}))
    if user is owner:
        overview = client.get("{overview}")
        print(json.dumps({{"overview": overview.status_code,
                          "dashboard": 'id="search-dashboard"' in overview.content.decode()}}))
"""


def test_wagtails_admin_leads_the_owner_to_the_assistant(project, server):
    """An owner signing in to Wagtail's admin finds "Site assistant" in its sidebar and
    a panel of the assistant's figures on its dashboard, linked to the app's overview
    in Django's admin (`wagtail start` mounts it at /django-admin/); an editor who is
    not staff, and could not open it, sees neither."""
    site, python, env = project
    ask(server, "When is the tea room open?")
    overview = f"/django-admin/{APP}/"
    out = run(
        [python, "manage.py", "shell", "-c", WAGTAIL_ADMIN.format(overview=overview)], site, env
    ).stdout
    owner, owner_overview, editor = [
        json.loads(line) for line in out.splitlines() if line[:1] == "{"
    ]
    week = owner.pop("week")
    assert owner == {
        "user": "owner",
        "status": 200,
        "panel": True,
        "menu": True,
        "serving": ["10 passages, built "],  # both sites, and their notices
        "links": [overview, "?attention=unanswered"],
    }, owner
    asked = re.fullmatch(r"(\d+) asked, (\d+)% answered", week[0])
    assert asked and int(asked[1]) >= 1, week
    assert owner_overview == {"overview": 200, "dashboard": True}
    assert editor == {
        "user": "editor",
        "status": 200,
        "panel": False,
        "menu": False,
        "serving": [],
        "week": [],
        "links": [],
    }
