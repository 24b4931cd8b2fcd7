"""A real Wagtail site: its pages come from the sitemap Wagtail serves, and its
editors' changes (publish, unpublish, privacy, move, delete) rebuild the index
at once (site_assistant.wagtail_signals).

Each test runs a script in a subprocess with the Wagtail site's settings
(tests/site_assistant/wagtailsite/): this process runs with the host site's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_python, wagtail_site_dir

pytest.importorskip("wagtail")

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from wagtail.models import Page, Site
home = Site.objects.get(is_default_site=True).root_page
about = home.add_child(instance=Page(title="About us", slug="about"))
about.add_child(instance=Page(title="Our team", slug="team"))
home.add_child(instance=Page(title="Unpublished plans", slug="plans", live=False))
from site_assistant.sources import pages
print(json.dumps(pages.page_urls()))
"""


def run_in_wagtail_site(script, site_dir=None, settings="settings") -> list:
    """What ``script`` prints, a JSON value a line, run in the Wagtail site.

    ``site_dir``: a folder for the site's database and index (else in memory and nowhere,
    and the script runs all of Wagtail's migrations: 10-17 s at load 4; a new folder gets
    a database already migrated, ``wagtail_site_dir``);
    ``settings``: the site's settings module ("admin_settings": with Wagtail's admin).
    """
    env = {
        "DJANGO_SETTINGS_MODULE": f"tests.site_assistant.wagtailsite.{settings}",
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    if site_dir is not None:
        env["WAGTAILSITE_DIR"] = str(site_dir)
        if not (Path(site_dir) / "db.sqlite3").exists():
            wagtail_site_dir(site_dir, settings)
    out = run_python(script, env)
    return [json.loads(line) for line in out.splitlines() if line[:1] in "[{"]


def test_pages_come_from_wagtails_own_sitemap(tmp_path):
    assert run_in_wagtail_site(SCRIPT, tmp_path)[-1] == ["/", "/about/", "/about/team/"]


# Each editor's action, then what the live index holds: one line of JSON a step.
EDITS = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from django.test import override_settings
from wagtail.models import PageViewRestriction, Site
from site_assistant import index, services, withdrawn
from site_assistant.models import IndexBuild
from tests.site_assistant.wagtailsite.models import ArticlePage

home = Site.objects.get(is_default_site=True).root_page


def article(slug, title, text, parent=home):
    # Created live, as a fixture or an import would: no page_published signal.
    return parent.add_child(instance=ArticlePage(title=title, slug=slug, body=f"<p>{text}</p>"))


tea = article("tea", "Tea room", "The tea room is open from nine in the morning to six.")
plans = article("plans", "Harbour plans", "We will open a moon-shaped bakery on the harbour.")
pay = article("pay", "Staff pay", "Every baker earns thirty euros an hour plus tips.")
prices = article("prices", "Prices", "A scone with clotted cream costs two euros.")
recipes = article("recipes", "Recipes", "Our secret lavender shortbread recipe uses sea salt.")
history = article("history", "History", "The shop was founded by two sisters in a lighthouse.")
news = article("news", "News", "The bakery won a prize for its rye bread this spring.")
offers = article("offers", "Offers", "Gift cards for the bakery come in fifty euro steps.")


QUESTIONS = {
    "scone": "How much does a scone cost?",
    "baker": "How much does a baker earn?",
    "recipe": "What goes in the lavender shortbread?",
    "harbour": "Where will the new bakery open?",
    "tea": "When does the tea room open?",
}


def step(name):
    live = index.load_current()
    text = {}
    for passage in live.passages:
        text[passage["url"]] = text.get(passage["url"], "") + " " + passage["text"]
    builds = IndexBuild.objects.filter(trigger="content")
    found = {key: services.answer(question) for key, question in QUESTIONS.items()}
    print(json.dumps({
        "step": name,
        "text": text,
        "content_builds": [b.status for b in builds.order_by("pk")],
        "answers": {key: getattr(f.answer, "url", None) for key, f in found.items()},
        "result_urls": sorted({hit.url for f in found.values() for hit in f.results}),
        "withdrawn": sorted(withdrawn.paths(live.content_read)),
    }), flush=True)


call_command("search_rebuild", "--sync", verbosity=0)
step("built")

plans.unpublish()
step("unpublished")

restriction = PageViewRestriction.objects.create(
    page=pay, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
)
step("password")

prices.body = "<p>A scone with clotted cream costs three euros.</p>"
prices.save_revision().publish()
step("published")

tea.body = "<p>A draft nobody has published: the tea room closes for good.</p>"
tea.save_revision()
step("draft saved")

recipes.move(pay, pos="last-child")  # under the password: private too
step("moved")

history.delete()
step("deleted")

tea.refresh_from_db()
tea.move(home, pos="first-child")  # reordered: no URL changed
step("reordered")

plans.refresh_from_db()  # the reorder moved the siblings' tree paths
prices.refresh_from_db()

with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "WAGTAIL_REBUILD": False}):
    plans.save_revision().publish()
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}):
    prices.body = "<p>A scone with clotted cream costs four euros.</p>"
    prices.save_revision().publish()
step("published with rebuilds off")

restriction.delete()
step("restriction removed")

