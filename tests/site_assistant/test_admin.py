"""The owner's cockpit: builds with a rebuild button, read-only passages, the
questions log with its filters and per-day counts, and "Try a question"."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from selectolax.lexbor import LexborHTMLParser

from site_assistant.models import IndexBuild, Page, Passage, Question

pytestmark = pytest.mark.django_db

ADMIN_URLS = [
    "/admin/site_assistant/indexbuild/",
    "/admin/site_assistant/question/",
    "/admin/site_assistant/question/try/?q=hello",
    "/admin/site_assistant/passage/",
    "/admin/site_assistant/page/",
    "/admin/site_assistant/examplequestion/sections/?term=pricing",
]


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "pw")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.parametrize("url", [*ADMIN_URLS, "/admin/site_assistant/indexbuild/rebuild/"])
def test_anonymous_visitors_are_sent_to_the_login(client, url):
    before = IndexBuild.objects.count()
    response = client.get(url) if "rebuild" not in url else client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert IndexBuild.objects.count() == before


@pytest.mark.parametrize("url", [*ADMIN_URLS, "/admin/site_assistant/indexbuild/rebuild/"])
def test_signed_in_non_staff_users_are_sent_to_the_login_too(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_user("visitor", password="pw"))
    before = IndexBuild.objects.count()
    response = client.get(url) if "rebuild" not in url else client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert IndexBuild.objects.count() == before


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize("url", [*ADMIN_URLS, "/admin/site_assistant/indexbuild/rebuild/"])
def test_staff_without_the_apps_rights_are_refused(client, django_user_model, url):
    """An editor of other models (staff, no permission in the app). "Try a question"
    let them in: it lists the pages withdrawn since the build (unpublished, private)."""
    client.force_login(
        django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    )
    before = IndexBuild.objects.count()
    response = client.get(url) if "rebuild" not in url else client.post(url)
    assert response.status_code == 403
    assert IndexBuild.objects.count() == before


@pytest.mark.usefixtures("built_index")
def test_the_rebuild_button_creates_a_build_that_succeeds(
    owner_client, owner, django_capture_on_commit_callbacks
):
    page = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert "Rebuild index now" in page
    assert 'action="/admin/site_assistant/indexbuild/rebuild/"' in page and 'method="post"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.get(trigger="admin")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:site_assistant_indexbuild_change", args=[build.pk]
    )
    build.refresh_from_db()
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    assert build.requested_by == owner and build.passages > 20 and build.progress == 100
    detail = owner_client.get(response["Location"]).content.decode()
    assert "Succeeded" in detail and 'value="100"' in detail
    assert 'data-active="0"' in detail  # a finished build's page does not poll
    listing = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert f"Build #{build.pk} (Succeeded)" in listing


def _staff_with(django_user_model, username, *codenames):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_without_an_index_the_builds_list_names_the_folder_looked_in(owner_client, own_index_dir):
    html = LexborHTMLParser(owner_client.get("/admin/site_assistant/indexbuild/").content.decode())
    said = " ".join(html.css_first("#index-status").text().split())
    assert said.startswith(f"No index yet in {own_index_dir.resolve()}. Visitors see"), said
    # Try a question says it once ("No index yet: No index yet: run …" before).
    response = owner_client.get("/admin/site_assistant/question/try/", {"q": "price"})
    assert response.context["error"] == (
        f"No index yet in {own_index_dir.resolve()}: run manage.py search_rebuild --sync."
    )


@pytest.mark.usefixtures("built_index")
def test_a_helper_who_may_only_view_builds_sees_them_but_cannot_rebuild(client, django_user_model):
    """Staff given "Can view index build" (to watch progress, read a failure) had the
    **Rebuild index now** button, and pressing it started a build; starting one now
    takes "Can change index build" (api.permissions.may_rebuild), here and in the API."""
    build = IndexBuild.objects.create(status="failed", trigger="command", error="OSError: disk")
    client.force_login(_staff_with(django_user_model, "watcher", "view_indexbuild"))
    response = client.get("/admin/site_assistant/indexbuild/")
    assert response.status_code == 200
    html = LexborHTMLParser(response.content.decode())
    assert html.css_first("#index-status").text().strip().startswith("Live index")
    assert html.css_first("#rebuild-form") is None and "Rebuild index now" not in html.html
    assert "Can change index build" in html.css_first("#rebuild-not-allowed").text()
    assert "OSError: disk" in html.html  # the failure is theirs to read
    assert client.get(f"/admin/site_assistant/indexbuild/{build.pk}/status/").status_code == 200
    before = IndexBuild.objects.count()
    assert client.post("/admin/site_assistant/indexbuild/rebuild/").status_code == 403
    assert IndexBuild.objects.count() == before

    client.force_login(_staff_with(django_user_model, "manager", "change_indexbuild"))
    html = LexborHTMLParser(client.get("/admin/site_assistant/indexbuild/").content.decode())
    assert html.css_first("#rebuild-form button").text() == "Rebuild index now"
    assert html.css_first("#rebuild-not-allowed") is None
    response = client.post("/admin/site_assistant/indexbuild/rebuild/")
    assert response.status_code == 302
    assert IndexBuild.objects.filter(trigger="admin").count() == 1


def test_the_rebuild_url_only_takes_post(owner_client):
    before = IndexBuild.objects.count()
    assert owner_client.get("/admin/site_assistant/indexbuild/rebuild/").status_code == 405
    assert IndexBuild.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_second_press_while_building_joins_the_running_build(owner_client, testsite):
    """The owner presses **Rebuild index now** and the build really runs, in the
    background, held while it reads the site's /beta/ page; a second press joins it
    and shows its page with its progress, which the build then finishes."""
    held = testsite.hold("/beta/")
    try:
        owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
        assert held.reached.wait(timeout=30), "the build never asked for /beta/"
        running = IndexBuild.objects.get(trigger="admin")
        assert running.status == "running" and running.lock == "index"
        response = owner_client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    finally:
        held.release()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:site_assistant_indexbuild_change", args=[running.pk]
    )
    assert IndexBuild.objects.get(status="coalesced").coalesced_into == running
    html = response.content.decode()
    assert "already under way" in html
    # A running build's page shows its progress and follows it (search/admin-build.js).
    box = LexborHTMLParser(html).css_first("#build-progress")
    assert box.css_first("progress").attributes["value"] == str(running.progress)
    assert running.stage and running.stage in box.text()
    assert f'data-status-url="/admin/site_assistant/indexbuild/{running.pk}/status/"' in html
    assert 'data-active="1"' in html and "site_assistant/admin-build.js" in html
    assert '<meta http-equiv="refresh"' in html  # inside <noscript>
    # Released, the build it joined finishes: one build, and nothing left running.
    deadline = time.monotonic() + 60
    while (running := IndexBuild.objects.get(pk=running.pk)).lock and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running.status == "succeeded", running.error
    assert IndexBuild.objects.filter(trigger="admin").exclude(status="coalesced").count() == 1


def test_a_build_that_fails_is_listed_with_its_status_trigger_duration_and_error(
    owner_client, testsite, settings, django_capture_on_commit_callbacks
):
    """The owner presses **Rebuild index now** while the site's pages are gone (404)
    and the one left is broken (500): the build really fails, and the list says so,
    with its duration and the reason in the owner's words."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "REBUILD_IN_BACKGROUND_WITHOUT_BROKER": False,
    }
    testsite.PAGES.clear()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "failed" and build.finished is not None
    assert build.error.startswith("no passages found: "), build.error
    html = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    row = next(
        row
        for row in LexborHTMLParser(html).css("#result_list tbody tr")
        if f"#{build.pk}" in row.text()
    )
    for text in ("Failed", "Admin", f"{build.duration.total_seconds():.1f} s"):
        assert text in row.text(), text
    assert "/boom/: status 500 (RuntimeError: this view is broken)" in row.text()


def test_builds_list_counts_the_pages_and_sections_in_another_language_it_did_not_read(
    owner_client,
):
    common = {"status": "succeeded", "pages": 2, "passages": 4}
    IndexBuild.objects.create(**common, other_language_pages=2, other_language_sections=1)
    html = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert "4 passages from 2 pages" in html
    assert "2 pages and 1 section in another language than the index&#x27;s (en) not read" in html
    IndexBuild.objects.create(**common, pages_reading_as_other_language={"/de/preise/": "de"})
    html = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert "pages that read as another language though their lang does not say so: " in html
    assert "/de/preise/ (de)" in html
    IndexBuild.objects.all().delete()
    IndexBuild.objects.create(**common)
    html = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert "in another language" not in html


