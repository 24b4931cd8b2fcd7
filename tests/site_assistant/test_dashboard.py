"""The owner's overview on the app's admin page: what serves, the last build, the week's questions."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import formats, timezone
from selectolax.lexbor import LexborHTMLParser

from site_assistant import dashboard, index, services, withdrawn
from site_assistant.build import run_build
from site_assistant.models import ExampleQuestion, IndexBuild, Question, WithdrawnPage

pytestmark = pytest.mark.django_db

APP_PAGE = "/admin/site_assistant/"


def _question(answered, helpful=None, days_ago=0):
    question = Question.objects.create(text="q", answered=answered, helpful=helpful)
    if days_ago:
        Question.objects.filter(pk=question.pk).update(
            created=timezone.now() - timedelta(days=days_ago)
        )


def text(tree, selector):
    return tree.css_first(selector).text(separator=" ").split()


@pytest.mark.usefixtures("built_index")
def test_the_app_page_shows_what_serves_the_last_build_and_the_week(owner_client):
    _question(True)
    _question(True, helpful=False)
    _question(False)
    _question(False, days_ago=2)
    _question(False, days_ago=10)  # older than a week: to review, not in the week's figures
    finished = timezone.now() - timedelta(minutes=3)
    build = IndexBuild.objects.create(
        status="succeeded", trigger="admin", started=finished - timedelta(seconds=5)
    )
    IndexBuild.objects.filter(pk=build.pk).update(finished=finished)

    figures = dashboard.figures()
    assert (figures["week_questions"], figures["week_answered"]) == (4, 2)
    assert figures["week_answered_percent"] == 50
    # The three unanswered ones are one question ("q"), asked three times.
    assert (figures["unanswered"], figures["unanswered_asks"], figures["not_helpful"]) == (1, 3, 1)

    response = owner_client.get(APP_PAGE)
    assert response.status_code == 200
    tree = LexborHTMLParser(response.content.decode())
    serving = " ".join(text(tree, "#dash-serving"))
    status = figures["index"]
    assert f"{status['count']} passages" in serving and status["model_id"] in serving
    assert "the base model" in serving
    # The index's version, for a developer: on hover, not among the owner's words.
    assert status["version"] not in serving
    index_line = tree.css_first("#dash-serving dd")
    assert index_line.attributes["title"] == f"Index version {status['version']}"
    assert text(tree, "#dash-week-questions") == ["4"]
    assert text(tree, "#dash-answered")[:1] == ["50%"]
    unanswered = tree.css_first("#dash-unanswered")
    assert unanswered.text() == "1"
    said = " ".join(tree.css_first("#dash-unanswered-all").text().split())
    assert said == "waiting for a fix (asked 3 times)"
    assert unanswered.attributes["href"] == (
        "/admin/site_assistant/question/?attention=unanswered_waiting"
    )
    not_helpful = tree.css_first("#dash-not-helpful")
    assert not_helpful.text() == "1"
    assert not_helpful.attributes["href"] == (
        "/admin/site_assistant/question/?attention=not_helpful_waiting"
    )
    # The last build, with a human date and the exact time on hover.
    build_box = tree.css_first("#dash-build")
    assert "Succeeded" in build_box.text()
    when = build_box.css_first("time")
    assert when.text().replace("\xa0", " ") == "3 minutes ago"
    local = timezone.localtime(finished)  # the language's format, the time zone named
    exact = f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.strftime('%Z')}"
    assert when.attributes["title"] == exact
    # The links the counts point at list exactly those questions: each once, the times
    # each was asked adding up to the times said.
    listed = owner_client.get(unanswered.attributes["href"]).context["cl"].result_list
    assert [question.asks for question in listed] == [3]
    # The app's models are still listed below.
    assert tree.css_first("#content-main .app-site_assistant") is not None


@pytest.mark.usefixtures("built_index")
def test_pages_taken_from_visitors_since_the_build_are_named_until_the_next_one(owner_client):
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#dash-withdrawn") is None
    WithdrawnPage.objects.create(path="/services/", at=timezone.now())
    WithdrawnPage.objects.create(path="/about/#team", at=timezone.now())
    withdrawn.forget_read()
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    said = " ".join(text(tree, "#dash-withdrawn"))
    assert said.startswith("2 pages taken from visitors since this index read the site")
    assert said.endswith("until the next build: /about/#team, /services/")


@pytest.mark.usefixtures("built_index")
def test_to_review_counts_only_what_the_owner_can_still_fix(owner_client):
    def ask(text, **fields):
        return Question.objects.create(text=text, **fields)

    ask("how much is a shop?", answered=False)
    ask("Wo ist euer Büro?", answered=False, language="de")
    ask("Koliko stane trgovina?", answered=False, language="sl")
    ask("do you do logos", answered=True, helpful=False)
    ask("opening hours", answered=True, helpful=False)
    ask("is there parking", answered=False)
    before = dashboard.figures()
    assert (before["unanswered"], before["not_helpful"], before["other_language"]) == (2, 2, 2)

    # The owner fixes one of each, as the Questions list's Fix column does.
    for text, link in [("do you do logos", "/services/#ux-ui-design"), ("is there parking", "/")]:
        response = owner_client.post(
            f"/admin/site_assistant/question/{Question.objects.get(text=text).pk}/fix/",
            {"question": text, "link": link},
        )
        assert response.status_code == 302
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#dash-unanswered").text() == "1"
    assert tree.css_first("#dash-not-helpful").text() == "1"
    other = tree.css_first("#dash-other-language a")
    assert other.text() == "2"
    assert other.attributes["href"] == "/admin/site_assistant/question/?attention=other_language"
    listed = owner_client.get(other.attributes["href"]).context["cl"].result_list
    assert {q.text for q in listed} == {"Wo ist euer Büro?", "Koliko stane trgovina?"}
    # The Unanswered list holds what can be fixed: no other language, each fix marked.
    unanswered = owner_client.get("/admin/site_assistant/question/?attention=unanswered")
    assert {q.text: q.has_example for q in unanswered.context["cl"].result_list} == {
        "how much is a shop?": False,
        "is there parking": True,
    }


def test_without_an_index_or_questions_the_page_says_so(owner_client, own_index_dir):
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    said = f"No index yet in {own_index_dir.resolve()}: visitors get “still reading the site”"
    assert said in tree.css_first("#dash-serving").text()
    assert "No build recorded yet" in tree.css_first("#dash-build").text()
    assert "no questions yet" in tree.css_first("#dash-answered").text()
    assert text(tree, "#dash-week-questions") == ["0"]


def test_the_admins_home_lists_the_dashboard_for_whoever_may_see_the_app(client, django_user_model):
    from django.contrib.auth.models import Permission

    helper = django_user_model.objects.create_user("helper", "h@example.com", "pw", is_staff=True)
    client.force_login(helper)
    home = LexborHTMLParser(client.get("/admin/").content.decode())
    assert home.css_first('a[href="/admin/site_assistant/dashboard/"]') is None
    assert client.get("/admin/site_assistant/dashboard/").status_code == 403

    helper.user_permissions.add(Permission.objects.get(codename="view_question"))
    home = LexborHTMLParser(client.get("/admin/").content.decode())
    link = home.css_first('#content-main a[href="/admin/site_assistant/dashboard/"]')
    assert link is not None and link.text() == "Dashboard"
    response = client.get("/admin/site_assistant/dashboard/")
    assert response.status_code == 302 and response["Location"] == APP_PAGE
    # Nothing to add, change or delete: only the link.
    assert client.get("/admin/site_assistant/dashboard/1/change/").status_code == 404
    assert client.get("/admin/site_assistant/dashboard/add/").status_code == 404


def test_the_dashboard_entry_is_not_listed_on_the_page_that_shows_it(owner_client):
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#search-dashboard") is not None
    assert tree.css_first('#content-main a[href="/admin/site_assistant/dashboard/"]') is None
    assert tree.css_first('#content-main a[href="/admin/site_assistant/question/"]') is not None


def test_the_owner_is_told_when_the_index_last_built_cannot_be_served(owner_client, own_index_dir):
    """Damaged files made a fresh process serve an older version (or nothing),
    and only the log said so: the overview, the builds list and /health/ now do."""
    from site_assistant import health, index

    from .test_index import activated, truncate

    older = activated(0, "a")
    newer = activated(1, "b")
    truncate(own_index_dir / newer / "index.faiss")
    index.forget_loaded()  # a fresh process
    overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    said = overview.css_first("#dash-index-problem").text(separator=" ")
    assert f"index {newer} is damaged: index.faiss has 40 bytes" in said
    assert "answers from the older version" in said
    # "Below": the index served, its version on hover.
    assert overview.css_first("#dash-serving dd").attributes["title"] == f"Index version {older}"
    builds = owner_client.get("/admin/site_assistant/indexbuild/").content.decode()
    assert (
        f"index {newer} is damaged" in LexborHTMLParser(builds).css_first("#index-problem").text()
    )
    assert health.check_index()["intact"] is False

    truncate(own_index_dir / older / "index.faiss")
    index.forget_loaded()
    overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    said = overview.css_first("#dash-index-problem").text(separator=" ")
    assert "No intact index version" in said and "still reading the site" in said
    assert "No index yet" not in overview.css_first("#dash-serving").text()


@pytest.mark.usefixtures("built_index")
def test_with_several_sites_the_week_is_told_per_site_and_links_to_its_questions(owner_client):
    """The week's figures covered every site together: an agency with several Wagtail
    sites could not tell them apart. One site: no rows per site."""
    _question(True)
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#dash-week-sites") is None
    Question.objects.create(text="hedges?", answered=True, site="beta.example")
    Question.objects.create(text="trees?", answered=False, site="beta.example")
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    rows = tree.css("#dash-week-sites li")
    said = [" ".join(row.text().split()) for row in rows]
    assert said == [
        "The default site: 1 asked, 100% answered · unanswered",
        "beta.example: 2 asked, 50% answered · unanswered",
    ]
    beta = [a.attributes["href"] for a in rows[1].css("a")]
    assert beta == [
        "/admin/site_assistant/question/?site=beta.example",
        "/admin/site_assistant/question/?site=beta.example&attention=unanswered",
    ]
    listed = owner_client.get(beta[1]).context["cl"].result_list
    assert [q.text for q in listed] == ["trees?"]


def test_the_review_counts_read_the_example_questions_once(owner_client):
    """Each logged question waiting for review is compared with the example questions'
    texts. A correlated subquery (EXISTS … = the logged question's text) looked them
    up once per logged question: 0.28 s of the overview with 100,000 logged and 675
    example questions on PostgreSQL, growing with the log (and 0.27 s with 5,000 on
    SQLite before the texts were indexed). Uncorrelated (text IN (SELECT …)), the
    database reads them once: 0.05 s."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ExampleQuestion.objects.create(question="What does it cost?", url="/services/")
    Question.objects.create(text="What does it cost?", answered=False)
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(APP_PAGE).status_code == 200
    review = [q["sql"] for q in queries if "site_assistant_examplequestion" in q["sql"]]
    assert review
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {review[0]}")
            plan = [row[-1] for row in cursor.fetchall()]
            assert not [step for step in plan if "CORRELATED" in step], plan
        else:
            cursor.execute(f"EXPLAIN {review[0]}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # A correlated lookup names the outer row's column in its index condition
            # (its text; the counts group by its text_key).
            assert not re.search(r"site_assistant_question\.text\b", plan), plan


def test_a_failed_builds_error_is_shown_only_to_staff_who_manage_the_index(
    client, django_user_model, rf
):
    """As the API's builds say it (``error``: "" unless the caller manages the index):
    a helper given only the example questions saw the failure's text (hosts, paths,
    settings) on the overview and on Wagtail's dashboard panel."""
    from django.contrib.auth.models import Permission

    from site_assistant.wagtail_hooks import AssistantPanel

    IndexBuild.objects.create(
        status="failed",
        trigger="admin",
        error="OperationalError: could not connect to server db.internal:5432",
    )
    helper = django_user_model.objects.create_user("helper", "h@example.com", "pw", is_staff=True)
    helper.user_permissions.add(Permission.objects.get(codename="view_examplequestion"))
    client.force_login(helper)

    def overview():
        response = client.get(APP_PAGE)
        assert response.status_code == 200
        return LexborHTMLParser(response.content.decode()).css_first("#dash-build").text()

    def panel():
        request = rf.get("/cms/")
        request.user = django_user_model.objects.get(pk=helper.pk)  # permissions read anew
        # What its template shows (rendering it needs Wagtail's apps installed).
        context = AssistantPanel().get_context_data({"request": request})
        return f"{context['last_build'].get_status_display()}: {context['build_error']}"

    assert "Failed" in overview() and "db.internal" not in overview()
    assert "Failed" in panel() and "db.internal" not in panel()

    helper.user_permissions.add(Permission.objects.get(codename="view_indexbuild"))
    assert "could not connect to server db.internal:5432" in overview()
    assert "could not connect to server db.internal:5432" in panel()


def test_a_busy_logs_figures_are_kept_a_minute_and_counted_again_after_a_fix(
    owner_client, monkeypatch
):
    """Past BIG_LOG questions (PostgreSQL's estimate) the overview's log figures read a
    week of the log and every question waiting for review (0.55 s at a million
    questions, on every visit and on Wagtail's dashboard): they are kept for
    BUSY_SECONDS, and counted again as soon as an example question is saved."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from site_assistant import models

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's statistics")
    Question.objects.create(text="is there parking", answered=False)
    Question.objects.create(text="do you do logos", answered=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE site_assistant_question")
    monkeypatch.setattr(models, "BIG_LOG", 1)
    cache.clear()

    def visit():
        with CaptureQueriesContext(connection) as queries:
            tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
        counted = [q["sql"] for q in queries if 'FROM "site_assistant_question"' in q["sql"]]
        return tree.css_first("#dash-unanswered").text(), counted

    assert visit()[1]
    Question.objects.create(text="a question since", answered=False)
    shown, counted = visit()
    assert shown == "2" and not counted  # kept
    ExampleQuestion.objects.create(question="is there parking", url="/")
    shown, counted = visit()
    assert shown == "2" and counted  # counted again: the fix and the new question


def test_example_questions_whose_section_is_gone_are_counted_and_listed(testsite, owner_client):
    """An editor deletes the section an owner's example question named: it steers no
    visitor any more, and only the Example questions list said so, row by row. The
    overview counts it under To review, linked to a list of just those."""
    from site_assistant.build import run_build
    from site_assistant.models import ExampleQuestion

    def rebuild():
        run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.CONTENT))

    rebuild()
    ExampleQuestion.objects.all().delete()  # the host site's own
    kept = ExampleQuestion.objects.create(question="when do you open", url="/alpha/#opening-hours")
    lost = ExampleQuestion.objects.create(
        question="where can I leave my bike", url="/alpha/#parking"
    )
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#dash-lost-examples") is None

    title, main = testsite.PAGES["/alpha/"]
    testsite.PAGES["/alpha/"] = (title, main.split('<h2 id="parking">')[0])  # the editor's cut
    rebuild()

    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    note = tree.css_first("#dash-lost-examples")
    assert " ".join(note.text(separator=" ").split()).startswith(
        "1 example question names a section the site no longer has"
    )
    listed = owner_client.get(note.css_first("a").attributes["href"]).content.decode()
    assert lost.question in listed and kept.question not in listed


def test_the_owner_is_told_when_the_models_files_are_damaged_and_what_to_do(
    owner_client, served_copy
):
    """A damaged file of the model served was only in /health/ and the log: the overview
    said all was well until a restart answered with torch, or not at all. It names the
    file now, what it does to visitors and what repairs that file (one paragraph of
    advice for all told the owner of a damaged tokenizer to run search_export_onnx,
    which never makes it); put back, the note goes."""
    from site_assistant import embed

    tokenizer = served_copy / "tokenizer.json"
    weights = served_copy / embed.ONNX_DIR / "model.onnx.data"
    whole = {path: path.read_bytes() for path in (tokenizer, weights)}
    overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert overview.css_first("#dash-model-damage") is None
    try:
        tokenizer.write_text('{"version": "1.0", "trunc')
        with open(weights, "r+b") as handle:  # a few bytes changed, as a disk error would
            handle.seek(len(whole[weights]) // 2)
            handle.write(bytes(64))
        overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    finally:
        for path, content in whole.items():
            path.write_bytes(content)
    said = overview.css_first("#dash-model-damage").text(separator=" ")
    items = [li.text() for li in overview.css("#dash-model-damage li")]
    put_back = (
        "put it back from a backup (copy it beside the old one, then rename it into place; "
        "never copy over it)"
    )
    assert items[0].startswith("tokenizer.json cannot be read (")
    assert items[0].endswith(
        f": every rebuild fails until it is put back. To fix: {put_back}; no command makes "
        "it again."
    ), items[0]
    assert "search_export_onnx" not in items[0]
    assert "A process that loaded them before still answers" in said
    assert items[1].startswith("onnx/model.onnx.data is damaged (checksum mismatch): ")
    assert "a process started now" in items[1] and "slower fallback" in items[1]
    assert items[1].endswith(
        f"To fix: {put_back}, or run manage.py search_export_onnx --force; then restart the site."
    ), items[1]
    assert str(served_copy) not in said  # the folder: in the log and /health/'s log line
    overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert overview.css_first("#dash-model-damage") is None
    # No export at all (its folder moved away) is not called a damaged file: the next
    # process makes it (it said "answers with the slower fallback, or not at all").
    export = served_copy / embed.ONNX_DIR
    export.rename(export.with_name("onnx-away"))
    try:
        overview = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    finally:
        export.with_name("onnx-away").rename(export)
    items = [li.text() for li in overview.css("#dash-model-damage li")]
    assert len(items) == 1 and "has no current ONNX export: a process started now makes" in items[0]
    assert "slower fallback" not in items[0] and "search_export_onnx makes it now" in items[0]
    assert items[0].endswith("To fix: run manage.py search_export_onnx, then restart the site.")
    assert "backup" not in items[0]


@pytest.mark.usefixtures("built_index")
def test_to_review_counts_what_the_owner_fixed_in_questions_not_in_their_repeats(owner_client):
    """The owner fixed ONE question, asked ten times, and judged one asked twice: the line
    read "3 waiting for a fix · 13 with the 10 fixed · 2 the site doesn’t answer", then
    "… 13 with the 1 fixed (asked 10 times) …" of a list of 4 rows."""
    for spelling in ["how much is a shop?", "How much is a SHOP", " how much is a shop "] * 3:
        Question.objects.create(text=spelling, answered=False)
    shop = Question.objects.create(text="how much is a shop?", answered=False)
    for number in range(3):
        Question.objects.create(text=f"do you make logo number {number}", answered=False)
    toys = [Question.objects.create(text="do you sell toys?", answered=False) for _ in "ab"]
    fixed = owner_client.post(
        f"/admin/site_assistant/question/{shop.pk}/fix/",
        {"question": shop.text, "link": "/services/#pricing"},
    )
    judged = owner_client.post(
        f"/admin/site_assistant/question/{toys[0].pk}/fix/", {"unanswerable": "1"}
    )
    assert fixed.status_code == judged.status_code == 302
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert tree.css_first("#dash-unanswered").text() == "3"
    said = " ".join(tree.css_first("#dash-unanswered-all").text().split())
    assert said == (
        "waiting for a fix · 4 with the 1 fixed (asked 10 times) · "
        "1 the site doesn’t answer (asked 2 times)"
    )
    # The link still opens every question it counts, each once: the 3 waiting and the one
    # fixed, asked 10 times.
    everything = tree.css_first("#dash-unanswered-all a").attributes["href"]
    listed = owner_client.get(everything).context["cl"]
    assert listed.result_count == 4
    assert sorted(question.asks for question in listed.result_list) == [1, 1, 1, 10]


@pytest.mark.usefixtures("built_index")
def test_the_overviews_unanswered_count_the_list_it_opens_and_the_days_table_agree(
    owner_client,
):
    """The overview said "Unanswered 8" and opened a list of 10 (the fixed ones with
    ✓), beside a per-day table that said 10."""
    for number in range(10):
        Question.objects.create(text=f"do you make logo number {number}", answered=False)
    for number in (0, 1):  # the owner fixed two of them
        question = Question.objects.get(text=f"do you make logo number {number}")
        response = owner_client.post(
            f"/admin/site_assistant/question/{question.pk}/fix/",
            {"question": question.text, "link": "/services/#ux-ui-design"},
        )
        assert response.status_code == 302
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    count = tree.css_first("#dash-unanswered")
    assert count.text() == "8"
    assert (
        "waiting for a fix · 10 with the 2 fixed" in tree.css_first("#dash-unanswered-all").text()
    )
    # The owner clicks the 8: the list holds those 8, none of them fixed.
    listing = owner_client.get(count.attributes["href"])
    shown = listing.context["cl"].result_list
    assert listing.context["cl"].result_count == 8
    assert len(shown) == 8 and not any(q.has_example for q in shown)
    assert "✓ example saved" not in listing.content.decode()
    # "10 with the 2 fixed" opens all ten, the fixed two marked.
    everything = tree.css_first("#dash-unanswered-all a").attributes["href"]
    assert owner_client.get(everything).context["cl"].result_count == 10
    # The per-day table: 10 unanswered today, 8 of them waiting, linked to those 8.
    days = LexborHTMLParser(listing.content.decode())
    today = days.css("#questions-per-day tbody tr")[0].css("td")[3]
    assert today.text(separator=" ").split() == ["10", "(8", "questions", "waiting)"]
    waiting = owner_client.get(
        "/admin/site_assistant/question/" + today.css_first("a").attributes["href"]
    )
    assert waiting.context["cl"].result_count == 8


@pytest.mark.usefixtures("built_index")
def test_each_to_review_count_is_the_number_of_questions_its_list_shows(owner_client):
    """The lists To review links to show each question once, with how often it was asked
    (Times asked); the overview counted the asks: "12 unanswered" opened a list of 5 rows.
    Each count that links to a list is the rows it shows, the times asked said beside it."""

    def ask(text, times=1, **fields):
        for _ in range(times):
            Question.objects.create(text=text, **fields)

    for spelling in ["How much is a website?", "how much is a website", "HOW MUCH IS A WEBSITE!"]:
        ask(spelling, times=2, answered=False)
    ask("do you sell toys", answered=False)
    ask("is there parking?", times=3, answered=False)
    ask("opening hours", times=4, answered=True, helpful=False)
    ask("Opening hours?", answered=True, helpful=False)
    ask("do you do logos", answered=True, helpful=False)
    ask("Wo ist euer Büro?", times=3, answered=False, language="de")
    ask("Kje je vaša pisarna?", answered=False, language="sl")
    parking = Question.objects.filter(text="is there parking?").first()
    fixed = owner_client.post(
        f"/admin/site_assistant/question/{parking.pk}/fix/",
        {"question": parking.text, "link": "/"},
    )
    assert fixed.status_code == 302

    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    # Each link: the questions it says, and the times they were asked.
    links = {
        "#dash-unanswered": (2, 7),  # the website's price (6 times) and toys
        "#dash-unanswered-all a": (3, 10),  # and parking, fixed (3 times)
        "#dash-not-helpful": (2, 6),  # opening hours (5 times) and logos
        "#dash-other-language a": (2, 4),
    }
    for selector, (questions, asks) in links.items():
        link = tree.css_first(selector)
        assert link.text().split()[0] == str(questions), selector
        listing = owner_client.get(link.attributes["href"]).context["cl"]
        assert listing.result_count == len(listing.result_list) == questions, selector
        assert sum(question.asks for question in listing.result_list) == asks, selector
    assert " ".join(tree.css_first("#dash-unanswered-all").text().split()) == (
        "waiting for a fix (asked 7 times) · 3 with the 1 fixed (asked 3 times)"
    )
    assert " ".join(tree.css_first("#dash-not-helpful-all").text().split()) == (
        "waiting for a fix (asked 6 times)"
    )
    assert " ".join(tree.css_first("#dash-other-language").text().split()).startswith(
        "In other languages: 2, asked 4 times (not searched"
    )
    # The Questions per day table: today's 10 unanswered asks, 2 questions waiting, linked
    # to those 2.
    days = LexborHTMLParser(owner_client.get("/admin/site_assistant/question/").text)
    today = days.css("#questions-per-day tbody tr")[0].css("td")[3]
    assert today.text(separator=" ").split() == ["10", "(2", "questions", "waiting)"]
    waiting = owner_client.get(
        "/admin/site_assistant/question/" + today.css_first("a").attributes["href"]
    )
    assert waiting.context["cl"].result_count == len(waiting.context["cl"].result_list) == 2


LOUNGE = (
    "<!doctype html><html><head><title>Lounge</title></head><body><main><h1>The lounge</h1>"
    '<h2 id="hours">Opening hours</h2>'
    "<p>The lounge opens at noon every day and closes late at night.</p></main></body></html>"
)
REBUILD = "/admin/site_assistant/indexbuild/rebuild/"


def test_template_files_edited_since_the_build_are_named_with_a_rebuild_button(
    testsite, settings, tmp_path, owner_client, django_capture_on_commit_callbacks
):
    """The owner changes the site by editing its templates: the overview names the files
    the app reads (TEMPLATE_INCLUDE) written since the live index read the site, and its
    "Rebuild index now" makes the answers say the new text (and the note goes)."""
    folder = tmp_path / "templates"
    folder.mkdir()
    lounge = folder / "lounge.html"
    lounge.write_text(LOUNGE)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    settings.BASE_DIR = tmp_path
    settings.SITE_ASSISTANT = {
        **settings.SITE_ASSISTANT,
        "URLS": ["/lounge/"],
        "TEMPLATE_INCLUDE": ["templates/*.html"],
        "TEMPLATE_EXCLUDE": [],
    }

    def rebuilt(action=REBUILD):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(action)
        assert response.status_code == 302
        build = IndexBuild.objects.latest("pk")
        assert build.status == IndexBuild.Status.SUCCEEDED, build.error
        return services.answer("When does the lounge open?").answer.text

    def overview():
        return LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())

    assert "opens at noon" in rebuilt()
    assert overview().css_first("#dash-templates-changed") is None
    assert dashboard.figures()["templates_changed"] == []

    lounge.write_text(LOUNGE.replace("at noon", "at ten in the morning"))
    (folder / "opening.html").write_text("<p>Opening hours of the lounge.</p>")
    tree = overview()
    note = " ".join(text(tree, "#dash-templates-changed"))
    assert note.startswith(
        "2 template files changed since the last build (templates/lounge.html, "
        "templates/opening.html): visitors are answered from their old text until the "
        "index is rebuilt."
    ), note
    form = tree.css_first("#dash-templates-changed form")
    assert form.attributes["method"] == "post"
    assert form.css_first("button").text(strip=True) == "Rebuild index now"
    assert "at ten in the morning" in rebuilt(form.attributes["action"])
    # The page rendered from the file as it is now: nothing says the old hour any more.
    assert not [p for p in index.load_current().passages if "at noon" in p["text"]]
    assert overview().css_first("#dash-templates-changed") is None

    # While a build is under way the files are read as they are: nothing to press.
    lounge.write_text(LOUNGE.replace("at noon", "at eleven"))
    assert dashboard.figures()["templates_changed"] == ["templates/lounge.html"]
    running = IndexBuild.objects.create(status="running", trigger="admin", lock="index")
    assert dashboard.figures()["templates_changed"] == []
    running.delete()


def test_staff_who_may_not_rebuild_are_told_of_edited_templates_without_the_button(
    testsite, settings, tmp_path, client, django_user_model, rf
):
    settings.BASE_DIR = tmp_path
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "TEMPLATE_INCLUDE": ["*.html"]}
    build = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error
    (tmp_path / "a.html").write_text("<p>A.</p>")
    helper = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename="view_indexbuild"))
    client.force_login(helper)
    tree = LexborHTMLParser(client.get(APP_PAGE).content.decode())
    note = tree.css_first("#dash-templates-changed")
    assert " ".join(note.text(separator=" ").split()).startswith(
        "1 template file changed since the last build (a.html): visitors are answered from "
        "its old text"
    )
    assert note.css_first("form") is None
    # Wagtail's dashboard panel reads the same figure.
    from site_assistant.wagtail_hooks import AssistantPanel

    request = rf.get("/cms/")
    request.user = helper
    assert AssistantPanel().get_context_data({"request": request})["templates_changed"] == [
        "a.html"
    ]


@pytest.mark.usefixtures("built_index")
def test_the_share_answered_leaves_out_questions_in_other_languages(owner_client, settings):
    """A German site with an English index: its German questions were never searched, and
    read as unanswered ones ("Answered 60 %"). They are counted apart, and said so."""
    for answered in (True, True, True, False):
        _question(answered)
    for asked in ("Was kostet eine Webseite?", "Wo ist euer Büro?"):
        Question.objects.create(text=asked, answered=False, language="de")
    Question.objects.create(text="koliko stane", answered=False, language="sl", site="beta.test")

    figures = dashboard.figures()
    assert figures["week_questions"] == 7 and figures["week_other_language"] == 3
    assert figures["week_answered_percent"] == 75  # 3 of the 4 searched, not 3 of 7
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    answered = " ".join(text(tree, "#dash-answered"))
    assert answered == "75% (3 of 4) 3 in other languages not counted (not searched)"
    # Each site's line, the same way: beta.test's one question was Slovenian.
    sites = [" ".join(li.text(separator=" ").split()) for li in tree.css("#dash-week-sites li")]
    assert sites[0].startswith("The default site : 6 asked, 75% answered (2 in other languages")
    assert sites[1].startswith("beta.test : 1 asked (1 in another language not counted)")
    # In German, for the owner of a German site.
    settings.LANGUAGE_CODE = "de"
    german = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    assert "3 in anderen Sprachen nicht mitgezählt" in german.css_first("#dash-answered").text()


@pytest.mark.usefixtures("built_index")
def test_a_week_of_questions_only_in_other_languages_has_no_share_answered(owner_client):
    Question.objects.create(text="Was kostet eine Webseite?", answered=False, language="de")
    assert dashboard.figures()["week_answered_percent"] is None
    tree = LexborHTMLParser(owner_client.get(APP_PAGE).content.decode())
    answered = " ".join(text(tree, "#dash-answered"))
    assert answered == "– 1 in another language not counted (not searched)"


@pytest.mark.usefixtures("built_index")
def test_wagtails_panel_counts_declined_questions_the_site_may_answer_only_for_who_may_see_them(
    django_user_model, rf
):
    """Wagtail's dashboard panel links the declined questions a build found a section for
    (Example questions' "The site may answer it now") for staff who may see example
    questions, not for a helper given only the builds (the panel's other figures still)."""
    from site_assistant.wagtail_hooks import AssistantPanel

    declined = ExampleQuestion.objects.create(question="Do you accept PayPal?", declines=True)
    ExampleQuestion.objects.filter(pk=declined.pk).update(
        review={"answers": {"link": "/contact/", "score": 0.62, "version": "v1"}}
    )
    helper = django_user_model.objects.create_user("helper", password="pw", is_staff=True)
    helper.user_permissions.add(Permission.objects.get(codename="view_indexbuild"))

    def panel():
        request = rf.get("/cms/")
        request.user = django_user_model.objects.get(pk=helper.pk)  # permissions read anew
        context = AssistantPanel().get_context_data({"request": request})
        return len(context["may_answer"]), context["may_answer_url"]

    assert panel() == (0, None)
    helper.user_permissions.add(Permission.objects.get(codename="view_examplequestion"))
    assert panel() == (1, "/admin/site_assistant/examplequestion/?review=may_answer")


def test_the_overview_leads_to_its_tools_and_says_a_training_run_is_under_way(
    owner_client, training_at_step_22
):
    """The overview had no way to Try a question, a rebuild or training, and said nothing
    while a training run ran. A "Tools" row leads to each, and a line says how far the run
    is and links to its page."""
    from tests.site_assistant.conftest import step_22_minutes_left

    tree = LexborHTMLParser(owner_client.get(APP_PAGE).text)
    tools = {a.text(): a.attributes["href"] for a in tree.css("#dash-tools nav a")}
    assert tools == {
        "Try a question": "/admin/site_assistant/question/try/",
        "Train on site content": "/admin/site_assistant/trainingrun/train/",
    }
    for url in tools.values():  # each opens (training under way: its page, once redirected)
        assert owner_client.get(url, follow=True).status_code == 200
    # "Rebuild" rebuilds: a form posting to the builds list's own rebuild, with its token.
    rebuild = tree.css_first("#dash-tools nav form")
    assert rebuild.attributes["method"] == "post"
    assert rebuild.attributes["action"] == "/admin/site_assistant/indexbuild/rebuild/"
    assert rebuild.css_first("input[name=csrfmiddlewaretoken]") is not None
    assert rebuild.css_first("button").text() == "Rebuild"
    run = training_at_step_22
    line = tree.css_first("#dash-training")
    assert " ".join(line.text().split()) == (
        f"Training #{run.pk} is running: 16% done, about {step_22_minutes_left()} minutes "
        "left (estimate). Follow the run"
    )
    assert line.css_first("a").attributes["href"] == (
        f"/admin/site_assistant/trainingrun/{run.pk}/change/"
    )
    # None under way, nothing said.
    run.status = "succeeded"
    run.save()
    assert LexborHTMLParser(owner_client.get(APP_PAGE).text).css_first("#dash-training") is None