# No build runs now (as with a broker whose worker is down): each page the
# editors take from visitors leaves the answers at once all the same.
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}):
    prices.refresh_from_db()
    prices.unpublish()
    PageViewRestriction.objects.create(
        page=pay, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    plans.refresh_from_db()
    plans.move(news, pos="last-child")
    tea.refresh_from_db()
    tea.delete()
    offers.refresh_from_db()
    offers.slug = "gift-cards"
    offers.save_revision().publish()
    step("withdrawn, no build yet")
call_command("search_rebuild", "--sync", verbosity=0)
step("rebuilt")
"""


@pytest.fixture(scope="module")
def steps(tmp_path_factory):
    lines = run_in_wagtail_site(EDITS, tmp_path_factory.mktemp("wagtailsite"))
    return {line["step"]: line for line in lines}


# (step, phrases the index holds after it, phrases it no longer holds, content builds by then)
CHANGES = [
    ("built", ["moon-shaped", "thirty euros", "two euros", "lavender", "lighthouse"], [], 0),
    ("unpublished", ["thirty euros"], ["moon-shaped"], 1),
    ("password", ["two euros"], ["thirty euros"], 2),
    ("published", ["three euros"], ["two euros"], 3),
    ("draft saved", ["open from nine"], ["closes for good"], 3),
    ("moved", ["three euros"], ["lavender"], 4),
    ("deleted", ["three euros"], ["lighthouse"], 5),
    ("reordered", ["open from nine"], [], 5),
    ("published with rebuilds off", ["three euros"], ["moon-shaped", "four euros"], 5),
    ("restriction removed", ["thirty euros", "lavender", "moon-shaped", "four euros"], [], 6),
    ("withdrawn, no build yet", ["thirty euros", "lavender", "moon-shaped", "four euros"], [], 6),
]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "holds", "lacks", "builds"), CHANGES, ids=[c[0] for c in CHANGES])
def test_each_editors_change_reaches_the_index_at_once(steps, step, holds, lacks, builds):
    """Without a broker each change's build ran before the editor's call returned.

    Publishing, unpublishing, a password, a move under a private page, a deletion
    and removing the password each made one build; a draft, a reorder and a publish
    with WAGTAIL_REBUILD or AUTO_REBUILD off made none (the next build has them).
    """
    text = " ".join(steps[step]["text"].values())
    assert [phrase for phrase in holds if phrase not in text] == []
    assert [phrase for phrase in lacks if phrase in text] == []
    assert steps[step]["content_builds"] == ["succeeded"] * builds


@pytest.mark.slow
def test_the_model_answers_from_what_is_public_now(steps):
    assert steps["built"]["answers"] == {
        "scone": "/prices/",
        "baker": "/pay/",
        "recipe": "/recipes/",
        "harbour": "/plans/",
        "tea": "/tea/",
    }
    assert steps["password"]["answers"]["baker"] != "/pay/"
    assert steps["restriction removed"]["answers"]["baker"] == "/pay/"
    assert steps["restriction removed"]["text"]["/pay/recipes/"].strip().startswith("Recipes.")


@pytest.mark.slow
def test_with_no_build_a_withdrawn_page_is_not_answered_from(steps):
    """Unpublished, given a password (with the page below it), moved away,
    deleted and given another slug while no build ran: the index still holds
    their text, yet no answer or result links to them (site_assistant.withdrawn)."""
    before, now = steps["restriction removed"], steps["withdrawn, no build yet"]
    assert before["answers"] == {
        "scone": "/prices/",
        "baker": "/pay/",
        "recipe": "/pay/recipes/",
        "harbour": "/plans/",
        "tea": "/tea/",
    }
    assert now["content_builds"] == before["content_builds"]  # no build ran
    gone = ["/prices/", "/pay/", "/pay/recipes/", "/plans/", "/tea/", "/offers/"]
    assert "/offers/" in before["text"]
    assert sorted(now["withdrawn"]) == ["/offers/", "/pay/", "/plans/", "/prices/", "/tea/"]
    assert [url for url in now["result_urls"] if url in gone] == []
    assert [key for key, url in now["answers"].items() if url in gone] == []
    assert "/news/" in now["result_urls"]  # what is public still answers

    # The next build reads the site as it is now, and serves the moved page again.
    rebuilt = steps["rebuilt"]
    assert rebuilt["withdrawn"] == []
    assert rebuilt["answers"]["harbour"] == "/news/plans/"
    assert "fifty euro" in rebuilt["text"]["/gift-cards/"]
    assert [url for url in rebuilt["result_urls"] if url in gone] == []


# Two Wagtail sites in one project, each with a /services/ page of its own; the
# default site's hostname is not in ALLOWED_HOSTS' list ("*"), as in `wagtail start`'s dev settings.
SITES = """
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
call_command("migrate", verbosity=0)
from wagtail.models import Page, Site
from site_assistant import services
from site_assistant.sources import pages
from tests.site_assistant.wagtailsite.models import ArticlePage

override_settings(ALLOWED_HOSTS=["*"]).enable()
alpha = Site.objects.get(is_default_site=True)
alpha.hostname = "alpha.localhost"
alpha.save()
alpha.root_page.add_child(instance=ArticlePage(
    title="Services", slug="services",
    body="<p>We design logos.</p><h2>Prices</h2><p>A logo costs nine hundred euros.</p>",
))
beta_home = Page.objects.get(depth=1).add_child(instance=Page(title="Beta Gardens", slug="beta"))
Site.objects.create(hostname="beta.localhost", port=8000, root_page=beta_home, site_name="Beta")
beta_home.add_child(instance=ArticlePage(
    title="Services", slug="services",
    body="<p>We plant gardens.</p><h2>Prices</h2><p>A garden design costs six hundred euros.</p>",
))
beta_home.add_child(instance=ArticlePage(
    title="Hedges", slug="hedges", body="<p>We trim hedges for twenty euros a metre.</p>",
))
# A snippet of each site linking to a page of its own site with Wagtail's
# page.url, a full URL once there are two sites.
import site_assistant
from django.contrib.auth.models import Group
services_of = {
    site: ArticlePage.objects.get(slug="services", path__startswith=root.path).pk
    for site, root in (("alpha", alpha.root_page), ("beta", beta_home))
}
site_assistant.register(
    Group,
    fields=["name"],
    url=lambda g: Page.objects.get(pk=services_of[g.name.split(":")[0]]).url,
    filter={"name__contains": ":"},
)
Group.objects.create(name="alpha: our logo designers draw every sketch by hand")
Group.objects.create(name="beta: our gardeners also work on Saturdays")
print(json.dumps({"render_host": pages.render_host(), "urls": pages.page_urls()}))
for host in ("beta.localhost:8000", "beta.localhost"):
    print(json.dumps({"host": host, "sitemap": Client().get("/sitemap.xml", HTTP_HOST=host).content.decode()}))
call_command("search_rebuild", "--sync", verbosity=0)

QUESTIONS = [
    "How much is a logo?",
    "How much does a garden design cost?",
    "Do you trim hedges?",
    "Do your gardeners work on Saturdays?",
]


def asked(label):
    for host in ("alpha.localhost", "beta.localhost:8000", "unknown.localhost"):
        with CaptureQueriesContext(connection) as queries:
            found = [services.answer(q, k=5, host=host) for q in QUESTIONS]
        print(json.dumps({
            "label": label,
            "host": host,
            "answers": [f.answer.link.partition("#")[0] if f.answer else None for f in found],
            "results": sorted({hit.url for f in found for hit in f.results}),
            "site_queries": sum("wagtailcore_site" in q["sql"] for q in queries.captured_queries),
        }))


asked("own site")
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "CROSS_SITE_ANSWERS": True}):
    asked("across sites")
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}):
    ArticlePage.objects.get(slug="services", path__startswith=beta_home.path).unpublish()
    # Beta's snippet deleted: its page on beta's host is withdrawn, not alpha's /services/.
    Group.objects.get(name__startswith="beta:").delete()
    asked("beta's services unpublished, no build yet")
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "WAGTAIL_SITES": False}):
    print(json.dumps({"default site only": pages.page_urls()}))

# The owner asks as a visitor of either site (search_ask; the admin's Try a question
# offers the same choice: test_admin.py).
from io import StringIO
asked_as = {}
for host in ("", "beta.localhost"):
    out = StringIO()
    call_command("search_ask", QUESTIONS[2], host=host, stdout=out)
    asked_as[host] = out.getvalue()
print(json.dumps({"asked_as": asked_as, "other_sites": services.other_sites()}))

# The questions log keeps which site each question was asked on, and the admin's
# links and "Fix this answer" sections follow it.
from site_assistant import questions, sections
from site_assistant.models import Question
from site_assistant.signals import question_answered
sent = []
question_answered.connect(lambda sender, **kw: sent.append(kw["site"]), weak=False)
logged = {}
for host in ("alpha.localhost", "beta.localhost:8000"):
    _, row = questions.ask("Do you trim hedges?", host=host, channel="widget")
    closest = sections.closest(row.text, site=row.site)
    logged[host] = {
        "site": row.site, "top_url": row.top_url,
        "closest": closest[0]["link"],
        "closest_found": (services.section(closest[0]["link"]) or {}).get("text", ""),
    }
print(json.dumps({"logged": logged, "sent": sent}))

# Beta moves to another port and is rebuilt: its questions stay one site's, and the
# admin links the one asked before on the address beta has now.
before = Question.objects.get(text="Do you trim hedges?", site="beta.localhost")
beta_site = Site.objects.get(hostname="beta.localhost")
beta_site.port = 8001
beta_site.save()
call_command("search_rebuild", "--sync", verbosity=0)
_, after = questions.ask("Do you trim hedges?", host="beta.localhost:8001", channel="widget")
print(json.dumps({"port changed": {
    "sites": [before.site, after.site],
    "link": services.site_link(before.top_url, before.site),
    "closest": sections.closest(before.text, site=before.site)[0]["link"],
}}))

# Beta's /hedges/ moved into alpha's tree, no build yet: beta's visitors must
# not be sent to /hedges/, which beta no longer serves.
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}):
    ArticlePage.objects.get(slug="hedges").move(alpha.root_page, pos="last-child")
    found = services.answer(QUESTIONS[2], k=5, host="beta.localhost:8001")
    print(json.dumps({"moved to alpha": {
        "answer": found.answer.link if found.answer else None,
        "results": [hit.url for hit in found.results],
    }}))