def test_builds_list_says_how_many_sitemap_urls_on_other_hosts_a_build_skipped(
    owner_client, testsite, settings, django_capture_on_commit_callbacks
):
    """A sitemap listing URLs on another host (a CDN's, the live domain on a staging copy):
    only ``search_rebuild --sync``'s last line said so; a build from **Rebuild index now**
    (or a worker, or the nightly one) lost the count when it ended, and the builds list
    showed a site half left out as whole."""
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "REBUILD_IN_BACKGROUND_WITHOUT_BROKER": False,
        "SITEMAPS": ["/sitemap.xml", "/hand/cdn.xml"],  # the second: 3 URLs on cdn.example.com
    }
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/admin/site_assistant/indexbuild/rebuild/")
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "succeeded", build.error
    html = LexborHTMLParser(owner_client.get("/admin/site_assistant/indexbuild/").content.decode())
    index = html.css_first("#result_list tbody tr td.field-index_display").text(separator=" ")
    assert "passages from 2 pages" in index
    assert "3 sitemap URLs on other hosts skipped (see ALLOWED_HOSTS)" in index, index


def _question(text, answered, helpful=None, days_ago=0):
    question = Question.objects.create(
        text=text, answered=answered, helpful=helpful, score=0.5 if answered else 0.1
    )
    if days_ago:
        Question.objects.filter(pk=question.pk).update(
            created=timezone.now() - timedelta(days=days_ago)
        )
    return question


def _listed(client, query):
    response = client.get(f"/admin/site_assistant/question/?{query}")
    assert response.status_code == 200
    return {q.text for q in response.context["cl"].result_list}


def test_question_filters_unanswered_and_not_helpful(owner_client):
    _question("answered and liked", True, True)
    _question("answered but not helpful", True, False)
    _question("unanswered", False)
    _question("unanswered and not helpful", False, False)
    assert _listed(owner_client, "attention=unanswered") == {
        "unanswered",
        "unanswered and not helpful",
    }
    assert _listed(owner_client, "attention=not_helpful") == {
        "answered but not helpful",
        "unanswered and not helpful",
    }
    assert _listed(owner_client, "answered__exact=0") == {
        "unanswered",
        "unanswered and not helpful",
    }
    assert _listed(owner_client, "helpful__exact=1") == {"answered and liked"}
    assert len(_listed(owner_client, "")) == 4


def test_questions_of_several_sites_show_their_site_and_link_to_its_page(owner_client):
    """One site: no Site column, no filter. Questions asked on another Wagtail
    site: the column, the filter, and the answer's link on that site's host."""
    _question("only here", True)
    one = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    assert one.css_first("th.column-site_display") is None
    assert "By site" not in one.text()
    Question.objects.create(
        text="Do you trim hedges?",
        answered=True,
        site="beta.example",
        top_url="/hedges/#prices",
        top_heading="Hedges",
    )
    page = owner_client.get("/admin/site_assistant/question/")
    tree = LexborHTMLParser(page.content.decode())
    rows = {
        row.css_first("th.field-text, td.field-text").text(): row
        for row in tree.css("#result_list tbody tr")
    }
    beta = rows["Do you trim hedges?"]
    assert beta.css_first("td.field-site_display").text() == "beta.example"
    assert rows["only here"].css_first("td.field-site_display").text() == "default"
    link = beta.css_first("td.field-top_link a")
    assert link.attributes["href"] == "//beta.example/hedges/#prices"
    choices = [
        a.text() for a in tree.css("#changelist-filter a") if "site=" in a.attributes["href"]
    ]
    assert choices == ["The default site", "beta.example"]
    assert _listed(owner_client, "site=beta.example") == {"Do you trim hedges?"}
    assert _listed(owner_client, "site=") == {"only here"}


def test_questions_counts_per_day(owner_client):
    for _ in range(3):
        _question("today", True)
    _question("today, not sure", False)
    _question("two days ago", True, False, days_ago=2)
    Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")
    response = owner_client.get("/admin/site_assistant/question/")
    rows = list(response.context["counts_per_day"])
    counts = ("total", "answered_count", "unanswered_count", "other_language_count")
    # The German question was not searched: not "unanswered", a column of its own.
    assert [tuple(r[c] for c in counts) for r in rows] == [(5, 3, 1, 1), (1, 1, 0, 0)]
    assert 'id="questions-per-day"' in response.content.decode()
    # The questions log is read-only: no way to add or edit a question by hand.
    assert owner_client.get("/admin/site_assistant/question/add/").status_code == 403


def test_the_days_columns_add_up_with_the_questions_the_site_doesnt_answer(owner_client):
    """Asked 17 = answered 11 + unanswered 3 + other language 2: the ask the owner had
    declined ("The site doesn't answer this") was in no column. It has its own, linked to
    the list of those asks, and every day's columns add up to its questions."""
    _question("opening hours?", True)
    _question("can I bring my dog?", False)
    declined = _question("do you sell toys?", False)
    Question.objects.filter(pk=declined.pk).update(unanswerable=True)
    # Answered, found no help, then judged: still an answered one.
    judged = _question("is there parking?", True, helpful=False)
    Question.objects.filter(pk=judged.pk).update(unanswerable=True)
    Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")
    response = owner_client.get("/admin/site_assistant/question/")
    table = LexborHTMLParser(response.content.decode()).css_first("#questions-per-day")
    heads = [th.text() for th in table.css("thead th")]
    cells = dict(zip(heads, table.css("tbody tr")[0].css("td"), strict=True))
    parts = ["Answered", "Unanswered", "The site doesn’t answer", "Other language"]
    counts = {name: int(cells[name].text().split()[0]) for name in parts}
    assert counts == {
        "Answered": 2,
        "Unanswered": 1,
        "The site doesn’t answer": 1,
        "Other language": 1,
    }
    assert sum(counts.values()) == int(cells["Questions"].text()) == 5
    # The count links to the list of exactly those asks.
    link = cells["The site doesn’t answer"].css_first("a").attributes["href"]
    assert _listed(owner_client, link.removeprefix("?")) == {"do you sell toys?"}


def _log_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    log = [q["sql"] for q in queries if "site_assistant_question" in q["sql"]]
    return response, log


def _list_count(log: list[str]) -> str:
    """The list's own count among ``log``: not Questions per day's (by day, which counts
    each day's waiting questions with COUNT(DISTINCT text_key) over the days it reads)."""
    return next(
        sql
        for sql in log
        if ("COUNT(*)" in sql or "COUNT(DISTINCT" in sql) and ' AS "day"' not in sql
    )