# A third site added in Wagtail's Sites settings over pages already published:
# its visitors were answered from the default site's pages until the next build.
gamma_home = Page.objects.get(depth=1).add_child(instance=ArticlePage(
    title="Gamma Bakes", slug="gamma", body="<p>Gamma bakes sourdough loaves every night.</p>",
))
Site.objects.create(hostname="gamma.localhost", port=8000, root_page=gamma_home, site_name="Gamma")
found = services.answer("When do you bake sourdough?", k=5, host="gamma.localhost:8000")
print(json.dumps({"site added": {
    "answer": found.answer.link if found.answer else None,
    "results": [hit.url for hit in found.results],
}}))
"""


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    return run_in_wagtail_site(SITES, tmp_path_factory.mktemp("wagtailsites"))


def test_every_wagtail_sites_pages_are_read_on_its_own_host(two_sites):
    """The default site's pages by their paths, rendered with its hostname (ALLOWED_HOSTS
    is "*": its first entry names no host); another site's by its host."""
    found = two_sites[0]
    assert found["render_host"] == "alpha.localhost"
    assert found["urls"] == [
        "/",
        "/services/",
        "//beta.localhost:8000/",
        "//beta.localhost:8000/services/",
        "//beta.localhost:8000/hedges/",
    ]
    # Wagtail's sitemap, asked on beta's host, lists beta's pages only.
    sitemap = two_sites[1]["sitemap"]
    assert "http://beta.localhost:8000/hedges/" in sitemap and "alpha" not in sitemap
    assert next(a for a in two_sites if "default site only" in a) == {
        "default site only": ["/", "/services/"]
    }


@pytest.mark.slow
def test_a_visitor_is_answered_from_the_site_they_are_on(two_sites):
    asked = {(a["label"], a["host"]): a for a in two_sites if "label" in a}
    alpha, beta = asked["own site", "alpha.localhost"], asked["own site", "beta.localhost:8000"]
    # Each site's own /services/ page: by path, on the visitor's own host.
    assert alpha["answers"][0] == "/services/" and beta["answers"][1] == "/services/"
    assert beta["answers"][2] == "/hedges/"
    assert alpha["answers"][2] is None  # alpha does not trim hedges
    # Each site's snippet, linked by page.url (a full URL), answers on its own site
    # only; alpha's was indexed as "http://alpha.localhost/services/", which made
    # "alpha.localhost" a site of its own that had only the snippet, and beta's
    # was left out as "not a page of this site".
    assert beta["answers"][3] == "/services/" and alpha["answers"][3] is None
    assert [url for url in alpha["results"] + beta["results"] if "//" in url] == []
    assert "/hedges/" not in alpha["results"]
    # A host no site has is the default site, as Wagtail serves it.
    assert asked["own site", "unknown.localhost"] == {**alpha, "host": "unknown.localhost"}
    # CROSS_SITE_ANSWERS: the other site's page by its full address.
    across = asked["across sites", "alpha.localhost"]
    assert across["answers"][2] == "//beta.localhost:8000/hedges/"
    assert "/services/" in across["results"]
    assert asked["across sites", "beta.localhost:8000"]["answers"][1] == "/services/"
    # The answer path asks the database nothing about sites: the default site's
    # host is read once for the live version (3 hosts x 3 questions asked).
    across_sites = [a["site_queries"] for (label, _), a in asked.items() if label == "across sites"]
    assert sum(across_sites) <= 1, across_sites
    assert sum(a["site_queries"] for a in asked.values()) <= 1


@pytest.mark.slow
def test_the_owner_asks_as_a_visitor_of_either_site(two_sites):
    said = next(a for a in two_sites if "asked_as" in a)
    assert said["other_sites"] == ["beta.localhost"]
    first = {
        host: out.split("\n1. ", 1)[1].splitlines()[0] for host, out in said["asked_as"].items()
    }
    assert "/hedges/" in first["beta.localhost"] and "/hedges/" not in first[""]
    assert "No passage reaches the minimum score" in said["asked_as"][""]


@pytest.mark.slow
def test_the_questions_log_keeps_the_site_each_question_was_asked_on(two_sites):
    """Beta's visitor got beta's /hedges/ as a path: the log keeps the site's
    address, so the admin links to beta's page (not the default site's
    /hedges/, which does not exist) and "Fix this answer" offers beta's sections."""
    said = next(a for a in two_sites if "logged" in a)
    alpha, beta = said["logged"]["alpha.localhost"], said["logged"]["beta.localhost:8000"]
    assert alpha["site"] == ""
    assert not alpha["closest"].startswith("//")
    assert beta["site"] == "beta.localhost"
    assert beta["top_url"].startswith("/hedges/")
    assert beta["closest"].startswith("//beta.localhost:8000/hedges/")
    assert "trim hedges" in beta["closest_found"]
    assert said["sent"] == ["", "beta.localhost"]


@pytest.mark.slow
def test_a_site_moved_to_another_port_keeps_its_questions_and_their_links_follow(two_sites):
    """The log kept "beta.localhost:8000": once beta served on 8001, its questions
    were two sites in the admin's filter, and the old ones linked to port 8000."""
    moved = next(a for a in two_sites if "port changed" in a)["port changed"]
    assert moved["sites"] == ["beta.localhost", "beta.localhost"]
    assert moved["link"] == "//beta.localhost:8001/hedges/"
    assert moved["closest"].startswith("//beta.localhost:8001/hedges/")


@pytest.mark.slow
def test_a_page_moved_to_another_site_leaves_the_first_sites_answers_at_once(two_sites):
    """Its old URL is on the other site's host, which the tree paths do not tell."""
    moved = next(a for a in two_sites if "moved to alpha" in a)["moved to alpha"]
    assert moved["answer"] is None
    assert "/hedges/" not in moved["results"]


@pytest.mark.slow
def test_a_site_added_in_wagtail_is_answered_from_its_own_pages(two_sites):
    """Adding a Site (or changing one's hostname or root page) rebuilds, as
    publishing does: its pages were published before it had a hostname."""
    added = next(a for a in two_sites if "site added" in a)["site added"]
    assert added["answer"] == "/"
    assert [url for url in added["results"] if url != "/"] == []


@pytest.mark.slow
def test_a_page_withdrawn_on_one_site_stays_on_the_other(two_sites):
    """Beta's /services/ unpublished, no build since: beta's visitors lose it at
    once, alpha's keep their own /services/ (site_assistant.withdrawn by host)."""
    asked = {(a["label"], a["host"]): a for a in two_sites if "label" in a}
    label = "beta's services unpublished, no build yet"
    assert asked[label, "alpha.localhost"] == {
        **asked["own site", "alpha.localhost"],
        "label": label,
    }
    beta = asked[label, "beta.localhost:8000"]
    assert "/services/" not in beta["results"] and beta["answers"][1] != "/services/"
    assert beta["answers"][2] == "/hedges/"


# Rows of a registered model and items of a SOURCES function on a Wagtail
# project without RENDER_HOST: each link is checked against the default site's
# hostname, which is a query of Wagtail's sites.
ROWS = """
import json
import django
django.setup()
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
call_command("migrate", verbosity=0)
import site_assistant
from site_assistant.sources import custom, models

Group.objects.bulk_create([Group(name=f"Team {n}") for n in range(5)])
site_assistant.register(
    Group, fields=["name"], url=lambda g: f"/teams/#team-{g.pk}", filter={"name__startswith": "Team "}
)
with CaptureQueriesContext(connection) as rows:
    documents = models.collect()


def faq():
    return [{"url": f"/faq/#q{n}", "text": f"Answer {n}."} for n in range(5)]


with override_settings(SITE_ASSISTANT={"SOURCES": ["__main__.faq"]}):
    with CaptureQueriesContext(connection) as items:
        found = custom.collect()
site_queries = lambda q: sum("wagtailcore_site" in x["sql"] for x in q.captured_queries)
print(json.dumps({"rows": [len(documents), site_queries(rows)], "items": [len(found), site_queries(items)]}))

# django-taggit's tags in fields: read with one query for every row, not one a row.
from tests.site_assistant.wagtailsite.models import Recipe
for n in range(6):
    Recipe.objects.create(title=f"Soup {n}").tags.add("vegan", f"season {n}")
site_assistant.register(Recipe, fields=["title", "tags"], url=lambda r: f"/recipes/#r{r.pk}")
with CaptureQueriesContext(connection) as tagged:
    recipes = models.collect()
print(json.dumps({
    "recipes": sorted(d.html for d in recipes if d.url.startswith("/recipes/"))[:1],
    "tag_queries": sum("taggit_tag" in x["sql"] for x in tagged.captured_queries),
}))
"""


def test_the_render_host_and_tags_are_read_once_for_all_rows(tmp_path):
    found = run_in_wagtail_site(ROWS, tmp_path)
    assert found[-2] == {"rows": [5, 1], "items": [5, 1]}
    # Six tagged rows: their tags in one query (were six).
    assert found[-1]["tag_queries"] == 1
    assert "vegan" in found[-1]["recipes"][0] and "season 0" in found[-1]["recipes"][0]


# A snippet shown on a page: the editor changes it in Wagtail's snippets.
SNIPPETS = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Group
from wagtail.snippets.models import register_snippet
register_snippet(Group)  # after the apps are ready, as a wagtail_hooks module does
from wagtail.models import Site
from site_assistant import index
from site_assistant.models import IndexBuild, Question
from tests.site_assistant.wagtailsite.models import ArticlePage, Recipe

root = Site.objects.get(is_default_site=True).root_page
root.add_child(instance=ArticlePage(title="Menu", slug="menu", body="<p>Soups of the week.</p>"))
recipe = Recipe.objects.create(title="Lentil soup with smoked paprika")
call_command("search_rebuild", "--sync", verbosity=0)


def step(name):
    text = " ".join(p["text"] for p in index.load_current().passages)
    print(json.dumps({"step": name, "text": text, "builds": IndexBuild.objects.count()}))


step("built")
Question.objects.create(text="soup?")  # not a snippet: no build
step("question logged")
recipe.title = "Pumpkin soup with ginger"
recipe.save()
step("edited")
recipe.delete()
step("deleted")

# A snippet registered in a wagtail_hooks module (registered after the apps are ready,
# before the first request): watched from the first request on.
Group.objects.create(name="Kitchen")
step("hooks snippet saved")

# A snippet with drafts: saving a draft changes nothing a visitor sees; publishing does.
from tests.site_assistant.wagtailsite.models import Notice
notice = Notice.objects.create(text="Closed on Mondays", live=True)
step("notice created")
notice.text = "Closed on Tuesdays"
revision = notice.save_revision()
step("notice draft saved")
revision.publish()
step("notice draft published")

# Another model's rows purged: one DELETE, not every row read and signalled first
# (a receiver of every model's post_delete makes Django do that for all of them).
from datetime import timedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from site_assistant import questions
Question.objects.bulk_create([Question(text=f"old {n}") for n in range(20)])
Question.objects.update(created=timezone.now() - timedelta(days=400))
with CaptureQueriesContext(connection) as purged:
    questions.purge_old_questions(days=30)
print(json.dumps({"step": "purged", "queries": [q["sql"] for q in purged.captured_queries]}))
"""


@pytest.fixture(scope="module")
def snippet_steps(tmp_path_factory):
    lines = run_in_wagtail_site(SNIPPETS, tmp_path_factory.mktemp("snippets"))
    return {line["step"]: line for line in lines}


def test_a_snippet_saved_or_deleted_reaches_the_answers_at_once(snippet_steps):
    """A page renders the snippet: its old text was answered until the next build."""
    steps = snippet_steps
    assert "Lentil soup" in steps["built"]["text"]
    assert steps["question logged"]["builds"] == steps["built"]["builds"]
    edited = steps["edited"]
    assert "Pumpkin soup" in edited["text"] and "Lentil soup" not in edited["text"]
    assert edited["builds"] == steps["built"]["builds"] + 1
    assert "Pumpkin soup" not in steps["deleted"]["text"]
    hooks = steps["hooks snippet saved"]
    assert hooks["builds"] == steps["deleted"]["builds"] + 1
    # A draft is saved on the snippet's row too (its latest revision): no build for it.
    created = steps["notice created"]["builds"]
    assert created == hooks["builds"] + 1
    assert steps["notice draft saved"]["builds"] == created
    assert steps["notice draft published"]["builds"] == created + 1


def test_deleting_other_models_rows_stays_one_query(snippet_steps):
    """Watching snippets does not cost every other model its fast delete: purging
    old questions was a SELECT of every row, then a DELETE (and a signal a row)."""
    purged = snippet_steps["purged"]
    statements = [q.split()[0] for q in purged["queries"] if q not in ("BEGIN", "COMMIT")]
    assert statements == ["DELETE"]


# A site whose opening hours (a snippet registered in its wagtail_hooks.py) a page shows.
HOURS_SITE = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from wagtail.models import Site
from site_assistant import index
from site_assistant.models import IndexBuild
from tests.site_assistant.wagtailsite.models import ArticlePage, OpeningHours

root = Site.objects.get(is_default_site=True).root_page
root.add_child(instance=ArticlePage(title="Visit us", slug="visit", body="<p>Come by.</p>"))
OpeningHours.objects.create(text="Open Monday to Friday, nine to five.")
call_command("search_rebuild", "--sync", verbosity=0)
text = " ".join(p["text"] for p in index.load_current().passages)
print(json.dumps({"builds": IndexBuild.objects.count(), "text": text}))
"""

HOURS_NOW = """
import json
import django
django.setup()
from site_assistant import index
from site_assistant.models import IndexBuild
text = " ".join(p["text"] for p in index.load_current().passages)
print(json.dumps({"builds": IndexBuild.objects.count(), "text": text}))
"""


@pytest.mark.parametrize("settings", ["settings", "app_first_settings"])
def test_a_command_saving_a_snippet_registered_in_wagtail_hooks_rebuilds(tmp_path, settings):
    """A deploy script or cron job (``manage.py set_opening_hours``) saves a snippet that
    a wagtail_hooks module registers, in a process that has served no request: the
    answers get the new hours (they kept the old ones until the next build), whether
    the app is listed after Wagtail's apps or before them."""
    (built,) = run_in_wagtail_site(HOURS_SITE, site_dir=tmp_path, settings=settings)
    assert "nine to five" in built["text"]
    command = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "set_opening_hours",
            "--skip-checks",
            "Open every day, ten to six.",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": f"tests.site_assistant.wagtailsite.{settings}",
            "WAGTAILSITE_DIR": str(tmp_path),
            "OMP_NUM_THREADS": "1",
            "HF_HUB_OFFLINE": "1",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert command.returncode == 0, command.stderr[-3000:]
    (after,) = run_in_wagtail_site(HOURS_NOW, site_dir=tmp_path, settings=settings)
    assert after["builds"] == built["builds"] + 1
    assert "ten to six" in after["text"] and "nine to five" not in after["text"]