def _plan(sql: str) -> str:
    """How the database would run ``sql``: SQLite's steps or PostgreSQL's lines, one a
    line; plain scans off on PostgreSQL (the tables are tiny: a scan would win)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_questions_list_reads_no_column_of_every_row(owner_client):
    """A busy site's log (100,000 questions in 30 days): each filter's choices were a
    SELECT DISTINCT of every row, the date drill-down another, and a filtered list
    counted its rows and then every row of the log again. Now the choices are read
    through the columns' indexes (a lookup per value), the date is a filter of links
    and a filtered list counts once (the Questions list: 0.27 s -> 0.14 s at 100,000
    questions on PostgreSQL, bench/questionlog.py)."""
    Question.objects.create(text="Wie viel kostet das?", language="de", model_id="base")
    Question.objects.create(text="Do you trim hedges?", site="beta.example", model_id="base")
    Question.objects.create(text="prices", answered=True, model_id="tuned")
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/?answered__exact=1")
    choices = [sql for sql in log if ' AS "day"' not in sql]  # Questions per day apart
    assert not [sql for sql in choices if "DISTINCT" in sql.upper()], log
    assert len([sql for sql in log if "COUNT(*)" in sql]) == 1, log
    assert {q.text for q in response.context["cl"].result_list} == {"prices"}
    # The choices are all there, as before.
    tree = LexborHTMLParser(response.content.decode())
    choices = [a.text() for a in tree.css("#changelist-filter a")]
    for choice in ("German (de)", "The site’s language", "beta.example", "base", "tuned"):
        assert choice in choices, choices
    for choice in ("Today", "Past 7 days", "This month"):
        assert choice in choices, choices


def test_the_questions_list_offers_no_counts_of_every_filter_choice(owner_client):
    """Django's "Show counts" counted each choice of each filter over the whole log
    (a COUNT per choice, 1M questions: seconds); the list offers no such link, and
    an unfiltered list says its total once, not "N results (Show all)"."""
    _question("prices", True)
    _question("hours", False)
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/?_facets=True")
    assert "Show counts" not in response.content.decode()
    # Django's facets are one aggregate of a COUNT per choice, named "<n>__c".
    assert not [sql for sql in log if '__c"' in sql], log
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    assert "Show all" not in tree.css_first("#changelist-search").text()
    assert "2 questions" in tree.css_first(".paginator").text()


def test_a_filtered_list_counts_up_to_a_limit(owner_client, monkeypatch):
    """ "Unanswered" over a million questions counted 700,000 rows on each of its pages
    (0.35 s); a filtered list stops counting at COUNT_LIMIT and says "10000+"."""
    from site_assistant import admin as app_admin

    for text in ("one", "two", "three"):
        _question(text, False)
    monkeypatch.setattr(app_admin, "COUNT_LIMIT", 2)
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/?answered__exact=0")
    counts = [sql for sql in log if "COUNT(*)" in sql]
    assert len(counts) == 1 and "LIMIT 3" in counts[0], counts
    tree = LexborHTMLParser(response.content.decode())
    assert "2+ questions" in tree.css_first(".paginator").text()
    assert "2+ results" in tree.css_first("#changelist-search").text()
    # "Unanswered" shows each question once: it counts the questions' keys, said alike.
    response = owner_client.get("/admin/site_assistant/question/?attention=unanswered")
    assert (
        "2+ questions" in LexborHTMLParser(response.content.decode()).css_first(".paginator").text()
    )
    # Under the limit the count is exact.
    monkeypatch.setattr(app_admin, "COUNT_LIMIT", 10)
    assert (
        owner_client.get("/admin/site_assistant/question/?attention=unanswered")
        .context["cl"]
        .result_count
        == 3
    )


def test_the_questions_list_sorts_only_by_indexed_columns(owner_client):
    """A column without an index was a sort of the whole log (0.7 s at a million
    questions): the list offers Asked, Text and Score, each read from an index that
    also holds the id the admin breaks ties by; another column asked for by its
    number (a kept address) leaves the list in its own order."""
    from site_assistant.admin import QuestionAdmin

    _question("a", False)
    _question("b", True)
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    sortable = [th.css_first(".text a").text() for th in tree.css("#result_list th.sortable")]
    assert sortable == ["Asked", "Text", "Score"]
    indexes = {tuple(index.fields) for index in Question._meta.indexes}
    indexed = {f.name for f in Question._meta.fields if f.db_index}
    for column in QuestionAdmin.sortable_by:
        field = getattr(QuestionAdmin, column, None)
        name = getattr(field, "admin_order_field", column)
        assert name in indexed or (name, "id") in indexes, name
    listed = owner_client.get("/admin/site_assistant/question/?o=5")  # Answered
    assert [q.text for q in listed.context["cl"].result_list] == ["b", "a"]  # newest first


def test_the_questions_search_reads_a_trigram_index_on_postgresql(owner_client):
    """The search (question, top passage's link and heading) read every row of the
    log: 2.2 s at a million questions for a word nobody asked. Migration 0019 adds
    pg_trgm indexes on the very expressions Django's admin searches; the list's own
    query can be answered from them (0.13 s)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    _question("How much is a landing page?", True)
    _question("opening hours", False)
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/?q=landing")
    assert {q.text for q in response.context["cl"].result_list} == {"How much is a landing page?"}
    searched = next(sql for sql in log if "LIKE" in sql and "COUNT" not in sql)
    with connection.cursor() as cursor:
        # A tiny table: turn off the plain scans to show what the search may read.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {searched}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for column in ("text", "top_url", "top_heading"):
        assert f"site_assistant_question_{column}_trgm" in plan, plan


def test_the_questions_in_another_language_are_read_through_the_languages_index(
    owner_client,
):
    """language <> '' read every row of the log (1 s for "In another language" over a
    million questions, 3% of them in another language); language > '' is a range of
    its index."""
    from django.db import connection

    _question("prices", True)
    Question.objects.create(text="Wo ist euer Büro?", language="de")
    response, log = _log_queries(
        owner_client, "/admin/site_assistant/question/?attention=other_language"
    )
    assert {q.text for q in response.context["cl"].result_list} == {"Wo ist euer Büro?"}
    # The list shows each question once: it counts their keys.
    plan = _plan(_list_count(log))
    if connection.vendor == "sqlite":
        assert "SEARCH site_assistant_question USING" in plan and "(language>?)" in plan, plan
    else:
        # "((language)::text > ''" or "(language > ''::text)", as the planner casts.
        bare = plan.replace("(", "").replace(")", "").replace("::text", "")
        assert "Index Cond: language > ''" in bare, plan


@pytest.mark.parametrize(
    "query, index",
    [
        ("attention=not_helpful", "sa_question_not_helpful"),
        ("helpful__exact=0", "sa_question_not_helpful"),
        ("training_approved__exact=1", "sa_question_approved"),
    ],
)
def test_the_few_questions_to_review_are_read_through_an_index(owner_client, query, index):
    """ "Not helpful" and "training approved" found a few rows by reading every row of
    the log (0.2 s at 100,000 questions, 0.4 s at a million); partial indexes hold
    just them."""

    _question("prices", True)
    Question.objects.create(text="where are you", helpful=False, training_approved=True)
    response, log = _log_queries(owner_client, f"/admin/site_assistant/question/?{query}")
    assert {q.text for q in response.context["cl"].result_list} == {"where are you"}
    # "Not helpful" shows each question once: it counts their keys.
    plan = _plan(_list_count(log))
    assert index in plan, plan


def test_a_day_of_the_questions_per_day_table_lists_that_days_questions(owner_client):
    _question("today", True)
    _question("two days ago", False, days_ago=2)
    _question("three days ago", False, days_ago=3)
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    days = tree.css("#questions-per-day tbody tr td:first-child a")
    assert len(days) == 3
    # The owner clicks the day two days ago (the second row: newest first).
    assert _listed(owner_client, days[1].attributes["href"].lstrip("?")) == {"two days ago"}
    assert _listed(owner_client, days[0].attributes["href"].lstrip("?")) == {"today"}


def test_a_big_log_is_counted_from_the_tables_statistics(owner_client, monkeypatch):
    """Past BIG_LOG rows (PostgreSQL's estimate) the unfiltered list is counted
    from the table's statistics, not COUNT(*) of the whole log on every page, and the
    per-day table counts only today again within PAST_DAYS_SECONDS."""
    from django.core.cache import cache
    from django.db import connection

    from site_assistant import models

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    for days_ago in (0, 0, 1, 2):
        _question("asked", True, days_ago=days_ago)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE site_assistant_question")
    monkeypatch.setattr(models, "BIG_LOG", 1)
    cache.clear()
    owner_client.get("/admin/site_assistant/question/")
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/")
    assert not [sql for sql in log if "COUNT(*)" in sql], log
    assert response.context["cl"].result_count == 4
    per_day = [sql for sql in log if 'AS "day"' in sql]
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert len(per_day) == 1 and today.isoformat(" ")[:10] in per_day[0], per_day
    rows = response.context["counts_per_day"]
    assert [row["total"] for row in rows] == [2, 1, 1]
    # A filtered list counts exactly.
    response, log = _log_queries(owner_client, "/admin/site_assistant/question/?answered__exact=1")
    assert response.context["cl"].result_count == 4
    assert len([sql for sql in log if "COUNT(*)" in sql]) == 1


@pytest.mark.usefixtures("built_index")
def test_try_a_question_shows_ranked_passages_with_scores(owner_client):
    response = owner_client.get(
        "/admin/site_assistant/question/try/", {"q": "Can I scrape the site?", "k": 4}
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result.answer.link == "/terms/#use-of-site"
    assert len(result.results) == 4
    html = response.content.decode()
    table = LexborHTMLParser(html).css_first("#try-results")
    rows = [row.text(separator=" ") for row in table.css("tbody tr")]
    assert len(rows) == 4
    assert f"{result.results[0].score:.3f}" in rows[0] and "Use of site" in rows[0]
    assert "/terms/#use-of-site" in html
    assert not Question.objects.exists()  # the owner's tries are not logged


@pytest.mark.usefixtures("built_index")
@pytest.mark.parametrize("k", ["²", "0", "x", "99999999999999999999"])
def test_try_a_question_with_a_k_that_is_no_number_says_so(owner_client, k):
    """ "²" is a digit to str.isdigit() but not to int(): it was a 500."""
    response = owner_client.get("/admin/site_assistant/question/try/", {"q": "price", "k": k})
    assert response.status_code == 200
    assert "“Passages to show” must be a whole number from 1 to" in response.content.decode()
    assert response.context["result"] is None


@pytest.mark.usefixtures("built_index")
def test_try_a_question_leaves_out_a_withdrawn_page_and_says_so(
    owner_client, django_capture_on_commit_callbacks
):
    from site_assistant import withdrawn

    ask = {"q": "Can I scrape the site?", "k": 4}
    before = owner_client.get("/admin/site_assistant/question/try/", ask)
    assert before.context["result"].answer.url == "/terms/"
    assert b'id="try-withdrawn"' not in before.content
    with django_capture_on_commit_callbacks(execute=True):
        withdrawn.withdraw(["/terms/"])  # as unpublishing the page would
    after = owner_client.get("/admin/site_assistant/question/try/", ask)
    assert [hit.url for hit in after.context["result"].results if hit.url == "/terms/"] == []
    note = LexborHTMLParser(after.content.decode()).css_first("#try-withdrawn").text()
    assert note.startswith("Left out until the next build, as for visitors: /terms/")


@pytest.mark.usefixtures("built_index")
def test_try_a_question_offers_the_sites_of_a_multi_site_index(owner_client, monkeypatch):
    """One site (this one): no choice. Several Wagtail sites: ask as a visitor of
    one (the per-site answers themselves: test_sources_wagtail.py)."""
    from site_assistant import services

    url = "/admin/site_assistant/question/try/"
    one = LexborHTMLParser(owner_client.get(url, {"q": "prices"}).content.decode())
    assert one.css_first("#try-site") is None
    asked = []
    answer = services.answer
    monkeypatch.setattr(services, "other_sites", lambda: ["beta.example"])
    monkeypatch.setattr(
        services, "answer", lambda q, k, host="": asked.append(host) or answer(q, k)
    )
    page = owner_client.get(url, {"q": "prices", "site": "beta.example"})
    chosen = LexborHTMLParser(page.content.decode()).css_first("#try-site option[selected]")
    assert chosen.attributes["value"] == "beta.example"
    owner_client.get(url, {"q": "prices", "site": "elsewhere.example"})  # not offered
    assert asked == ["beta.example", ""]


@pytest.mark.usefixtures("built_index")
def test_try_a_question_in_another_language_shows_what_visitors_get_and_no_table(owner_client):
    response = owner_client.get("/admin/site_assistant/question/try/", {"q": "Wo ist euer Büro?"})
    tree = LexborHTMLParser(response.content.decode())
    assert "Another language (German)" in tree.css_first("#try-verdict").text()
    assert tree.css_first("#try-results") is None  # no empty table of passages


def test_try_a_question_reports_bad_input_without_crashing(owner_client):
    response = owner_client.get("/admin/site_assistant/question/try/", {"q": "hi", "k": "abc"})
    assert response.status_code == 200
    assert "“Passages to show” must be a whole number from 1 to 20" in response.content.decode()


def test_passages_are_read_only_searchable_and_filtered_by_page(owner_client):
    terms = Page.objects.create(url="/test-terms/", title="Terms")
    about = Page.objects.create(url="/test-about/", title="About")
    scraping = Passage.objects.create(
        text="No abuse, scraping, or harmful behavior.",
        url="/terms/",
        anchor="use-of-site",
        text_hash="a",
    )
    scraping.pages.add(terms)
    story = Passage.objects.create(
        text="Marmalade zebras began in 2023.", url="/about/", text_hash="b"
    )
    story.pages.add(about)

    def listed(query):
        response = owner_client.get(f"/admin/site_assistant/passage/?{query}")
        assert response.status_code == 200
        return {p.pk for p in response.context["cl"].result_list}

    assert listed(f"pages__id__exact={terms.pk}") == {scraping.pk}
    assert listed("q=marmalade+zebras") == {story.pk}
    assert owner_client.get("/admin/site_assistant/passage/add/").status_code == 403
    change = owner_client.get(f"/admin/site_assistant/passage/{scraping.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert (
        owner_client.post(f"/admin/site_assistant/passage/{scraping.pk}/delete/").status_code == 403
    )


def test_the_passages_list_of_a_site_of_many_pages_lists_no_link_per_page(owner_client):
    """Thousands of pages made a "By page" link each on every page of the Passages
    list (340 KB of HTML for 4,017 pages). Past 100 pages the filter is reached
    from the Pages list's passage counts, and shows the page picked."""
    pages = Page.objects.bulk_create(
        Page(url=f"/notes/{n}/", title=f"Note {n}") for n in range(150)
    )
    passages = Passage.objects.bulk_create(
        Passage(text=f"Note {n} says this.", url=f"/notes/{n}/", text_hash=str(n))
        for n in range(150)
    )
    Passage.pages.through.objects.bulk_create(
        Passage.pages.through(passage_id=passage.pk, page_id=page.pk)
        for passage, page in zip(passages, pages, strict=True)
    )
    response = owner_client.get("/admin/site_assistant/passage/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("pages__id__exact=") < 5
    assert len(html) < 100_000, len(html)

    note = pages[7]
    page_list = owner_client.get("/admin/site_assistant/page/?q=/notes/7/").content.decode()
    link = f"/admin/site_assistant/passage/?pages__id__exact={note.pk}"
    assert f'href="{link}"' in page_list
    response = owner_client.get(link)
    assert [p.pk for p in response.context["cl"].result_list] == [passages[7].pk]
    picked = LexborHTMLParser(response.content.decode()).css_first("#changelist-filter")
    assert "/notes/7/" in picked.text() and "/notes/8/" not in picked.text()


@pytest.mark.usefixtures("built_index")
def test_example_questions_name_a_real_section_or_are_refused(owner_client):
    from site_assistant.models import ExampleQuestion

    add = "/admin/site_assistant/examplequestion/add/"
    response = owner_client.post(add, {"question": "how much for a shop?", "url": "/nowhere/#x"})
    assert response.status_code == 200
    assert "No section of the site has this link" in response.content.decode()
    response = owner_client.post(add, {"question": "how much for a shop?", "url": "pricing"})
    assert "starting with /" in response.content.decode()
    assert not ExampleQuestion.objects.filter(question="how much for a shop?").exists()

    response = owner_client.post(
        add, {"question": "how much for a shop?", "url": "/services/#pricing", "active": "on"}
    )
    assert response.status_code == 302
    assert ExampleQuestion.objects.filter(question="how much for a shop?").exists()
    listing = owner_client.get("/admin/site_assistant/examplequestion/?q=shop").content.decode()
    assert "Pricing" in listing  # the section it answers, from the live index


@pytest.mark.usefixtures("built_index")
def test_an_example_question_saved_while_a_training_run_trains_says_its_build_waits_for_it(
    owner_client, with_a_broker, django_capture_on_commit_callbacks, training_at_step_22
):
    """Saved through Example questions › Add during Training #3, an example question said
    only "was added successfully" while the build it set off sat queued behind the run
    (one worker runs one task at a time), for as long as the run had left. "Fix this
    answer" said so; the example question's own add and change say it too now."""
    from site_assistant.models import ExampleQuestion
    from tests.site_assistant.conftest import step_22_minutes_left

    run = training_at_step_22
    waits = (
        f"Waiting for Training #{run.pk} to finish, about {step_22_minutes_left()} minutes "
        "left (estimate): the worker runs one task at a time. The build starts by itself "
        "then. To build now, cancel the run; whoever runs the site can give training a "
        "worker of its own, so builds never wait for it."
    )

    def said(response):
        assert response.status_code == 302
        tree = LexborHTMLParser(owner_client.get(response["Location"]).content.decode())
        return [" ".join(li.text().split()) for li in tree.css(".messagelist li")]

    add = "/admin/site_assistant/examplequestion/add/"
    with django_capture_on_commit_callbacks(execute=True):  # the build, asked for on commit
        added = owner_client.post(
            add, {"question": "how much for a shop?", "url": "/services/#pricing", "active": "on"}
        )
    assert said(added) == [
        "The example question “how much for a shop?” was added successfully. Its index "
        "build is queued, not started. " + waits
    ]
    queued = IndexBuild.objects.get()
    assert queued.status == IndexBuild.Status.QUEUED

    example = ExampleQuestion.objects.get(question="how much for a shop?")
    change = f"/admin/site_assistant/examplequestion/{example.pk}/change/"
    changed = owner_client.post(
        change, {"question": "how much is a shop?", "url": "/services/#pricing", "active": "on"}
    )
    assert said(changed) == [
        "The example question “how much is a shop?” was changed successfully. It joins "
        f"index build #{queued.pk}, queued, not started. " + waits
    ]


@pytest.mark.usefixtures("built_index")
def test_an_example_question_asked_already_is_refused_naming_the_one_it_is(owner_client):
    from site_assistant.models import ExampleQuestion

    add = "/admin/site_assistant/examplequestion/add/"
    existing = ExampleQuestion.objects.create(
        question="how much for a shop?", url="/services/#pricing"
    )
    same = ExampleQuestion.objects.filter(question__iexact="how much for a shop?")

    # The same question (case and spacing aside) for the same section: a duplicate.
    response = owner_client.post(
        add, {"question": " How much  for a SHOP? ", "url": "/services/#pricing", "active": "on"}
    )
    assert response.status_code == 200
    assert (
        "“how much for a shop?” is already an example question for Services › Pricing "
        "(/services/#pricing)."
    ) in response.content.decode()
    # Without its "?", as serving matches a visitor's question to it: the same question.
    response = owner_client.post(
        add, {"question": "how much for a shop", "url": "/services/#pricing", "active": "on"}
    )
    assert "is already an example question for Services › Pricing" in response.content.decode()
    # For another section: refused too, naming the section it answers and how to move it.
    other = {"question": "How much for a shop?", "url": "/services/#ux-ui-design"}
    response = owner_client.post(add, {**other, "active": "on"})
    html = response.content.decode()
    assert "already an example question for another section, Services › Pricing" in html
    assert "To move it, edit that example question" in html
    assert same.count() == 1

    # Switched off, it answers nothing, so it may wait beside the active one...
    response = owner_client.post(add, other)
    assert response.status_code == 302 and same.count() == 2
    waiting = same.get(active=False)
    # ...but switching it on is refused while the other is active.
    change = f"/admin/site_assistant/examplequestion/{waiting.pk}/change/"
    response = owner_client.post(change, {**other, "active": "on"})
    assert "already an example question for another section" in response.content.decode()
    assert same.filter(active=True).count() == 1
    # Saving the existing one again is no clash with itself.
    change = f"/admin/site_assistant/examplequestion/{existing.pk}/change/"
    response = owner_client.post(
        change, {"question": "how much for a shop?", "url": "/services/#pricing", "active": "on"}
    )
    assert response.status_code == 302


SECTIONS = "/admin/site_assistant/examplequestion/sections/"


@pytest.mark.usefixtures("built_index")
def test_the_section_picker_finds_sections_by_their_words_and_names_them(owner_client):
    found = owner_client.get(SECTIONS, {"term": "pricing"}).json()
    assert found["results"][0] == {"id": "/services/#pricing", "text": "Services › Pricing"}
    assert found["pagination"] == {"more": False}
    # No words: every section, a page at a time, in the site's order.
    first = owner_client.get(SECTIONS).json()
    second = owner_client.get(SECTIONS, {"page": "2"}).json()
    assert len(first["results"]) == 20 and first["pagination"]["more"] is True
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert owner_client.get(SECTIONS, {"term": "zebra-marmalade"}).json()["results"] == []
    assert owner_client.get(SECTIONS, {"page": "²"}).status_code == 200


@pytest.mark.usefixtures("built_index")
def test_the_example_question_form_picks_a_section_and_shows_the_chosen_one(owner_client):
    add = "/admin/site_assistant/examplequestion/add/"
    tree = LexborHTMLParser(owner_client.get(add, {"url": "/services/#pricing"}).content.decode())
    select = tree.css_first("select#id_url")
    assert "admin-autocomplete" in select.attributes["class"]
    assert select.attributes["data-ajax--url"] == SECTIONS
    chosen = select.css_first("option[selected]")
    assert chosen.attributes["value"] == "/services/#pricing"
    assert chosen.text() == "Services › Pricing"
    assert tree.css_first("label[for=id_url]").text().startswith("Section that answers it")


def test_before_the_first_build_the_section_is_typed_as_a_link(owner_client, settings, tmp_path):
    from site_assistant import index
    from site_assistant.models import ExampleQuestion

    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(tmp_path)}
    index.forget_loaded()
    add = "/admin/site_assistant/examplequestion/add/"
    tree = LexborHTMLParser(owner_client.get(add).content.decode())
    assert tree.css_first("input#id_url[type=text]") is not None
    assert "no index yet" in tree.css_first("#id_url_helptext").text()
    response = owner_client.post(add, {"question": "price of a shop?", "url": "pricing"})
    assert "starting with /" in response.content.decode()
    response = owner_client.post(add, {"question": "price of a shop?", "url": "/services/#pricing"})
    assert response.status_code == 302
    assert ExampleQuestion.objects.get(question="price of a shop?").url == "/services/#pricing"
    index.forget_loaded()


def test_lists_show_human_dates_with_the_exact_time_on_hover(owner_client):
    from site_assistant.models import ExampleQuestion, TrainingRun

    asked = _question("asked earlier", True)
    two_hours_ago = timezone.now() - timedelta(hours=2, minutes=1)
    Question.objects.filter(pk=asked.pk).update(created=two_hours_ago)
    IndexBuild.objects.create(status="succeeded", trigger="admin")
    ExampleQuestion.objects.create(question="how much?", url="/services/#pricing")
    TrainingRun.objects.create(status="succeeded")
    Page.objects.create(url="/seen/", last_seen=timezone.now())
    for url in (
        "/admin/site_assistant/question/",
        "/admin/site_assistant/indexbuild/",
        "/admin/site_assistant/examplequestion/",
        "/admin/site_assistant/trainingrun/",
        "/admin/site_assistant/page/",
    ):
        tree = LexborHTMLParser(owner_client.get(url).content.decode())
        times = tree.css("#result_list time")
        assert times, url
        for node in times:
            assert node.text().replace("\xa0", " ").endswith(("ago", "now")), (url, node.text())
            # The exact time on hover, as on a record's page: "Dec. 7, 2026, 1:52 p.m. CET".
            zone = timezone.localtime().strftime("%Z")  # CET, CEST in summer
            assert node.attributes["title"].endswith(f" {zone}") and node.attributes["datetime"]
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    row = tree.css_first("#result_list tbody tr").text(separator=" ").replace("\xa0", " ")
    assert "2 hours ago" in row
    local = timezone.localtime(two_hours_ago)
    exact = f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.strftime('%Z')}"
    assert tree.css_first("#result_list time").attributes["title"] == exact


def test_passages_say_which_index_they_belong_to_in_words(owner_client, settings, tmp_path):
    Passage.objects.create(text="Old text.", url="/x/", text_hash="h", index_version="v-old")
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "INDEX_DIR": str(tmp_path),
    }  # nothing serving
    cell = LexborHTMLParser(
        owner_client.get("/admin/site_assistant/passage/").content.decode()
    ).css_first("td.field-version_display span")
    assert cell.text() == "an older build" and cell.attributes["title"] == "Index version v-old"