# An editor in Wagtail's admin publishes, then unpublishes: what each message says.
EDITOR = """
import json
import re
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from celery import current_app
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from datetime import timedelta
from wagtail.models import Site
from site_assistant import index
from site_assistant.build import run_build
from site_assistant.models import IndexBuild
from tests.site_assistant.wagtailsite.models import ArticlePage

home = Site.objects.get(is_default_site=True).root_page
visit = home.add_child(instance=ArticlePage(title="Visit us", slug="visit"))
editor = Client()
editor.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))


def body(text):
    blocks = [("header-two", "Opening hours"), ("unstyled", text)]
    return json.dumps({"entityMap": {}, "blocks": [
        {"key": f"k{n}", "type": kind, "text": words, "depth": 0,
         "inlineStyleRanges": [], "entityRanges": []}
        for n, (kind, words) in enumerate(blocks)
    ]})


def step(name, response):
    # Wagtail's messages as the editor reads them (the marker kept, tags dropped).
    html = response.content.decode().split('data-w-messages-target="container">')[1]
    items = html.split("</ul>")[0].split("<li")[1:]
    messages = [
        " ".join(re.sub(r"<(?!span hidden)[^>]*>", " ", "<li" + item).split()) for item in items
    ]
    print(json.dumps({"step": name, "messages": messages,
                      "index": [p["text"] for p in index.load_current().passages]
                      if index.current_version_name() else []}))


def publish(text):
    return editor.post(f"/admin/pages/{visit.pk}/edit/", {
        "title": "Visit us", "slug": "visit", "body": body(text),
        "action-publish": "action-publish",
    }, follow=True)


def update():
    print(json.dumps({"step": "asked", **editor.get("/admin/site-assistant/update/").json()}))


# No broker: the rebuild runs in the editor's request.
step("published, no broker", publish("We are open from nine to five."))
# A broker, its worker not yet at it: the message says it is coming.
current_app.conf.broker_url = "memory://"
current_app.conf.task_always_eager = False
step("published, a broker", publish("We are open from ten to six."))
update()
run_build(IndexBuild.objects.get(status=IndexBuild.Status.QUEUED))
update()
update()
about = home.add_child(instance=ArticlePage(title="About", slug="about"))
cache.clear()  # the debounce window: its build ran early, here, not after the window
step("moved", editor.post(f"/admin/pages/{visit.pk}/move/{about.pk}/confirm/", follow=True))
run_build(IndexBuild.objects.get(status=IndexBuild.Status.QUEUED))
update()
cache.clear()
step("copied", editor.post(f"/admin/pages/{visit.pk}/copy/", {
    "new_title": "Visit us (2027)", "new_slug": "visit-2027", "new_parent_page": home.pk,
    "publish_copies": "on",
}, follow=True))
step("unpublished", editor.post(f"/admin/pages/{visit.pk}/unpublish/", follow=True))
print(json.dumps({"step": "dashboard", "script": "wagtail_update.js" in editor.get("/admin/").content.decode()}))
# Published again; no worker ever takes the build: after a minute and more, the script is told.
cache.clear()
publish("We are open from eleven to seven.")
IndexBuild.objects.filter(status=IndexBuild.Status.QUEUED).update(
    created=timezone.now() - timedelta(minutes=5)
)
update()
# Published while a build that started before runs: that build does not read the
# change; its follow-up, asked for a moment after it finishes, does.
from site_assistant import rebuilds, tasks
IndexBuild.objects.filter(status=IndexBuild.Status.QUEUED).delete()
IndexBuild.objects.update(lock=None)
cache.clear()
running = rebuilds.take_over(rebuilds.request_rebuild("command").pk)
cache.clear()
publish("We are open from noon to eight.")
update()
rebuilds.release(running.pk, status=IndexBuild.Status.SUCCEEDED, finished=timezone.now())
update()
tasks._follow_up(IndexBuild.objects.get(pk=running.pk))
update()
run_build(IndexBuild.objects.get(status=IndexBuild.Status.QUEUED))
update()
# Published with a broker this process has no client library for: nothing is queued.
cache.clear()
current_app.conf.broker_url = "zookeeper://127.0.0.1:1/"
step("cannot send", publish("We are open from one to nine."))
# The site's worker stopped cleanly (its heartbeat says it shut down, as a worker's
# worker_shutdown does): the editor is told at the first ask, not a minute later.
from site_assistant import heartbeat
cache.clear()
current_app.conf.broker_url = "memory://"
heartbeat.beat("worker@visit", started=timezone.now())
heartbeat.stop("worker@visit")
publish("We are open from two to ten.")
update()
"""


# What the editor's script is told of a build no worker runs.
NO_WORKER_TOLD = {
    "step": "asked",
    "done": True,
    "type": "warning",
    "message": "Ask us has not started reading the new text of “Visit us”: no worker "
    "is running its rebuilds. Visitors get the text it read before until one does; "
    "tell whoever runs the site.",
}


@pytest.fixture(scope="module")
def editor_steps(tmp_path_factory):
    lines = run_in_wagtail_site(EDITOR, tmp_path_factory.mktemp("editor"), "admin_settings")
    return lines


def test_the_editor_is_told_when_visitors_get_the_text_just_published(editor_steps):
    """Wagtail said only "Page 'Visit us' has been published": the editor could not
    tell whether the assistant answered from it yet. Now its message says so: at
    once without a broker; with one, that it is being read and about when, and
    the admin's script then learns (once) that visitors get it. A move says the
    page is read at its new address, a published copy that it is read; an
    unpublish, that it left."""
    eager, queued, waiting, done, once, moved, moved_done, copied, unpublished, dashboard = (
        editor_steps[:10]
    )
    no_worker = editor_steps[10]
    assert "Ask us answers from the new text of “Visit us” now." in eager["messages"]
    assert any("nine to five" in text for text in eager["index"])

    (reading,) = [m for m in queued["messages"] if m.startswith("Ask us is reading")]
    assert "visitors get it in about 15 seconds" in reading
    assert "data-site-assistant-waiting" in reading  # starts the admin's script
    assert not any("ten to six" in text for text in queued["index"])
    assert waiting == {"step": "asked", "done": False}
    assert done == {
        "step": "asked",
        "done": True,
        "type": "success",
        "message": "Ask us now answers from the new text of “Visit us”.",
    }
    assert once == {"step": "asked", "done": True, "message": "", "type": ""}

    assert any(
        m.startswith("Ask us is reading “Visit us” at its new address: visitors are sent there")
        for m in moved["messages"]
    ), moved
    assert moved_done["message"] == "Ask us now sends visitors to “Visit us” at its new address."
    assert any(
        m.startswith("Ask us is reading the new text of “Visit us (2027)”")
        for m in copied["messages"]
    ), copied

    assert (
        "Ask us no longer answers from “Visit us” or the pages below it."
        in (unpublished["messages"])
    )
    assert dashboard["script"]
    # Published again, and no worker takes the build: the script is told, and stops.
    assert no_worker == NO_WORKER_TOLD


def test_a_change_made_while_a_build_runs_is_done_when_its_follow_up_is(editor_steps):
    """That build read the page before the change: the editor was told “now answers
    from the new text” as it finished, while the follow-up that reads it had not
    yet been asked for."""
    running, finished, follow_up_queued, follow_up_done = editor_steps[11:15]
    assert running == finished == follow_up_queued == {"step": "asked", "done": False}
    assert follow_up_done == {
        "step": "asked",
        "done": True,
        "type": "success",
        "message": "Ask us now answers from the new text of “Visit us”.",
    }


def test_an_editor_is_told_when_the_site_cannot_send_its_rebuild(editor_steps):
    """A broker this site cannot send tasks to (its client library not installed): the
    editor was told "the task queue did not answer", as if waiting would mend it."""
    cannot = editor_steps[15]
    assert cannot["step"] == "cannot send", cannot
    assert (
        "Ask us could not start reading the new text of “Visit us”: this site cannot send "
        "tasks to its task queue. Visitors get the text it read before; tell whoever runs "
        "the site." in cannot["messages"]
    ), cannot


def test_an_editor_is_told_at_once_when_the_sites_worker_has_stopped(editor_steps):
    """The worker stopped cleanly, so the builds list said "No worker is running" at
    once: the editor who published was told only once the build had waited a minute
    and a ping (``waiting_for_a_worker``). Now at the first ask (``no_worker_note``)."""
    assert editor_steps[16] == NO_WORKER_TOLD


# The Wagtail site with the admin, and a page "Visit us" with its opening hours.
VISIT_US = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from wagtail.models import Site
from site_assistant import services
from site_assistant.models import IndexBuild
from tests.site_assistant.wagtailsite.models import ArticlePage

home = Site.objects.get(is_default_site=True).root_page
visit = home.add_child(instance=ArticlePage(
    title="Visit us", slug="visit",
    body="<h2>Opening hours</h2><p>We are open from nine to five on weekdays.</p>",
))
"""

# An editor makes a published page private in Wagtail's privacy dialog, then public again.
PRIVACY = (
    VISIT_US
    + """
home.add_child(instance=ArticlePage(
    title="Menu", slug="menu",
    body="<h2>Cakes</h2><p>We bake a vegan chocolate cake every Friday.</p>",
))
visit.save_revision().publish()  # no broker: built at once
editor = Client()
editor.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
other = Client()
other.force_login(User.objects.create_superuser("other", "o@example.com", "pw"))


def step(name, response=None):
    answer = services.answer("when are you open").answer
    print(json.dumps({
        "step": name,
        "status": response.status_code if response is not None else None,
        "answer": answer.url if answer else None,
        "built": IndexBuild.objects.latest("pk").status == "succeeded",
        "told": editor.get("/admin/site-assistant/privacy/").json(),
        "told_other": other.get("/admin/site-assistant/privacy/").json(),
    }))


step("public")
privacy = f"/admin/pages/{visit.pk}/privacy/"
step("private", editor.post(privacy, {"restriction_type": "login"}))
step("public again", editor.post(privacy, {"restriction_type": "none"}))
"""
)


def test_an_editor_who_makes_a_page_private_is_told_it_left_the_answers(tmp_path):
    """Unpublishing told the editor that the page left the answers; Wagtail's privacy
    dialog (which reloads no page) told nothing, though the page left them as well.
    The admin's script now asks when the dialog closes, and only the editor who made
    the change is told."""
    public, private, again = run_in_wagtail_site(PRIVACY, tmp_path, "admin_settings")
    nothing = {"message": "", "type": "", "waiting": False}
    assert public["answer"] == "/visit/" and public["told"] == nothing
    assert private["status"] == 200 and private["answer"] != "/visit/" and private["built"]
    assert private["told"] == {
        "message": "Ask us no longer answers from “Visit us” or the pages below it.",
        "type": "success",
        "waiting": False,
    }
    assert private["told_other"] == nothing
    assert again["status"] == 200 and again["answer"] == "/visit/"  # no broker: built at once
    assert again["told"] == {
        "message": "Ask us answers from the new text of “Visit us” now.",
        "type": "success",
        "waiting": False,
    }


# The owner's example questions name sections of two pages; an editor moves one
# page and changes the other's slug in Wagtail's admin.
MOVES = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from wagtail.models import Site
from site_assistant import index, services
from site_assistant.models import ExampleQuestion
from tests.site_assistant.wagtailsite.models import ArticlePage

home = Site.objects.get(is_default_site=True).root_page
about = home.add_child(instance=ArticlePage(title="About", slug="about"))
faq = home.add_child(instance=ArticlePage(
    title="FAQ", slug="faq",
    body="<h2>Dogs</h2><p>Well-behaved dogs are welcome on the terrace.</p>",
))
menu = home.add_child(instance=ArticlePage(
    title="Menu", slug="menu",
    body="<h2>Cakes</h2><p>We bake a vegan chocolate cake every Friday.</p>",
))
menu.save_revision().publish()  # no broker: built at once


def link(words):
    passage = next(p for p in index.load_current().passages if words in p["text"])
    return passage["url"] + "#" + passage["anchor"]


ExampleQuestion.objects.create(question="can my puppy come along", url=link("dogs are welcome"))
ExampleQuestion.objects.create(question="anything without eggs", url=link("vegan chocolate"))
editor = Client()
editor.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
editor.post(f"/admin/pages/{faq.pk}/move/{about.pk}/confirm/")
editor.post(f"/admin/pages/{menu.pk}/edit/", {
    "title": "Menu", "slug": "food", "action-publish": "action-publish",
    "body": json.dumps({"entityMap": {}, "blocks": [
        {"key": "a", "type": "header-two", "text": "Cakes", "depth": 0,
         "inlineStyleRanges": [], "entityRanges": []},
        {"key": "b", "type": "unstyled", "text": "We bake a vegan chocolate cake every Friday.",
         "depth": 0, "inlineStyleRanges": [], "entityRanges": []}]}),
})
for example in ExampleQuestion.objects.order_by("pk"):
    print(json.dumps({
        "stored": example.url,
        "section": link("dogs are welcome" if "puppy" in example.question else "vegan chocolate"),
        "answer": services.answer(example.question).answer.link,
    }))
"""


def test_example_questions_follow_a_page_an_editor_moves_or_gives_another_slug(tmp_path):
    """The owner's example question kept the page's old address: after the move's
    rebuild it named "no such section" and no longer steered visitors. Now it
    follows the page, and a visitor asking it gets the section at its new address."""
    puppy, eggs = run_in_wagtail_site(MOVES, tmp_path, "admin_settings")
    assert puppy["section"].startswith("/about/faq/#")
    assert eggs["section"].startswith("/food/#")
    for example in (puppy, eggs):
        assert example["stored"] == example["section"] == example["answer"]


# The owner opens Wagtail's dashboard while a file of the model served is damaged.
MODEL_DAMAGE = """
import json
import os
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from selectolax.lexbor import LexborHTMLParser
from wagtail.models import Site
from site_assistant import embed
from site_assistant.build import run_build
from site_assistant.models import IndexBuild
from tests.conftest import copy_of_the_base_model
from tests.site_assistant.wagtailsite.models import ArticlePage

home = Site.objects.get(is_default_site=True).root_page
home.add_child(instance=ArticlePage(
    title="Visit us", slug="visit", body="<h2>Opening hours</h2><p>We are open from nine.</p>"
))
model = copy_of_the_base_model(Path(os.environ["WAGTAILSITE_DIR"]) / "model")
embed.set_active_model(str(model))
assert run_build(IndexBuild.objects.create()).status == "succeeded"
owner = Client()
owner.force_login(User.objects.create_superuser("owner", "o@example.com", "pw"))


def panel(step):
    tree = LexborHTMLParser(owner.get("/admin/").content.decode())
    note = tree.css_first("#site-assistant-section #sa-model-damage")
    print(json.dumps({
        "step": step,
        "panel": tree.css_first("#site-assistant-section") is not None,
        "note": note.text(separator=" ") if note else None,
        "files": [li.text() for li in note.css("li")] if note else [],
        "model": str(model),
    }))


panel("intact")
tokenizer = model / "tokenizer.json"
weights = model / embed.ONNX_DIR / "model.onnx.data"
whole = {path: path.read_bytes() for path in (tokenizer, weights)}
tokenizer.write_text('{"version": "1.0", "trunc')
try:
    panel("damaged")
    tokenizer.write_bytes(whole[tokenizer])
    with open(weights, "r+b") as handle:  # a few bytes changed, as a disk error would
        handle.seek(len(whole[weights]) // 2)
        handle.write(bytes(64))
    panel("weights damaged")
finally:
    for path, content in whole.items():
        path.write_bytes(content)
panel("put back")
"""


def test_wagtails_dashboard_tells_the_owner_of_the_models_damaged_files(tmp_path):
    """The owner of a Wagtail site reads the assistant's panel on Wagtail's dashboard:
    a damaged file of the model served was in the Django admin's overview and /health/,
    the panel said all was well. It shows the same note now, each file with what repairs
    it (a damaged tokenizer was told to run search_export_onnx too); put back, the note
    goes."""
    intact, damaged, weights, put_back = run_in_wagtail_site(
        MODEL_DAMAGE, tmp_path, "owner_settings"
    )
    assert intact["panel"] and intact["note"] is None
    assert damaged["note"] is not None, "the panel said nothing of the damaged file"
    note, (item,) = damaged["note"], damaged["files"]
    assert "The model's files on disk are damaged or missing" in note
    assert item.startswith("tokenizer.json cannot be read (")
    assert item.endswith(
        ": every rebuild fails until it is put back. To fix: put it back from a backup (copy "
        "it beside the old one, then rename it into place; never copy over it); no command "
        "makes it again."
    ), item
    assert "search_export_onnx" not in note
    assert damaged["model"] not in note  # the folder: in the log and /health/'s log line
    (item,) = weights["files"]
    assert item.startswith("onnx/model.onnx.data is damaged (checksum mismatch): ")
    assert item.endswith(
        "To fix: put it back from a backup (copy it beside the old one, then rename it into "
        "place; never copy over it), or run manage.py search_export_onnx --force; then "
        "restart the site."
    ), item
    assert put_back["panel"] and put_back["note"] is None


# The panel's notes, each in turn, and where its link leads (one line of JSON a note).
PANEL_REBUILD = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from selectolax.lexbor import LexborHTMLParser
from site_assistant import services
from site_assistant.models import IndexBuild

owner = Client()
owner.force_login(User.objects.create_superuser("owner", "o@example.com", "pw"))


def note(name, selector):
    panel = LexborHTMLParser(owner.get("/admin/").content.decode()).css_first(
        "#site-assistant-section"
    )
    found = panel.css_first(selector)
    link = found.css_first("a.sa-rebuild") if found else None
    target = {}
    if link is not None:
        href = link.attributes["href"]
        response = owner.get(href.split("#")[0])
        page = LexborHTMLParser(response.content.decode())
        box = page.css_first("#" + href.split("#")[1]) if "#" in href else None
        button = box.css_first("#rebuild-form button") if box else None
        target = {"status": response.status_code, "button": button.text() if button else None}
    print(json.dumps({
        "note": name,
        "text": found.text(separator=" ") if found else None,
        "link": link.text() if link else None,
        **target,
    }))