@pytest.mark.usefixtures("built_index")
def test_try_a_question_speaks_plainly(owner_client):
    html = owner_client.get("/admin/site_assistant/question/try/", {"q": "Can I scrape the site?"})
    html = html.content.decode()
    tree = LexborHTMLParser(html)
    page_text = tree.css_first("#content-main").text(separator=" ")
    for jargon in ("MIN_SCORE_FROM_MODEL", "search_finetune", "k must"):
        assert jargon not in page_text
    assert tree.css_first("label[for=try-k]").text() == "Passages to show"
    assert "How many of the closest passages" in tree.css_first("#try-k-help").text()
    help_text = tree.css_first("#try-help").text()
    assert "score from 0 to 1" in help_text and "I’m not sure" in help_text
    assert "the answer threshold" in help_text
    # The built index calibrated its own threshold: the help says how, in plain words.
    assert "set when the index was built" in help_text
    assert "questions about something else" in help_text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["refusing_broker", "hanging_broker"])
def test_the_rebuild_button_says_in_red_that_nothing_started_when_the_queue_is_down(
    client, django_user_model, broker, request
):
    request.getfixturevalue(broker)
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    started = time.monotonic()
    response = client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    took = time.monotonic() - started
    assert took < 3, f"the request was held {took:.1f} s"
    html = LexborHTMLParser(response.content.decode())
    errors = [li.text(strip=True) for li in html.css("ul.messagelist li.error")]
    assert errors and "task queue is not answering" in errors[0] and "nothing was" in errors[0]
    assert not html.css("ul.messagelist li.success")
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "unqueued" and build.lock is None
    assert build.not_queued == "no_answer"