note("no index", "#sa-serving")
IndexBuild.objects.create(status="failed", trigger="admin", error="RuntimeError: disk full")
note("failed", "#sa-last-build")
IndexBuild.objects.create(status="succeeded", trigger="admin")
note("succeeded", "#sa-last-build")
services.index_problem = lambda: "its vectors file is damaged"
note("cannot be served", "#sa-index-problem")
"""


def test_wagtails_dashboard_notes_lead_to_the_rebuild_button(tmp_path):
    """The panel on Wagtail's dashboard said "no index yet", that the last build failed or
    that the index cannot be served, and left the owner to find where to rebuild. Each note
    now links the Index builds list's box with "Rebuild index now"; a build that succeeded
    offers no link."""
    steps = run_in_wagtail_site(PANEL_REBUILD, tmp_path, "owner_settings")
    notes = {step["note"]: step for step in steps}
    assert notes["no index"]["link"] == "Build the index"
    assert notes["failed"]["link"] == "Rebuild the index"
    assert "RuntimeError: disk full" in notes["failed"]["text"]
    assert notes["cannot be served"]["link"] == "Rebuild the index"
    assert "its vectors file is damaged" in notes["cannot be served"]["text"]
    for name in ("no index", "failed", "cannot be served"):
        assert (notes[name]["status"], notes[name]["button"]) == (200, "Rebuild index now"), name
    assert notes["succeeded"]["link"] is None


# Wagtail's dashboard with a declined question a build found a section for ("The site may
# answer these now"), seen by the owner, a helper who may see example questions and one
# who may see only the builds; then where the owner's link leads.
PANEL_MAY_ANSWER = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import Permission, User
from django.test import Client
from selectolax.lexbor import LexborHTMLParser
from site_assistant import services
from site_assistant.models import ExampleQuestion

# A live index (its figures only: the panel lists what the last build marked).
services.index_status = lambda: {"version": "v1", "count": 3, "created": "2026-12-07T10:00:00"}
declined = ExampleQuestion.objects.create(question="Do you accept PayPal?", declines=True)
ExampleQuestion.objects.filter(pk=declined.pk).update(
    review={"answers": {"link": "/pay/#paypal", "score": 0.62, "version": "v1"}}
)


def signed_in(name, *permissions):
    if not permissions:
        user = User.objects.create_superuser(name, f"{name}@example.com", "pw")
    else:
        user = User.objects.create_user(name, f"{name}@example.com", "pw", is_staff=True)
        # (access_admin: Wagtail's own, to open its dashboard.)
        user.user_permissions.add(
            *Permission.objects.filter(codename__in=[*permissions, "access_admin"])
        )
    client = Client()
    client.force_login(user)
    return client


for name, permissions in [
    ("owner", ()),
    ("helper", ("view_examplequestion",)),
    ("builds", ("view_indexbuild",)),
]:
    client = signed_in(name, *permissions)
    panel = LexborHTMLParser(client.get("/admin/").content.decode()).css_first(
        "#site-assistant-section"
    )
    link = panel.css_first("#sa-may-answer") if panel else None
    seen = {"user": name, "panel": panel is not None, "link": None}
    if link is not None:
        href = link.attributes["href"]
        listed = LexborHTMLParser(client.get(href).content.decode())
        buttons = listed.css(f"#may-answer-{declined.pk} button")
        seen |= {
            "link": " ".join(link.text().split()),
            "href": href,
            "listed": [a.text() for a in listed.css("#result_list tbody th a")],
            "buttons": [b.text() for b in buttons],
        }
    print(json.dumps(seen))
"""


def test_wagtails_dashboard_counts_declined_questions_the_site_may_answer_now(tmp_path):
    """A build found a section for a question the owner said the site doesn't answer: the
    Django admin's overview offered it, Wagtail's dashboard panel said nothing. It counts
    them now, linked to Example questions' list of them, where the owner lets it answer or
    keeps declining it; a helper who may see the builds, not the example questions, gets
    no line."""
    owner, helper, builds = run_in_wagtail_site(PANEL_MAY_ANSWER, tmp_path, "owner_settings")
    listed = "/django-admin/site_assistant/examplequestion/?review=may_answer"
    assert owner == {
        "user": "owner",
        "panel": True,
        "link": "1 declined question the site may answer now",
        "href": listed,
        "listed": ["Do you accept PayPal?"],
        "buttons": ["Let it answer", "Keep declining"],
    }, owner
    assert helper["link"] == owner["link"] and helper["listed"] == owner["listed"], helper
    assert builds == {"user": "builds", "panel": True, "link": None}, builds


# Wagtail's dashboard over a log where questions were asked several times: each count of
# its To review line, and the list it opens (its rows, and the times asked they add up to).
PANEL_COUNTS = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from selectolax.lexbor import LexborHTMLParser
from site_assistant.models import Question

for text, times, fields in [
    ("How much is a website?", 3, {"answered": False}),
    ("how much is a website", 2, {"answered": False}),
    ("do you sell toys", 1, {"answered": False}),
    ("opening hours", 4, {"answered": True, "helpful": False}),
    ("Wo ist euer Büro?", 2, {"answered": False, "language": "de"}),
    ("Kje je vaša pisarna?", 1, {"answered": False, "language": "sl"}),
]:
    for _ in range(times):
        Question.objects.create(text=text, **fields)
owner = Client()
owner.force_login(User.objects.create_superuser("owner", "o@example.com", "pw"))
panel = LexborHTMLParser(owner.get("/admin/").content.decode()).css_first("#sa-review")
for link in panel.css("a"):
    listed = LexborHTMLParser(owner.get(link.attributes["href"]).content.decode())
    print(json.dumps({
        "link": " ".join(link.text().split()),
        "rows": len(listed.css("#result_list tbody tr")),
        "asked": sum(int(td.text(deep=True).strip()) for td in listed.css("td.field-asks_display")),
    }))
"""


def test_wagtails_dashboard_counts_the_questions_its_lists_show(tmp_path):
    """Wagtail's panel said "6 unanswered" of a list of 2 rows (each question once, with
    Times asked): it counted asks. Each count is the rows of the list it opens now, the
    times they were asked beside it when more."""
    seen = run_in_wagtail_site(PANEL_COUNTS, tmp_path, "owner_settings")
    assert seen == [
        {"link": "2 unanswered (asked 6 times)", "rows": 2, "asked": 6},
        {"link": "1 not helpful (asked 4 times)", "rows": 1, "asked": 4},
        {"link": "2 in other languages (asked 3 times)", "rows": 2, "asked": 3},
    ], seen


# Wagtail's dashboard with the app's last migrations not applied (the code newer than the
# database), then applied.
PANEL_MIGRATIONS = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from django.test import Client
from selectolax.lexbor import LexborHTMLParser
from site_assistant import schema

owner = Client()
owner.force_login(User.objects.create_superuser("owner", "o@example.com", "pw"))


def dashboard(step):
    response = owner.get("/admin/")
    panel = LexborHTMLParser(response.content.decode()).css_first("#site-assistant-section")
    note = panel.css_first("#sa-migrations") if panel else None
    print(json.dumps({
        "step": step,
        "status": response.status_code,
        "note": note.text(separator=" ") if note else None,
        "week": bool(panel and panel.css_first("#sa-week")),
    }))


call_command("migrate", "site_assistant", "0025_indexbuild_trigger_example", verbosity=0)
dashboard("behind")
call_command("migrate", verbosity=0)
schema.forget()  # what RECHECK_SECONDS later does
dashboard("migrated")
"""


def test_wagtails_dashboard_says_migrate_when_the_code_is_newer_than_the_database(tmp_path):
    """Wagtail's home, every editor's first page, was a 500 while the app's migrations were
    not applied (its panel read the questions log's new column); now the panel says what
    to run, and shows its figures again once it has run."""
    steps = {
        step["step"]: step
        for step in run_in_wagtail_site(PANEL_MIGRATIONS, tmp_path, "owner_settings")
    }
    assert steps["behind"]["status"] == 200, steps
    assert "migrations pending: run manage.py migrate" in steps["behind"]["note"]
    assert "0026_question_unanswerable" in steps["behind"]["note"]
    assert not steps["behind"]["week"]
    assert steps["migrated"] == {"step": "migrated", "status": 200, "note": None, "week": True}