def press_rebuild(client, django_user_model) -> list[str]:
    """Signed in as a new superuser, press "Rebuild index now": the page's red messages."""
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    response = client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    html = LexborHTMLParser(response.content.decode())
    return [li.text(strip=True) for li in html.css("ul.messagelist li.error")]


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_button_names_a_broker_the_process_cannot_talk_to(
    client, django_user_model, point_broker
):
    """A project on Redis without the `redis` package (the wheel does not install it) was
    told "the task queue is not answering ... try again once it is back", which no wait
    mends. A broker this process has no client library for (here ZooKeeper) is named."""
    point_broker("zookeeper://127.0.0.1:1/")
    errors = press_rebuild(client, django_user_model)
    assert errors and "task queue is not answering" not in errors[0], errors
    assert "Not queued: the task could not be sent (" in errors[0], errors
    assert "client library installed" in errors[0] and "pip install redis" in errors[0]
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "unqueued" and build.lock is None
    assert build.not_queued == "cannot_send"
    # The builds list says why in its status, not "task queue unreachable".
    listed = client.get("/admin/site_assistant/indexbuild/").content.decode()
    status = LexborHTMLParser(listed).css_first("td.field-outcome_display strong").text()
    assert status == "Not queued (the task could not be sent)", status


@pytest.mark.django_db(transaction=True)
def test_the_rebuild_button_decides_from_the_recorded_reason_not_the_errors_wording(
    client, django_user_model, point_broker, monkeypatch
):
    """What the owner is told was decided by looking for "the task could not be sent" in
    the build's error: reworded (or translated), a broker this process cannot talk to
    read as a queue that is not answering, "try again once it is back"."""
    from site_assistant import tasks

    monkeypatch.setattr(
        tasks, "why_not_sent", lambda exc: f"Aufgabe nicht gesendet ({type(exc).__name__})."
    )
    point_broker("zookeeper://127.0.0.1:1/")
    errors = press_rebuild(client, django_user_model)
    assert errors and "not answering" not in errors[0], errors
    assert "Aufgabe nicht gesendet (" in errors[0], errors
    assert IndexBuild.objects.get(trigger="admin").not_queued == "cannot_send"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("built_index")
def test_without_a_broker_a_build_inside_the_request_says_it_finished(
    client, django_user_model, settings, site_vectors
):
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "REBUILD_IN_BACKGROUND_WITHOUT_BROKER": False,
    }
    # About what the owner is told, not embedding: the cache an earlier build of the site
    # left (a transactional test before this one emptied it), or the build embeds it all.
    site_vectors()
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    response = client.post("/admin/site_assistant/indexbuild/rebuild/", follow=True)
    build = IndexBuild.objects.get(trigger="admin")
    assert build.status == "succeeded", build.error
    html = LexborHTMLParser(response.content.decode())
    success = [li.text(strip=True) for li in html.css("ul.messagelist li.success")]
    assert success == [
        f"Index rebuild #{build.pk} finished in {build.duration.total_seconds():.1f} s: "
        f"{build.passages} passages from {build.pages} pages, now live."
    ]


def test_the_owner_approves_helpful_questions_for_training_but_never_personal_ones(
    owner_client,
):
    clean = _question("where are your servers", True, True)
    personal = _question("call me on 041 555 123 about servers", True, True)
    unvoted = _question("do you do logos", True, None)
    assert not Question.objects.trainable().exists()  # a vote alone is not enough
    response = owner_client.post(
        "/admin/site_assistant/question/",
        {
            "action": "approve_for_training",
            "_selected_action": [clean.pk, personal.pk, unvoted.pk],
        },
        follow=True,
    )
    text = response.content.decode()
    assert "2 questions approved for training." in text
    assert "1 not approved: it holds what looks like personal data" in text
    assert list(Question.objects.trainable()) == [clean]  # unvoted: approved, not helpful
    # Approval set by other means still never lets personal text through.
    Question.objects.filter(pk=personal.pk).update(training_approved=True)
    assert list(Question.objects.trainable()) == [clean]


def test_an_address_split_by_an_invisible_character_is_still_personal(owner_client):
    """Logged before questions were cleaned (or typed into an example question): a
    zero-width space hid "ana@example.com" from the personal-data check."""
    hidden = _question("mail me at ana@example\u200b.com", True, True)
    response = owner_client.post(
        "/admin/site_assistant/question/",
        {"action": "approve_for_training", "_selected_action": [hidden.pk]},
        follow=True,
    )
    assert "1 not approved: it holds what looks like personal data" in response.content.decode()
    assert not Question.objects.trainable().exists()