# An editor publishes while the site's new code serves before ``manage.py migrate`` (the
# builds' table lacks 0027's column), then migrate runs.
PUBLISH_MIGRATIONS = (
    VISIT_US
    + """
import html as entities
import re
from django.db import connection
from site_assistant import schema

visit.save_revision().publish()  # no broker: built at once
editor = Client(raise_request_exception=False)
editor.force_login(User.objects.create_superuser("ed", "ed@example.com", "pw"))
body = json.dumps({"entityMap": {}, "blocks": [
    {"key": f"k{n}", "type": kind, "text": words, "depth": 0,
     "inlineStyleRanges": [], "entityRanges": []}
    for n, (kind, words) in enumerate([
        ("header-two", "Opening hours"),
        ("unstyled", "We are open on Sundays too, from noon to four."),
    ])
]})


def answered():
    found = services.answer("are you open on sundays").answer
    return found.text if found else None


call_command("migrate", "site_assistant", "0026_question_unanswerable", verbosity=0)
schema.forget()  # a process started now
response = editor.post(f"/admin/pages/{visit.pk}/edit/", {
    "title": "Visit us", "slug": "visit", "body": body, "action-publish": "action-publish",
}, follow=True)
html = response.content.decode()
messages = []
if 'data-w-messages-target="container">' in html:
    items = html.split('data-w-messages-target="container">')[1].split("</ul>")[0]
    messages = [entities.unescape(" ".join(re.sub(r"<[^>]*>", " ", "<li" + item).split()))
                for item in items.split("<li")[1:]]
print(json.dumps({
    "step": "published",
    "status": [r[1] for r in response.redirect_chain] + [response.status_code],
    "messages": messages,
    "live": "Sundays" in ArticlePage.objects.get(pk=visit.pk).body,
    "update": editor.get("/admin/site-assistant/update/").status_code,
    "answered": answered(),
}))
call_command("migrate", verbosity=0)
print(json.dumps({
    "step": "migrated",
    "vendor": connection.vendor,
    "builds": list(IndexBuild.objects.order_by("pk").values_list("trigger", "status")),
    "answered": answered(),
}))
"""
)


@pytest.fixture
def wagtail_database():
    """The Wagtail site's database: its SQLite file, or, on a run on PostgreSQL
    (DATABASE_URL), a scratch PostgreSQL database beside the tests' own, dropped after."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield {}
        return
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_wagtail_{os.getpid()}"
    server = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{server['user']}@" if server["user"] else ""
    try:
        yield {
            "WAGTAILSITE_DATABASE_URL": f"postgres://{auth}{server['host']}:{server['port']}/{name}"
        }
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_editor_publishing_before_migrate_gets_no_error_and_the_change_is_read_after(
    tmp_path, wagtail_database, monkeypatch
):
    """The site's new code served before ``manage.py migrate``: publishing a page was a 500
    for the editor (the message of what the assistant does read the builds' table, which
    lacked a column), though the page was live; and nothing read the change after
    ``migrate``. Now Wagtail's own message, one that says the change is read after the
    upgrade, and ``migrate`` asks for the rebuild that reads it. On SQLite, and on
    PostgreSQL in a run with DATABASE_URL."""
    wagtail_site_dir(tmp_path, "admin_settings")  # its index folder (and SQLite file)
    for variable, value in wagtail_database.items():
        monkeypatch.setenv(variable, value)
    published, migrated = run_in_wagtail_site(PUBLISH_MIGRATIONS, tmp_path, "admin_settings")
    assert published["status"] == [302, 200], published
    assert published["live"]
    assert "Page 'Visit us' has been published. View live Edit" in published["messages"]
    assert (
        "Ask us reads the new text of “Visit us” once the site's upgrade is finished "
        "(manage.py migrate). Until then visitors get the text it read before."
        in published["messages"]
    ), published
    assert published["update"] == 200
    assert "Sundays" not in (published["answered"] or "")
    assert migrated["vendor"] == ("postgresql" if wagtail_database else "sqlite")
    assert migrated["builds"] == [["content", "succeeded"], ["content", "succeeded"]], migrated
    assert "open on Sundays too" in migrated["answered"], migrated


# Wagtail's own internationalisation (tests/site_assistant/wagtailsite/i18n_settings.py):
# English pages and a German translation under i18n_patterns, unpublished by editors whose
# admin speaks German, and British English, while no build runs.
I18N_EDITS = """
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation
from wagtail.models import Locale, Site
from site_assistant import index, services, withdrawn
from tests.site_assistant.wagtailsite.models import ArticlePage

call_command("migrate", verbosity=0)
home = Site.objects.get(is_default_site=True).root_page
german = Locale.objects.create(language_code="de")


def article(slug, title, text):
    return home.add_child(instance=ArticlePage(title=title, slug=slug, body=f"<p>{text}</p>"))


solar = article("solar", "Solar grants", "The town pays a third of the price of solar panels.")
bins = article("bins", "Bin collection", "The green bins are emptied every second Tuesday.")
dogs = article("dogs", "Dog tax", "The dog tax is paid at the front desk of the town hall.")
solar_de = solar.copy_for_translation(german, copy_parents=True)
solar_de.title = "Solarförderung"
solar_de.body = "<p>Die Stadt zahlt ein Drittel des Preises von Solarmodulen.</p>"
solar_de.save_revision().publish()
call_command("search_rebuild", "--sync", verbosity=0)

QUESTIONS = {"solar": "Is there a grant for solar panels?", "bins": "When are the bins emptied?"}


def step(name):
    live = index.load_current()
    found = {key: services.answer(question) for key, question in QUESTIONS.items()}
    print(json.dumps({
        "step": name,
        "urls": sorted({u for p in live.passages for u in p["urls"]}),
        "answers": {key: getattr(f.answer, "url", None) for key, f in found.items()},
        "result_urls": sorted({hit.url for f in found.values() for hit in f.results}),
        "withdrawn": sorted(withdrawn.paths(live.content_read)),
        "status": {u: Client().get(u).status_code for u in ("/en/solar/", "/en/bins/")},
    }), flush=True)


step("built")
with override_settings(SITE_ASSISTANT={**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}):
    with translation.override("de"):
        ArticlePage.objects.get(pk=solar.pk).unpublish()
    with translation.override("en-gb"):
        ArticlePage.objects.get(pk=bins.pk).unpublish()
    step("unpublished, no build yet")
"""


@pytest.mark.slow
def test_a_page_unpublished_in_a_german_or_british_admin_leaves_the_english_answers(tmp_path):
    """An English index holds /en/solar/ (the page's locale's address, whatever the language
    of the build); an editor whose admin speaks German, or British English (a variant of the
    page's language, which Wagtail gives its own prefix, /en-gb/bins/), unpublishes a page:
    the English address leaves the answers at once, before any rebuild."""
    steps = {
        line["step"]: line
        for line in run_in_wagtail_site(I18N_EDITS, tmp_path, settings="i18n_settings")
    }
    built, now = steps["built"], steps["unpublished, no build yet"]
    assert {"/en/solar/", "/en/bins/", "/en/dogs/"} <= set(built["urls"])
    assert not [url for url in built["urls"] if url.startswith("/de/")]  # German: not read
    assert built["answers"] == {"solar": "/en/solar/", "bins": "/en/bins/"}

    assert now["urls"] == built["urls"]  # no build ran
    assert now["status"] == {"/en/solar/": 404, "/en/bins/": 404}
    assert {"/en/solar/", "/en/bins/"} <= set(now["withdrawn"])
    assert [u for u in now["result_urls"] if u in ("/en/solar/", "/en/bins/")] == []
    assert now["answers"]["solar"] != "/en/solar/" and now["answers"]["bins"] != "/en/bins/"
    assert "/en/dogs/" in now["result_urls"]  # what is public still answers