def test_training_reads_many_approved_questions_without_a_parameter_each():
    """A busy log's approved questions (9,000 at a million questions) were each a
    parameter of the query training reads them by, and past SQLite's limit (32,766
    parameters by default; Debian's build allows 250,000) that query fails ("too
    many SQL variables"). Only the few personal ones are named now."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Question.objects.bulk_create(
        Question(text=f"where are your servers {n}", helpful=True, training_approved=True)
        for n in range(60)
    )
    _question("mail me at ana@example.com", True, True)
    Question.objects.filter(helpful=True).update(training_approved=True)
    with CaptureQueriesContext(connection) as queries:
        trainable = list(Question.objects.trainable())
    assert len(trainable) == 60
    assert max(q["sql"].count(",") for q in queries) < 40, queries[-1]["sql"]


@pytest.mark.usefixtures("built_index")
def test_a_questions_answer_is_named_as_the_visitor_saw_it(client, owner):
    """The Questions list and Fix this answer named the answer by its headings
    alone, "Say hello › Where we are" (the contact page's top heading), where
    the visitor and the section pickers read "Contact › Where we are"."""
    from django.test import Client

    Client().get("/search/", {"q": "Where are you based?"})  # a visitor asks
    question = Question.objects.get(text="Where are you based?")
    assert question.top_url == "/contact/#where-we-are"
    assert question.top_heading == "Say hello › Where we are"  # the headings, as logged

    client.force_login(owner)
    for page in (
        "/admin/site_assistant/question/",
        f"/admin/site_assistant/question/{question.pk}/fix/",
    ):
        html = client.get(page).content.decode()
        assert ">Contact › Where we are</a>" in html, page
        assert "Say hello › Where we are" not in html, page


@pytest.mark.parametrize("model", ["indexbuild", "question", "trainingrun"])
def test_after_deleting_a_row_the_owner_is_back_on_its_list(owner_client, model):
    """Deleting a build, a question or a training run (models nobody edits) sent
    the owner to the admin's home page, not back to the list they came from."""
    from urllib.parse import urlencode

    from site_assistant.models import TrainingRun

    row = {
        "indexbuild": lambda: IndexBuild.objects.create(status="failed", trigger="admin"),
        "question": lambda: _question("do you sell bicycles?", answered=False),
        "trainingrun": lambda: TrainingRun.objects.create(status="failed"),
    }[model]()
    listing = f"/admin/site_assistant/{model}/"
    filters = "attention=unanswered" if model == "question" else "status=failed"
    delete = f"{listing}{row.pk}/delete/?" + urlencode({"_changelist_filters": filters})
    response = owner_client.post(delete, {"post": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{listing}?{filters}"  # the list, as it was
    assert "was deleted successfully" in response.content.decode()
    assert not type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.usefixtures("built_index")
def test_an_example_question_whose_section_is_gone_can_be_switched_off_on_its_page(
    owner_client,
):
    """The overview said an example question named a section the site no longer has;
    its page refused to save it switched off ("No section of the site has this link"),
    so it stayed active and counted until deleted or pointed elsewhere."""
    from site_assistant.models import ExampleQuestion

    lost = ExampleQuestion.objects.create(
        question="do you do wordpress sites?", url="/services/#wordpress"
    )
    change = f"/admin/site_assistant/examplequestion/{lost.pk}/change/"
    kept = {"question": lost.question, "url": lost.url}
    response = owner_client.post(change, {**kept, "active": "on"})  # still active: refused
    assert response.status_code == 200
    assert "Or untick Active to keep it, switched off, until you do." in response.content.decode()
    response = owner_client.post(change, kept)  # Active unticked
    assert response.status_code == 302
    lost.refresh_from_db()
    assert not lost.active
    # Another example question cannot be pointed at the gone section, on or off.
    other = ExampleQuestion.objects.create(question="how much?", url="/services/#pricing")
    response = owner_client.post(
        f"/admin/site_assistant/examplequestion/{other.pk}/change/",
        {"question": "how much?", "url": "/services/#wordpress"},
    )
    assert "No section of the site has this link" in response.content.decode()


def _fields(tree, fieldset) -> dict[str, str]:
    """A read-only fieldset's values by field name (its row's "field-<name>" class)."""
    shown = {}
    for row in fieldset.css("div.form-row"):
        name = next(
            c[len("field-") :] for c in row.attributes["class"].split() if c.startswith("field-")
        )
        shown[name] = row.css_first("div.readonly").text(strip=True)
    return shown


def _question_page(client, question):
    response = client.get(f"/admin/site_assistant/question/{question.pk}/change/")
    assert response.status_code == 200
    tree = LexborHTMLParser(response.content.decode())
    plain, technical = tree.css("#question_form fieldset")
    return tree, plain, technical


def test_a_questions_page_reads_in_rounded_figures_with_the_exact_ones_folded(owner_client):
    """The owner read "Score 0.2832232415676117", "Latency ms 434.62", "Model id" and
    "Index version" among the question's values, and a "Site" field about several Wagtail
    sites on a site of one. Now the score is rounded with what it means, the time to
    answer is "435 ms", and the exact values a developer looks for sit in a folded
    "Technical details"."""
    question = Question.objects.create(
        text="how much does a landing page cost?",
        answered=True,
        score=0.2832232415676117,
        latency_ms=434.62,
        top_url="/services/#pricing",
        top_heading="Services › Pricing",
        model_id="all-MiniLM-L6-v2",
        index_version="v-20261207T140312000000-all-MiniLM-L6-v2",
    )
    tree, plain, technical = _question_page(owner_client, question)
    shown = _fields(tree, plain)
    assert shown["score_display"].startswith("0.28") and "0.2832" not in shown["score_display"]
    assert "perfect match" in plain.css_first(".field-score_display .help").text()
    assert shown["latency_display"].startswith("435 ms")
    assert shown["approved_display"].startswith("–")  # not Django's red ✖
    assert not plain.css(".field-approved_display img, .field-unanswerable_display img")
    words = plain.text()
    for raw in ("all-MiniLM-L6-v2", "v-20261207", "0.2832232415676117", "434.62"):
        assert raw not in words, raw
    assert "Site" not in [label.text(strip=True).rstrip(":") for label in plain.css("label")]
    assert "Wagtail" not in tree.text()
    # Folded, not removed: the exact values under "Technical details".
    assert "collapse" in technical.attributes["class"].split()
    assert technical.css_first("summary").text(strip=True) == "Technical details"
    exact = _fields(tree, technical)
    assert exact["score"] == "0.2832232415676117" and exact["latency_ms"] == "434.62"
    assert exact["model_id"] == "all-MiniLM-L6-v2"
    assert exact["index_version"] == "v-20261207T140312000000-all-MiniLM-L6-v2"
    assert exact["top_url"] == "/services/#pricing"


def test_a_questions_page_names_its_site_only_where_there_are_several(owner_client, settings):
    """The site a question was asked on, in words, once the assistant serves several sites
    (PER_SITE names them, or a question came from another one); its hostname folded."""
    question = Question.objects.create(text="Do you trim hedges?", site="beta.example")
    tree, plain, technical = _question_page(owner_client, question)
    assert _fields(tree, plain)["site_display"].startswith("beta.example")
    assert "Which of your sites" in plain.css_first(".field-site_display .help").text()
    assert _fields(tree, technical)["site"].startswith("beta.example")
    here = Question.objects.create(text="Do you mow lawns?")
    tree, plain, _ = _question_page(owner_client, here)
    assert _fields(tree, plain)["site_display"].startswith("default")
    Question.objects.filter(pk=question.pk).delete()
    assert "site_display" not in _fields(*_question_page(owner_client, here)[:2])
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "PER_SITE": {"beta.example": {}}}
    assert "site_display" in _fields(*_question_page(owner_client, here)[:2])


def test_a_builds_page_folds_its_technical_details(owner_client):
    """ "Coalesced into", "Task id", "Model id" and the index version sat among the build's
    dates; now they are folded under "Technical details", with their values."""
    now = timezone.now()
    running = IndexBuild.objects.create(status="succeeded", trigger="admin", created=now)
    build = IndexBuild.objects.create(
        status="coalesced",
        trigger="admin",
        coalesced_into=running,
        version="v-20261207T140312000000-all-MiniLM-L6-v2",
        model_id="all-MiniLM-L6-v2",
        task_id="4f1c2a9e-task",
        created=now,
    )
    response = owner_client.get(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    tree = LexborHTMLParser(response.content.decode())
    plain, technical = tree.css("#indexbuild_form fieldset")
    assert {"trigger", "created_at", "finished_at"} <= set(_fields(tree, plain))
    assert "collapse" in technical.attributes["class"].split()
    exact = _fields(tree, technical)
    assert exact["task_id"] == "4f1c2a9e-task" and exact["model_id"] == "all-MiniLM-L6-v2"
    assert exact["version"] == "v-20261207T140312000000-all-MiniLM-L6-v2"
    assert exact["coalesced_into"] == str(running)  # a link to the build it joined


def test_the_questions_list_speaks_to_the_owner_and_keeps_developer_filters_for_two_models(
    owner_client,
):
    """The list showed Django's red ✖ under "Training approved" on every row (read as an
    error), a "By model id" filter of one model, and a setting's code as the note's words.
    Now a question not approved reads "–", the model filter shows once two models answered,
    and the note's words come first, the setting after them in small."""
    Question.objects.create(text="prices", answered=True, model_id="all-MiniLM-L6-v2")
    Question.objects.create(
        text="hours", answered=True, training_approved=True, model_id="all-MiniLM-L6-v2"
    )
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    cells = {
        row.css_first(".field-text").text(): row.css_first("td.field-approved_display")
        for row in tree.css("#result_list tbody tr")
    }
    assert cells["prices"].text() == "–" and not cells["prices"].css("img")
    assert cells["hours"].text() == "✓ approved"
    assert tree.css_first("th.column-approved_display").text(strip=True) == "Training"
    assert "By model" not in tree.css_first("#changelist-filter").text()
    note = tree.css_first("#staff-questions")
    assert note.text().startswith("Questions you and other staff ask while signed in")
    assert note.css_first("code").parent.attributes["class"] == "help"
    Question.objects.create(text="prices?", answered=True, model_id="ft-site-1234")
    tree = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").content.decode())
    filters = tree.css_first("#changelist-filter")
    assert "By model" in filters.text()
    assert {"all-MiniLM-L6-v2", "ft-site-1234"} <= {a.text() for a in filters.css("a")}


def _rows(client, query):
    """The Questions list's rows as the owner reads them: {question: {column: value}}."""
    response = client.get(f"/admin/site_assistant/question/?{query}")
    assert response.status_code == 200
    tree = LexborHTMLParser(response.content.decode())
    rows = {}
    for row in tree.css("#result_list tbody tr"):
        cells = {
            next(c for c in cell.attributes["class"].split() if c.startswith("field-")): cell
            for cell in row.css("th, td")
            if "field-" in (cell.attributes.get("class") or "")
        }
        text = cells["field-text"].text(strip=True)
        rows[text] = {name.removeprefix("field-"): cell for name, cell in cells.items()}
    return rows, tree


def test_the_unanswered_list_shows_each_question_once_with_how_often_and_when_last(
    owner_client,
):
    """A question twelve visitors asked was twelve rows of the Unanswered list, and "How
    much is a website?" beside "how much is a website" two questions: each question is
    one row now, as last asked, with how many times and when it was last asked; the
    list's filters, search and sorting act on the asks before they are grouped."""
    first = _question("How much is a website?", False, days_ago=3)
    _question("how much is a website", False, days_ago=2)
    latest = _question("How much  is a website", False, False, days_ago=1)
    hours = _question("do you work on weekends?", False)
    _question("how much is a website", True)  # answered: not in Unanswered
    rows, tree = _rows(owner_client, "attention=unanswered")
    assert list(rows) == ["do you work on weekends?", "How much  is a website"]  # newest first
    website = rows["How much  is a website"]
    assert website["asks_display"].text(strip=True) == "3"
    assert rows["do you work on weekends?"]["asks_display"].text(strip=True) == "1"
    heading = tree.css_first("th.column-last_asked_display").text(strip=True)
    assert heading == "Last asked"
    assert "1\xa0day ago" in website["last_asked_display"].text()
    # Its link: the latest ask's own page; "3": each ask, in the whole log.
    link = website["text"].css_first("a").attributes["href"]
    assert link.startswith(f"/admin/site_assistant/question/{latest.pk}/")
    every = website["asks_display"].css_first("a").attributes["href"]
    assert {q.pk for q in owner_client.get(every).context["cl"].result_list} >= {first.pk}
    # Most asked first: the column's sort link, then its toggle.
    sort = tree.css_first("th.column-asks_display a").attributes["href"]
    by_asks, sorted_tree = _rows(owner_client, sort.lstrip("?"))
    assert list(by_asks) == ["do you work on weekends?", "How much  is a website"]
    toggle = sorted_tree.css_first("th.column-asks_display a.toggle").attributes["href"]
    assert list(_rows(owner_client, toggle.lstrip("?"))[0])[0] == "How much  is a website"
    # Filters and search pick the asks, then they are grouped.
    assert _rows(owner_client, "attention=unanswered&q=website")[0].keys() == {
        "How much  is a website"
    }
    recent, _ = _rows(owner_client, f"attention=unanswered&created__gte={hours.created.date()}")
    assert list(recent) == ["do you work on weekends?"]
    not_helpful, _ = _rows(owner_client, "attention=not_helpful")
    assert not_helpful["How much  is a website"]["asks_display"].text(strip=True) == "1"
    # The whole log stays a row an ask.
    assert len(_rows(owner_client, "")[0]) == 4 and Question.objects.count() == 5
    # A page of the list counts questions, not asks.
    assert (
        owner_client.get("/admin/site_assistant/question/?attention=unanswered")
        .context["cl"]
        .result_count
        == 2
    )


def test_an_action_on_a_row_of_the_unanswered_list_acts_on_every_ask(owner_client):
    """Deleting (spam) or approving the row of a question asked three times handled its
    latest ask only: the other two came back as a row of their own."""
    asks = [
        _question(text, False, days_ago=days)
        for text, days in [("Buy cheap pills!!", 3), ("buy cheap pills", 2), ("BUY CHEAP PILLS", 1)]
    ]
    kept = _question("do you work on weekends?", False)
    listing = "/admin/site_assistant/question/?attention=unanswered"
    chosen = {"action": "delete_selected", "_selected_action": [asks[-1].pk]}
    confirm = owner_client.post(listing, chosen)
    assert confirm.status_code == 200
    summary = LexborHTMLParser(confirm.content.decode()).css_first("#content ul").text()
    assert "Questions: 3" in summary, summary  # all of them
    done = owner_client.post(listing, {**chosen, "post": "yes"})
    assert done.status_code == 302
    assert list(Question.objects.values_list("pk", flat=True)) == [kept.pk]

    asks = [_question(text, False, days_ago=1) for text in ["Open on Sunday?", "open on sunday"]]
    owner_client.post(
        listing, {"action": "approve_for_training", "_selected_action": [asks[-1].pk]}
    )
    approved = Question.objects.filter(training_approved=True)
    assert set(approved.values_list("pk", flat=True)) == {q.pk for q in asks}


def test_the_site_doesnt_answer_this_from_a_grouped_row_marks_every_ask(owner_client):
    """The row's Fix this answer › "The site doesn't answer this": every ask of the
    question leaves the Unanswered list, not only the latest."""
    for days, text in enumerate(["Is Bambi a deer?", "is bambi a deer", "IS BAMBI A DEER?!"]):
        _question(text, False, days_ago=3 - days)
    rows, _ = _rows(owner_client, "attention=unanswered")
    fix = rows["IS BAMBI A DEER?!"]["fix_link"].css_first("a").attributes["href"]
    response = owner_client.post(fix, {"unanswerable": "1"})
    assert response.status_code == 302
    assert "2 earlier questions were marked too" in owner_client.get(response["Location"]).text
    assert not Question.objects.filter(unanswerable=False).exists()
    assert _rows(owner_client, "attention=unanswered")[0] == {}
    judged, _ = _rows(owner_client, "attention=unanswerable")
    assert judged["IS BAMBI A DEER?!"]["asks_display"].text(strip=True) == "3"


def test_questions_logged_without_their_key_are_grouped_all_the_same(owner_client):
    """A web process from before the column (its database default "") logs questions
    with no key: the list keys them before grouping."""
    for text in ["Where are you?", "where are you"]:
        _question(text, False)
    Question.objects.update(text_key="")
    rows, _ = _rows(owner_client, "attention=unanswered")
    assert rows["where are you"]["asks_display"].text(strip=True) == "2"
    assert set(Question.objects.values_list("text_key", flat=True)) == {"where are you"}


@pytest.mark.usefixtures("built_index")
def test_example_questions_say_who_added_them_and_filter_by_it(owner_client):
    """The owner's own example questions, among the hundreds the site shipped: each row
    says who added it, and the list's "who added it" filter shows the owner's alone. One
    the owner adds is theirs; a shipped one stays the site's when only switched off, and
    becomes the owner's once reworded."""
    from site_assistant.models import ExampleQuestion

    ExampleQuestion.objects.all().delete()
    shipped = ExampleQuestion.objects.create(
        question="what do you charge", url="/services/#pricing", source="site"
    )
    reworded = ExampleQuestion.objects.create(
        question="price of a site", url="/services/#pricing", source="site"
    )
    base = "/admin/site_assistant/examplequestion/"
    response = owner_client.post(
        f"{base}add/",
        {"question": "how much for a shop?", "url": "/services/#pricing", "active": "on"},
    )
    assert response.status_code == 302
    change = f"{base}{shipped.pk}/change/"
    owner_client.post(change, {"question": shipped.question, "url": shipped.url})  # Active off
    owner_client.post(
        f"{base}{reworded.pk}/change/",
        {"question": "what does a site cost?", "url": reworded.url, "active": "on"},
    )
    assert dict(ExampleQuestion.objects.values_list("question", "source")) == {
        "what do you charge": "site",
        "what does a site cost?": "owner",
        "how much for a shop?": "owner",
    }

    tree = LexborHTMLParser(owner_client.get(base).content.decode())
    column = {
        row.css_first("th.field-question").text(strip=True): row.css_first(
            "td.field-source_display"
        ).text(strip=True)
        for row in tree.css("#result_list tbody tr")
    }
    assert column == {
        "what do you charge": "Shipped with the site",
        "what does a site cost?": "You",
        "how much for a shop?": "You",
    }
    links = {a.text(strip=True): a.attributes["href"] for a in tree.css("#changelist-filter a")}
    assert "Not recorded" not in links  # none is
    for choice, listed in [
        ("You", ["how much for a shop?", "what does a site cost?"]),
        ("Shipped with the site", ["what do you charge"]),
    ]:
        page = owner_client.get(base + links[choice])
        assert sorted(e.question for e in page.context["cl"].result_list) == listed, choice
    # Its page says it too.
    page = LexborHTMLParser(owner_client.get(change).content.decode())
    assert page.css_first(".field-source_display .readonly").text(strip=True) == (
        "Shipped with the site"
    )
