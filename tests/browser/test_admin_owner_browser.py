"""The owner in a real headless Chromium: fix an answer, the overview, a training run, and
axe on the app's admin pages."""

import re
import shutil
from datetime import timedelta

import pytest
from django.apps import apps
from playwright.sync_api import expect

from site_assistant import index
from site_assistant.models import ExampleQuestion, IndexBuild, Question
from tests.site_assistant.conftest import own_index_dir, testsite  # noqa: F401

from .axe import SERIOUS, violations
from .test_widget_browser import ask

pytestmark = pytest.mark.browser

QUESTION = "Can I pay in instalments?"
# How often a training run's page asks for its status (training-status.js).
POLL_MS = 2000


@pytest.fixture
def private_index(built_index, index_dir, settings, tmp_path):
    """A copy of the site's index: this test's rebuilds leave the shared one as it was."""
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "INDEX_DIR": str(copy)}
    index.forget_loaded()
    yield copy
    index.forget_loaded()


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_superuser("owner", "owner@example.com", "pw-owner-1")


def log_in(page):
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill("pw-owner-1")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def assert_every_column_in_view(page):
    """At 1280 px every column of the list is in view and the filters cover none of them."""
    table = page.locator("#result_list").bounding_box()
    filters = page.locator("#changelist-filter").bounding_box()
    assert table["x"] + table["width"] <= 1280
    below_or_above = filters["y"] >= table["y"] + table["height"] or (
        filters["y"] + filters["height"] <= table["y"]
    )
    beside = filters["x"] >= table["x"] + table["width"]
    assert below_or_above or beside, (table, filters)
    assert page.evaluate(
        "() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth; }"
    )


def ask_api(page, question):
    response = page.request.get("/api/search/", params={"q": question})
    assert response.ok, response.text()
    return response.json()


def test_the_owner_fixes_an_unanswered_question_without_typing_a_link(
    page, private_index, owner, screenshots, site_vectors
):
    site_vectors()  # the save's rebuild embeds only the new example question
    # A visitor asks; the site is not sure.
    assert ask_api(page, QUESTION)["answer"] is None
    asked = Question.objects.get(text=QUESTION)
    assert not asked.answered

    log_in(page)
    page.goto("/admin/site_assistant/question/?attention=unanswered")
    row = page.locator("#result_list tbody tr", has_text=QUESTION)
    row.get_by_role("link", name="Fix this answer").click()
    # The link carries the list's filters, so saving returns to this list.
    fix = rf"/question/{asked.pk}/fix/\?_changelist_filters=attention%3Dunanswered$"
    expect(page).to_have_url(re.compile(fix))
    expect(page.locator("#fix-question")).to_have_text(QUESTION)

    page.get_by_label("Find a section").fill("pricing")
    page.get_by_role("button", name="Search sections").click()
    found = page.locator("#fix-found")
    pricing = found.get_by_role("radio", name=re.compile(r"Services.*› Pricing"))
    pricing.check()
    expect(page.get_by_label("Example question")).to_have_value(QUESTION)
    page.screenshot(path=str(screenshots / "admin-fix-answer.png"), full_page=True)
    builds_before = IndexBuild.objects.count()
    page.get_by_role("button", name="Save as example question").click()

    # Back on the unanswered list, told what happened; the row says it is fixed. The
    # save rebuilds in the request (eager: no broker); the embedding cache holds the
    # site's vectors (``site_vectors``), else the whole site is embedded again.
    expect(page).to_have_url(
        re.compile(r"/admin/site_assistant/question/\?attention=unanswered$"), timeout=180_000
    )
    expect(page.locator(".messagelist")).to_contain_text(
        f"Saved “{QUESTION}” as an example question for “Services"
    )
    expect(page.locator(".messagelist")).to_contain_text("The index was rebuilt with it (build #")
    expect(page.locator("#result_list tbody tr", has_text=QUESTION)).to_contain_text(
        "example saved"
    )
    example = ExampleQuestion.objects.get(question=QUESTION)
    assert example.url == "/services/#pricing" and example.active

    # The save scheduled a rebuild (eager here: no broker), which took the question in.
    build = IndexBuild.objects.order_by("-pk").first()
    assert IndexBuild.objects.count() == builds_before + 1
    # Index builds says what set it off and who ("Example question saved by owner").
    assert (build.trigger, build.requested_by) == (IndexBuild.Trigger.EXAMPLE, owner)
    assert build.status == IndexBuild.Status.SUCCEEDED, build.error

    body = ask_api(page, QUESTION)
    assert body["answer"] is not None, body
    assert (body["answer"]["url"], body["answer"]["anchor"]) == ("/services/", "pricing")


@pytest.mark.parametrize("width", [1100, 800])
def test_fix_this_answer_is_in_view_on_a_narrow_screen(page, owner, width):
    ask_api(page, "do you repair bicycles?")
    log_in(page)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/admin/site_assistant/question/")
    row = page.locator("#result_list tbody tr", has_text="do you repair bicycles?")
    link = row.get_by_role("link", name="Fix this answer")
    fix = link.bounding_box()
    # Across the screen without scrolling the list sideways (the sidebar open).
    assert fix["x"] >= 0 and fix["x"] + fix["width"] <= width, fix
    link.click()
    expect(page.locator("#fix-question")).to_have_text("do you repair bicycles?")


@pytest.fixture
def no_auto_rebuild(settings):
    """Saving an example question rebuilds nothing here: the form is under test, not the build."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "AUTO_REBUILD": False}


@pytest.mark.usefixtures("no_auto_rebuild")
def test_the_owner_adds_an_example_question_by_picking_its_section_by_name(page, owner):
    log_in(page)
    # From the admin's home, as a new owner goes: Example questions › Add.
    page.locator("#content-main tr", has_text="Example questions").get_by_role(
        "link", name="Add"
    ).click()
    expect(page).to_have_url(re.compile(r"/admin/site_assistant/examplequestion/add/$"))
    page.get_by_label("Question").fill("How much is an online shop?")
    # The section is chosen by words of its title, heading or text, shown as "Page › Section":
    # no "#heading-id" to find out.
    expect(page.locator(".field-url")).to_contain_text("Section that answers it")
    expect(page.locator(".field-url input[type=text]")).to_have_count(0)
    page.get_by_role("combobox", name="Section that answers it").click()
    page.locator(".select2-search__field").fill("pricing")
    option = page.locator(".select2-results__option", has_text="Services › Pricing")
    expect(option).to_be_visible()
    expect(page.locator(".select2-results")).not_to_contain_text("#")
    option.click()
    expect(page.locator(".field-url .select2-selection__rendered")).to_have_text(
        re.compile(r"Services › Pricing")
    )
    # Named by its field and its choice, as a screen reader says it.
    expect(page.get_by_role("combobox", name="Section that answers it")).to_have_accessible_name(
        re.compile(r"^Section that answers it:? Services › Pricing")
    )
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/site_assistant/examplequestion/$"))
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.get_by_role("textbox", name="Search").fill("online shop")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#result_list tbody tr", has_text="How much is an online shop?")
    expect(row).to_contain_text("Services › Pricing")
    # Stored as before: the section's link.
    assert ExampleQuestion.objects.get(question="How much is an online shop?").url == (
        "/services/#pricing"
    )


@pytest.mark.usefixtures("no_auto_rebuild")
def test_a_passages_page_adds_an_example_question_for_its_section(page, owner):
    from site_assistant.models import Passage

    Passage.objects.create(
        text="Use of site. No abuse, scraping, or harmful behavior.",
        title="Terms & Conditions — Bambicim",
        heading="Terms & Conditions › Use of site",
        url="/terms/",
        anchor="use-of-site",
        text_hash="use-of-site",
    )
    log_in(page)
    page.goto("/admin/site_assistant/passage/")
    page.get_by_role("link", name=re.compile(r"^Use of site\. No abuse")).click()
    page.get_by_role("link", name="Add an example question").click()
    expect(page).to_have_url(re.compile(r"/admin/site_assistant/examplequestion/add/\?url="))
    # Already picked, by its name.
    expect(page.locator(".field-url .select2-selection__rendered")).to_have_text(
        re.compile(r"Terms & Conditions › Use of site")
    )
    page.get_by_label("Question").fill("may I copy your whole site?")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("may I copy your whole site?")
    assert ExampleQuestion.objects.get(question="may I copy your whole site?").url == (
        "/terms/#use-of-site"
    )


def test_the_app_page_gives_an_overview_and_links_to_what_needs_review(page, owner, screenshots):
    Question.objects.create(text="Do you sign NDAs?", answered=False, score=0.26)
    Question.objects.create(text="How much is a shop?", answered=True, helpful=False)
    log_in(page)
    app_name = str(apps.get_app_config("site_assistant").verbose_name)
    page.locator("#content-main").get_by_role("link", name=app_name, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/site_assistant/$"))
    overview = page.get_by_role("region", name="Overview of the site assistant")
    expect(overview).to_be_visible()
    expect(overview.locator("#dash-week-questions")).to_have_text("2")
    expect(overview.locator("#dash-answered")).to_contain_text("50%")
    # The overview sits above the app's models, within a 1280 px wide window.
    box = overview.bounding_box()
    assert box["x"] + box["width"] <= 1280
    page.screenshot(path=str(screenshots / "admin-overview.png"), full_page=True)
    overview.locator("#dash-unanswered").click()
    expect(page).to_have_url(
        re.compile(r"/admin/site_assistant/question/\?attention=unanswered_waiting$")
    )
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert_every_column_in_view(page)
    page.screenshot(path=str(screenshots / "admin-questions-unanswered.png"), full_page=True)
    expect(page.locator("#result_list tbody tr")).to_contain_text("Do you sign NDAs?")


def test_the_admins_home_leads_to_the_dashboard(page, owner):
    Question.objects.create(text="Do you sign NDAs?", answered=False, score=0.26)
    log_in(page)  # lands on the admin's home, where every owner starts
    app_name = str(apps.get_app_config("site_assistant").verbose_name)
    app_row = page.locator("#content-main .module", has_text=app_name)
    dashboard = app_row.get_by_role("link", name="Dashboard", exact=True)
    expect(dashboard).to_be_visible()
    # First in the app's list, where it is seen before the models.
    expect(app_row.locator("tbody tr").first).to_contain_text("Dashboard")
    dashboard.click()
    expect(page).to_have_url(re.compile(r"/admin/site_assistant/$"))
    overview = page.get_by_role("region", name="Overview of the site assistant")
    expect(overview).to_be_visible()
    expect(overview.locator("#dash-unanswered")).to_have_text("1")
    # The app's page shows the dashboard itself: no entry leading back to it.
    expect(
        page.locator("#content-main .module", has_text=app_name).get_by_role(
            "link", name="Dashboard", exact=True
        )
    ).to_have_count(0)


def test_a_running_training_updates_in_place_and_can_be_cancelled(page, owner, screenshots):
    from django.utils import timezone

    from site_assistant.models import TrainingRun
    from site_assistant.training.tasks import this_process

    run = TrainingRun.objects.create(status="queued", runner=this_process())
    # The page asks for the run's status every 2 s: after each change below the test
    # moves the page's clock on to its next question rather than waiting for it.
    page.clock.install()
    log_in(page)
    page.goto(f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    expect(page).to_have_title(re.compile(rf"^Training #{run.pk} \(Queued\)"))

    # It starts: the whole page says so (title, breadcrumb, Started), not only the box.
    # Requested before it started, as in the picture in docs/admin.md.
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running",
        created=timezone.now() - timedelta(seconds=40),
        started=timezone.now() - timedelta(seconds=30),
        progress=10,
        stage="making pairs",
    )
    page.clock.fast_forward(POLL_MS)
    expect(page).to_have_title(re.compile(rf"^Training #{run.pk} \(Running\)"))
    page.wait_for_load_state()  # reloaded once: its next question is due in 2 s
    expect(page.locator(".breadcrumbs")).to_contain_text(f"Training #{run.pk} (Running)")
    # The time it started, not "30 seconds ago" as drawn beside "running for 30 s" counting on.
    expect(page.locator(".field-started_at time")).to_have_text(
        re.compile(r"^\w+\.? \d{1,2}, \d{4}, (\d{1,2}(:\d\d)? [ap]\.m\.|noon|midnight) CES?T$")
    )
    status_line = page.locator("#training-status-line")
    expect(status_line).to_have_attribute("aria-live", "polite")
    expect(page.locator('[data-field="activated"]')).to_have_text("not decided yet")
    page.evaluate("window.notReloaded = true")

    # The run moves on: the box follows without reloading the page, one estimate in words.
    TrainingRun.objects.filter(pk=run.pk).update(progress=55, stage="training: step 11/20")
    page.clock.fast_forward(POLL_MS)
    expect(page.locator("#training-progress progress")).to_have_js_property("value", 55)
    expect(page.locator('#training-progress [data-field="progress"]')).to_have_text("55%")
    expect(page.locator("#training-progress progress")).to_have_text("55%")
    expect(status_line).to_contain_text("training: step 11/20")
    expect(page.locator('[data-field="time_left"]')).to_have_text(
        re.compile(r"^(less than a minute|about \d+ minutes?) left \(estimate\)$")
    )
    expect(page.locator("#training-progress")).not_to_contain_text(re.compile(r"\d+s left"))
    assert page.evaluate("window.notReloaded === true")
    page.screenshot(path=str(screenshots / "admin-training-running.png"), full_page=True)

    # Cancelling asks first; "No" leaves the run going.
    page.get_by_role("link", name="Cancel this run").click()
    expect(page.locator("#content-main")).to_contain_text(f"Cancel training #{run.pk}?")
    page.get_by_role("link", name="No, keep it running").click()
    expect(page).to_have_url(re.compile(rf"/trainingrun/{run.pk}/change/$"))
    run.refresh_from_db()
    assert run.status == "running"

    page.get_by_role("link", name="Cancel this run").click()
    page.get_by_role("button", name="Yes, cancel the run").click()
    expect(page.locator(".messagelist")).to_contain_text("cancelled")
    expect(status_line).to_contain_text("Cancelled")
    expect(page).to_have_title(re.compile(rf"^Training #{run.pk} \(Cancelled\)"))
    expect(page.get_by_role("link", name="Cancel this run")).to_have_count(0)
    run.refresh_from_db()
    assert run.status == "cancelled" and not run.activated


def test_try_a_question_says_what_visitors_get_with_each_hint_by_its_field(page, owner):
    log_in(page)
    page.goto("/admin/site_assistant/question/try/")
    # "1 to 20" is the hint of "Passages to show": it sits under that field, not the question.
    hint = page.locator("#try-k-help")
    expect(hint).to_contain_text("1 to 20")
    expect(page.get_by_label("Passages to show")).to_have_attribute(
        "aria-describedby", "try-k-help"
    )
    k_box = page.get_by_label("Passages to show").bounding_box()
    q_box = page.get_by_label("Question").bounding_box()
    hint_box = hint.bounding_box()
    assert hint_box["y"] >= k_box["y"] + k_box["height"]  # below the field...
    assert k_box["x"] - 1 <= hint_box["x"] < k_box["x"] + k_box["width"]  # ...starting under it
    assert hint_box["x"] >= q_box["x"] + q_box["width"]  # and not under the question

    # A German question: the owner sees what a visitor gets, the language message.
    page.get_by_label("Question").fill("Wo ist euer Büro")
    page.get_by_role("button", name="Ask").click()
    verdict = page.locator("#try-verdict")
    expect(verdict).to_contain_text("Another language (German)")
    expect(verdict).to_contain_text("“Ich kann nur auf Englisch antworten.”")
    expect(verdict).not_to_contain_text("Not sure")
    visitor = page.request.get("/api/search/", params={"q": "Wo ist euer Büro"}).json()
    assert visitor["answer"] is None
    assert visitor["message"] == "Ich kann nur auf Englisch antworten."

    help_text = page.locator("#try-help")
    expect(help_text).not_to_contain_text("exactly as visitors")
    expect(help_text).not_to_contain_text("nonsense part")


def test_the_builds_list_fits_and_shows_a_failed_builds_error(
    page, owner, private_index, settings, site_vectors
):
    """A build that succeeded and one that really failed (the site's sitemaps moved away:
    nothing to read), listed at 1280 px with the failure's own words in view."""
    from site_assistant.build import run_build

    site_vectors()  # this test is about the list, not embedding
    done = run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.COMMAND))
    assert done.status == "succeeded", done.error
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "SITEMAPS": [], "URLS": []}
    with pytest.raises(RuntimeError):
        run_build(IndexBuild.objects.create(trigger=IndexBuild.Trigger.CONTENT))
    failed = IndexBuild.objects.get(trigger=IndexBuild.Trigger.CONTENT)
    assert failed.status == "failed" and failed.error.startswith("no passages found")
    log_in(page)
    page.goto("/admin/site_assistant/indexbuild/")
    assert_every_column_in_view(page)
    row = page.locator("#result_list tbody tr", has_text=f"#{failed.pk}")
    shown = row.get_by_text(failed.error)
    expect(shown).to_be_in_viewport()
    assert shown.bounding_box()["x"] + shown.bounding_box()["width"] <= 1280
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("Content change")
    expect(
        page.locator(
            "#result_list tbody tr", has_text=f"{done.passages} passages from {done.pages} pages"
        )
    ).to_have_count(1)
    # The live index's date reads like every other date here, the exact time on hover.
    built = page.locator("#index-status time")
    expect(built).to_have_text(re.compile(r"ago$|now$"))
    # (The language's format, the site's time zone named: "Dec. 7, 2026, 1:52 p.m. CET".)
    expect(built).to_have_attribute("title", re.compile(r"^\w+\.? \d{1,2}, \d{4}, .* CES?T$"))
    expect(page.locator("#index-status")).not_to_contain_text("+00:00")


def test_a_builds_page_says_its_new_status_everywhere_once_it_changes(
    page,
    owner,
    testsite,  # noqa: F811
):
    """The owner presses **Rebuild index now** on the test site: the build really runs, in
    the background, held while it reads the site's /beta/ page, then finishes; its page
    follows it from Running to Succeeded."""
    held = testsite.hold("/beta/")
    try:
        log_in(page)
        page.goto("/admin/site_assistant/indexbuild/")
        page.get_by_role("button", name="Rebuild index now").click()
        expect(page).to_have_url(re.compile(r"/indexbuild/\d+/change/$"))
        assert held.reached.wait(timeout=30), "the build never asked for /beta/"
        build = IndexBuild.objects.get(trigger="admin")
        box = page.locator("#build-progress")

        # It runs: the page says "Running" everywhere, Started included, and where it is.
        expect(page).to_have_title(re.compile(rf"^Build #{build.pk} \(Running\)"))
        expect(page.locator(".breadcrumbs")).to_contain_text(f"Build #{build.pk} (Running)")
        expect(box).to_contain_text("collect")  # reading the site's pages
        build.refresh_from_db()
        expect(box).to_contain_text(f"{build.progress}%")
        # The counts are not known yet: nothing claims "0 pages · 0 passages".
        expect(box).not_to_contain_text("pages", use_inner_text=True)
        expect(page.locator(".field-started_at .readonly")).not_to_have_text("–")
        expect(page.locator(".field-progress")).to_have_count(0)  # the box says it, live
    finally:
        held.release()

    # It succeeds: the box, the title, the breadcrumb and the fields agree.
    expect(page).to_have_title(re.compile(rf"^Build #{build.pk} \(Succeeded\)"), timeout=60_000)
    build.refresh_from_db()
    assert build.status == "succeeded" and build.passages > 0, build.error
    expect(page.locator(".breadcrumbs")).to_contain_text(f"Build #{build.pk} (Succeeded)")
    expect(page.locator("#content > h2")).to_contain_text(f"Build #{build.pk} (Succeeded)")
    expect(box.locator('[data-field="status"]')).to_have_text("Succeeded")
    expect(box).to_contain_text(
        f"100% · {build.pages} pages · {build.passages} passages · "
        f"{build.embedded} embedded · {build.reused} reused"
    )
    expect(page.locator(".field-finished_at .readonly")).not_to_have_text("–")
    expect(page.locator("body")).not_to_contain_text("Running")
    page.wait_for_timeout(1500)  # and it stays put: no more reloads once final
    expect(page.locator("#build-progress script, script[src*=admin-build]")).to_have_count(0)


def test_a_failed_builds_bar_says_where_it_stopped_in_the_errors_colour(page, owner, private_index):
    """It stayed the blue of a build under way, beside the red error. The owner presses
    **Rebuild index now** with a damaged model served (its tokenizer.json cut short):
    the page follows the build until it fails, and says where, in red."""
    from django.utils import timezone

    from site_assistant import embed

    folder = private_index / "models" / "20260101T000000" / "final"
    shutil.copytree(embed.default_model_path(), folder)
    (folder / "tokenizer.json").write_text('{"version": "1.0", "trunc')
    embed.set_active_model(str(folder))
    log_in(page)
    page.goto("/admin/site_assistant/indexbuild/")
    page.get_by_role("button", name="Rebuild index now").click()
    expect(page).to_have_url(re.compile(r"/indexbuild/\d+/change/$"))
    failed = IndexBuild.objects.get(trigger="admin")
    after = page.locator("#build-progress .search-admin__after")
    expect(page).to_have_title(re.compile(rf"^Build #{failed.pk} \(Failed\)"), timeout=60_000)
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.stage and failed.progress > 0, failed.error
    expect(after).to_contain_text(f"Stopped at {failed.progress}%")
    expect(page.locator("#build-progress")).to_contain_text(failed.error.splitlines()[0])
    bar = page.locator("#build-progress progress")
    failed_colour = bar.evaluate("bar => getComputedStyle(bar).accentColor")
    error_red = page.locator("#build-progress .search-admin__error").last.evaluate(
        "node => getComputedStyle(node).color"
    )

    # A build under way, for the bar's own colour (and no "Stopped" there).
    running = IndexBuild.objects.create(
        status="running", trigger="admin", started=timezone.now(), progress=54, stage="embed"
    )
    page.goto(f"/admin/site_assistant/indexbuild/{running.pk}/change/")
    expect(after).not_to_contain_text("Stopped")
    running_colour = bar.evaluate("bar => getComputedStyle(bar).accentColor")
    assert failed_colour == error_red != running_colour, (failed_colour, running_colour)


def test_a_running_builds_page_estimates_the_time_left_from_the_embedding_pace(page, owner):
    """The bar said "61%" and nothing of how long: on a big site's first build
    the embedding takes minutes. The box now estimates the time left in words
    from the pace it sees the embedding stage move at, and says nothing in the
    other stages (their share of the bar says nothing of the time)."""
    from django.utils import timezone

    build = IndexBuild.objects.create(
        status="running", trigger="admin", started=timezone.now(), progress=35, stage="extract"
    )
    # The page's clock (Date, its timers) is Playwright's: six seconds pass at once.
    page.clock.install()
    log_in(page)
    page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    box = page.locator("#build-progress")
    left = box.locator('[data-field="time_left"]')
    expect(box).to_contain_text("35%")
    expect(left).to_be_hidden()

    # Embedding, one percent in about six seconds: 43 % to go is minutes.
    IndexBuild.objects.filter(pk=build.pk).update(progress=46, stage="embed")
    expect(box).to_contain_text("46%")

    def poll(response):
        return response.request.resource_type == "fetch"

    with page.expect_response(poll):
        page.clock.fast_forward(6000)
    # The next poll is sent once the page has shown the one six seconds on.
    page.wait_for_event("response", poll)
    expect(left).to_be_hidden()  # no pace yet: the bar has not moved
    IndexBuild.objects.filter(pk=build.pk).update(progress=47)
    expect(left).to_have_text(re.compile(r"^about [3-9] minutes left \(estimate\)$"))
    expect(box).to_contain_text("47% · about", use_inner_text=True)

    # Faster now: nearly done with the embedding.
    IndexBuild.objects.filter(pk=build.pk).update(progress=88)
    expect(left).to_have_text("less than a minute left (estimate)")

    # Writing the index: no estimate from a stage whose share of the bar is no clock.
    IndexBuild.objects.filter(pk=build.pk).update(progress=91, stage="write")
    expect(box).to_contain_text("write")
    expect(left).to_be_hidden()


def test_a_german_owner_watches_a_builds_stage_change_in_german(page, owner, settings):
    """The box's stage came from the status JSON as the build stores it ("embed"): its
    script now shows the words the JSON gives in the owner's language. Its percent too:
    "46 %" as German writes it, as the rest of the admin does, not the script's "46%"."""
    from django.utils import timezone

    build = IndexBuild.objects.create(
        status="running", trigger="admin", started=timezone.now(), progress=35, stage="extract"
    )
    log_in(page)
    settings.LANGUAGE_CODE = "de"
    # Bambicim's admin speaks the browser's language (bambicim.middleware).
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    stage = page.locator('#build-progress [data-field="stage"]')
    done = page.locator('#build-progress [data-field="progress"]')
    expect(stage).to_have_text("Text herauslösen")
    expect(done).to_have_text("35 %")
    IndexBuild.objects.filter(pk=build.pk).update(progress=46, stage="embed")
    expect(stage).to_have_text("einbetten")
    expect(done).to_have_text("46 %")
    expect(page.locator("#build-progress progress")).to_have_text("46 %")


@pytest.mark.usefixtures("no_auto_rebuild")
def test_the_owner_switches_an_example_question_off_by_its_named_active_box(page, owner):
    ExampleQuestion.objects.all().delete()  # the site's own push these onto a later page
    ExampleQuestion.objects.create(question="How much is a shop?", url="/services/#pricing")
    ExampleQuestion.objects.create(question="Where are you based?", url="/about/#studio")
    log_in(page)
    page.goto("/admin/site_assistant/examplequestion/")
    # One "Active" box per row: each says which question it switches.
    page.get_by_role("checkbox", name="Active: How much is a shop?").uncheck()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert not ExampleQuestion.objects.get(question="How much is a shop?").active
    assert ExampleQuestion.objects.get(question="Where are you based?").active


@pytest.mark.usefixtures("no_auto_rebuild")
def test_the_owner_finds_their_own_example_questions_among_the_sites(page, owner):
    """Among the example questions a site ships, the owner's own are marked "You" and the
    "who added it" filter lists them alone."""
    ExampleQuestion.objects.all().delete()  # the site's own, if this test runs first
    ExampleQuestion.objects.create(question="How much is a shop?", url="/services/#pricing")
    ExampleQuestion.objects.create(
        question="Where are you based?", url="/about/#studio", source="site"
    )
    ExampleQuestion.objects.create(question="Who is Bambi?", url="/about/", source="owner")
    log_in(page)
    page.goto("/admin/site_assistant/examplequestion/")
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text="Who is Bambi?").locator("td.field-source_display")).to_have_text(
        "You"
    )
    page.locator("#changelist-filter").get_by_role("link", name="You", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Who is Bambi?")
    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="Shipped with the site").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Where are you based?")
    filters.get_by_role("link", name="Not recorded").click()  # one made by code that did not say
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("How much is a shop?")


def test_the_owner_filters_the_questions_by_a_language_named_in_words(page, owner):
    Question.objects.create(text="Wo ist euer Büro?", answered=False, language="de")
    Question.objects.create(text="Where is your office?", answered=True)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="German (de)").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr")).to_contain_text("Wo ist euer Büro?")
    filters.get_by_role("link", name="The site’s language").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list tbody tr")).to_contain_text("Where is your office?")


def test_the_owner_finds_short_slovenian_and_croatian_questions_under_their_language(page, owner):
    """Short Slovenian questions were listed under Serbian or Croatian, a Croatian one
    under Bosnian: Croatian, Serbian and Bosnian are one language in the log, and a
    question nearly as likely Slovenian (the site's LOCAL_LANGUAGES) is Slovenian. And
    "kontaktni email" was listed under Uzbek: the site's own words ("email") no longer
    name a question's language."""
    page.goto("/")
    page.keyboard.press("/")
    asked = (
        "Koliko stane?",
        "ali nudite gostovanje",
        "kontaktni email",
        "koliko košta izrada web stranice",
    )
    told = ["Odgovarjam lahko samo v angleščini."] * 3 + ["I can only answer in English."]
    for question, message in zip(asked, told, strict=True):
        expect(ask(page, question)).to_contain_text(message)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    filters = page.locator("#changelist-filter")
    rows = page.locator("#result_list tbody tr")
    expect(filters.get_by_role("link", name="Uzbek (uz)")).to_have_count(0)
    filters.get_by_role("link", name="Slovenian (sl)").click()
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Koliko stane?")).to_have_count(1)
    expect(rows.filter(has_text="ali nudite gostovanje")).to_have_count(1)
    expect(rows.filter(has_text="kontaktni email")).to_have_count(1)
    filters.get_by_role("link", name="Croatian, Serbian or Bosnian (sh)").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("koliko košta izrada web stranice")
    for neighbour in ("Croatian (hr)", "Serbian (sr)", "Bosnian (bs)"):
        expect(filters.get_by_role("link", name=neighbour)).to_have_count(0)


@pytest.mark.usefixtures("no_auto_rebuild")
def test_axe_finds_nothing_serious_on_the_owners_pages(page, owner):
    ask_api(page, "How much does a landing page cost?")
    ask_api(page, "Wo ist euer Büro?")
    ExampleQuestion.objects.create(question="How much is a shop?", url="/services/#pricing")
    answered = Question.objects.get(text="How much does a landing page cost?")
    log_in(page)
    for url in [
        "/admin/site_assistant/",
        "/admin/site_assistant/question/",
        f"/admin/site_assistant/question/{answered.pk}/change/",
        f"/admin/site_assistant/question/{answered.pk}/fix/?s=pricing",
        "/admin/site_assistant/question/try/?q=How+much+does+a+landing+page+cost%3F",
        "/admin/site_assistant/examplequestion/",
        "/admin/site_assistant/examplequestion/add/",
        "/admin/site_assistant/passage/",
        "/admin/site_assistant/indexbuild/",
        "/admin/site_assistant/trainingrun/",
    ]:
        page.goto(url)
        assert violations(page, impacts=SERIOUS) == [], url


def test_try_says_in_words_which_passages_are_below_the_threshold_and_keeps_them_legible(
    page, owner
):
    log_in(page)
    page.goto("/admin/site_assistant/question/try/?q=Do+you+repair+laptops%3F&k=5")
    expect(page.locator("#try-verdict")).to_contain_text("Not sure")
    rows = page.locator("#try-results tbody tr")
    expect(rows).to_have_count(5)
    # Not only faded: each says so, and stays as legible as the rest (axe: contrast).
    expect(rows.filter(has_text="below the threshold")).to_have_count(5)
    assert violations(page, impacts=SERIOUS) == []

    page.goto("/admin/site_assistant/question/try/?q=How+much+does+a+landing+page+cost%3F&k=5")
    expect(page.locator("#try-verdict")).to_contain_text("Answer:")
    expect(rows.first).not_to_contain_text("below the threshold")


def test_the_login_page_has_a_heading_and_no_violation_at_all(page, owner):
    """Django's own login page has no <h1> (its branding is a <div>): the site's
    templates/admin/login.html names the page, so axe finds nothing, moderate included."""
    page.goto("/admin/login/?next=/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert violations(page) == []
    log_in(page)  # and it still signs in
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_fix_this_answer_fits_a_phones_width(page, owner):
    """At 390 px the example question's box ran 170 px past the screen's edge
    (the page scrolled sideways to show the end of the question)."""
    ask_api(page, "do you repair bicycles?")
    log_in(page)
    page.set_viewport_size({"width": 390, "height": 844})
    question = Question.objects.get(text="do you repair bicycles?")
    page.goto(f"/admin/site_assistant/question/{question.pk}/fix/")
    box = page.get_by_label("Example question").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


# Whether the text of ``node`` ends (its last character) left of where it starts.
ENDS_ON_THE_LEFT = """node => {
    const text = [...node.childNodes].find(n => n.nodeType === Node.TEXT_NODE);
    const at = i => { const r = document.createRange(); r.setStart(text, i);
                      r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
    return at(text.length - 1) < at(0);
}"""


def test_a_right_to_left_question_reads_right_to_left_in_the_owners_pages(page, owner):
    """A Hebrew question in the Questions list and on Fix this answer was laid out left to
    right, its "?" at the far right, after its first word: it now takes its direction
    from its own text."""
    hebrew = "מה שעות הפתיחה?"
    question = Question.objects.create(text=hebrew, answered=False)
    log_in(page)
    page.goto("/admin/site_assistant/question/")
    assert page.locator("#result_list .field-text a", has_text="שעות").evaluate(ENDS_ON_THE_LEFT)
    page.goto(f"/admin/site_assistant/question/{question.pk}/fix/")
    assert page.locator("#fix-question q").evaluate(ENDS_ON_THE_LEFT)


def test_the_owners_own_questions_in_the_widget_stay_out_of_the_unanswered_ones(page, owner):
    """The owner, signed in, tried the widget on the site: each question was logged as a
    visitor's and "not sure" ones sat among the unanswered questions to review."""
    from .test_widget_browser import BUBBLE, ask

    log_in(page)
    page.goto("/")
    page.locator(BUBBLE).click()
    answer = ask(page, QUESTION)
    expect(answer).to_have_class(re.compile("site-assistant__msg--unsure"))  # answered all the same
    # Nothing logged, so nothing to vote on.
    expect(answer.locator(".site-assistant__feedback")).to_have_count(0)
    assert not Question.objects.exists()

    page.goto("/admin/site_assistant/question/?attention=unanswered")
    expect(page.locator("#staff-questions")).to_contain_text("are answered but not logged here")
    expect(page.locator("#result_list")).to_have_count(0)  # none to review
    page.get_by_role("link", name="Try a question").click()  # still answers the owner
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_role("button", name="Ask").click()
    expect(page.locator("#try-verdict")).to_contain_text("Not sure")

    visitor = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    try:
        visitor_page = visitor.new_page()
        visitor_page.goto("/")
        visitor_page.locator(BUBBLE).click()
        ask(visitor_page, QUESTION)
    finally:
        visitor.close()
    assert Question.objects.get().text == QUESTION  # a visitor's is logged


def test_fixing_a_question_marks_the_same_question_asked_again_and_the_widget_answers_both(
    page, private_index, owner, site_vectors
):
    """A week's visitors asked about PayPal twice, typed a little differently. The owner
    fixed one: the other sat on in To review with "Fix this answer", though visitors
    asking it were now answered from the section picked."""
    from .test_widget_browser import BUBBLE, ask

    site_vectors()  # the save's rebuild embeds only the new example question
    asked = ["do you accept paypal?", "Do you accept PayPal", "do you work on weekends?"]
    for question in asked:
        assert ask_api(page, question)["answer"] is None
    log_in(page)
    page.goto("/admin/site_assistant/")
    # Two questions (PayPal asked twice): the rows of the list it opens.
    expect(page.locator("#dash-unanswered")).to_have_text("2")
    expect(page.locator("#dash-unanswered-all")).to_have_text("waiting for a fix (asked 3 times)")
    # A screen reader's list of links names the counts' links by what they count, not "2".
    name = "0 answers visitors found not helpful"
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    page.get_by_role("link", name="2 unanswered questions", exact=True).click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    # One row for both PayPal ones, as last asked.
    row = page.locator("#result_list tbody tr", has_text=asked[1])
    expect(row.locator("td.field-asks_display")).to_have_text("2")
    row.get_by_role("link", name="Fix this answer").click()
    page.get_by_label("Find a section").fill("pricing")
    page.get_by_role("button", name="Search sections").click()
    page.locator("#fix-found").get_by_role("radio", name=re.compile(r"› Pricing")).check()
    page.get_by_role("button", name="Save as example question").click()
    # Back on the list it came from, the questions waiting: both PayPal ones left it.
    expect(page).to_have_url(re.compile(r"\?attention=unanswered_waiting$"), timeout=180_000)
    expect(page.locator(".messagelist")).to_contain_text(
        "It answers 1 other question visitors asked the same way too"
    )
    paypal = page.locator("#result_list tbody tr", has_text="accept paypal")  # either case
    expect(paypal).to_have_count(0)
    page.goto("/admin/site_assistant/question/?attention=unanswered")  # all, fixed or not
    expect(paypal).to_have_count(1)  # one question, asked twice
    expect(paypal.filter(has_text="example saved")).to_have_count(1)
    expect(paypal.locator("td.field-asks_display")).to_have_text("2")
    page.goto("/admin/site_assistant/")
    expect(page.locator("#dash-unanswered")).to_have_text("1")  # the weekends one

    visitor = page.context.browser.new_context(base_url=page.url.split("/admin/")[0])
    try:
        visitor_page = visitor.new_page()
        visitor_page.goto("/")
        visitor_page.locator(BUBBLE).click()
        answer = ask(visitor_page, "do you accept PayPal?")
        expect(answer).to_have_class(re.compile("site-assistant__msg--answer"))
        expect(answer.locator(".site-assistant__read")).to_have_attribute(
            "href", re.compile(r"/services/#pricing$")
        )
    finally:
        visitor.close()


def test_the_owner_sees_which_unanswered_questions_repeat_and_opens_them(page, owner, screenshots):
    """The week's review: which of the questions the site could not answer came back
    again? The list gave them one row each, newest first: the Unanswered list shows each
    question once, as last asked, with the times it was asked."""
    for question in ["do you accept paypal?", "do you work on weekends?", "Do you accept  PayPal"]:
        assert ask_api(page, question)["answer"] is None
    log_in(page)
    page.goto("/admin/site_assistant/")
    expect(page.locator("#dash-unanswered")).to_have_text("2")  # the rows it opens
    page.locator("#dash-unanswered").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    paypal = rows.filter(has_text="PayPal")
    expect(paypal.locator(".field-text")).to_have_text("Do you accept  PayPal")  # as last asked
    expect(paypal.locator("td.field-asks_display")).to_have_text("2")
    expect(rows.filter(has_text="weekends").locator("td.field-asks_display")).to_have_text("1")
    expect(page.locator("#questions-repeated")).to_have_count(0)  # nothing repeats here
    # Their top passage is "Contact › Or write to hello@bambicim.com": it wraps, and
    # every column stays in view.
    assert_every_column_in_view(page)
    page.screenshot(path=str(screenshots / "admin-questions-repeated.png"), full_page=True)
    paypal.locator("td.field-asks_display").get_by_role("link").click()  # each time asked
    expect(page).to_have_url(re.compile(r"\?q=do\+you\+accept\+paypal$"))
    asked = page.locator("#result_list tbody tr")
    expect(asked).to_have_count(2)
    expect(asked.filter(has_text="weekends")).to_have_count(0)


def test_the_overview_says_what_to_do_with_spam_and_when_questions_go(page, owner, settings):
    """Insults and nonsense sat among the unanswered questions with "Fix this answer",
    which has nothing to point them at; the overview named no way out of To review but
    an example question, nor that the log empties itself."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOG_RETENTION_DAYS": 21}
    for question in ["you suck", "asdfghjkl", "do you work on weekends?"]:
        assert ask_api(page, question)["answer"] is None
    log_in(page)
    page.goto("/admin/site_assistant/")
    expect(page.locator("#dash-unanswered")).to_have_text("3")
    note = page.locator("#dash-nothing-to-fix")
    expect(note).to_contain_text("tick them in the list and choose “Delete selected questions”")
    expect(note).to_contain_text("Every question is deleted 21 days after it was asked")
    page.locator("#dash-unanswered").click()
    for spam in ["you suck", "asdfghjkl"]:
        page.locator("#result_list tbody tr", has_text=spam).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(label="Delete selected questions")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("Successfully deleted 2 questions")
    page.goto("/admin/site_assistant/")
    expect(page.locator("#dash-unanswered")).to_have_text("1")


# Per row of the Questions list: its question's box and its Fix cell's ([left, top, right, bottom]).
TEXT_AND_FIX_BOXES = """() => [...document.querySelectorAll('#result_list tbody tr')].map(row =>
    [row.querySelector('.field-text a'), row.querySelector('.field-fix_link')].map(element => {
        const box = element.getBoundingClientRect();
        return [box.left, box.top, box.right, box.bottom]; }))"""
# Where the text of each heading of "Questions per day" starts and ends.
HEADING_TEXT_EDGES = """() => [...document.querySelectorAll('#questions-per-day thead th')].map(th => {
    const range = document.createRange(); range.selectNodeContents(th);
    const box = range.getBoundingClientRect(); return [box.left, box.right]; })"""


@pytest.mark.parametrize("width,height", [(390, 844), (360, 740)])
def test_on_a_phone_fix_this_answer_is_in_view_and_the_page_never_scrolls_sideways(
    phone_page, owner, width, height
):
    """On a phone the Fix column sat past the screen's edge (x 965 at 390 px), to be found
    only by scrolling the list sideways (pinned, it covered the questions' text until that
    wraps), and the "Questions per day" table pushed the whole page 116 px wider than the
    screen, its headings run together."""
    page = phone_page(width, height)
    for question in [
        "do you repair bicycles?",
        "zzqx wibblewobblefrobnicatorquuxxyzzyplughthudgrault@nowhere.invalid",
    ]:
        assert ask_api(page, question)["answer"] is None
    log_in(page)
    page.goto("/admin/site_assistant/question/?attention=unanswered")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    row = page.locator("#result_list tbody tr", has_text="do you repair bicycles?")
    fix = row.get_by_role("link", name="Fix this answer")
    box = fix.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert box["height"] >= 24, box
    # Every question reads whole, none of it under the Fix cell (above it in a card; beside
    # it in the table a phone without JavaScript gets).
    for text, fix_cell in page.evaluate(TEXT_AND_FIX_BOXES):
        assert text[2] <= fix_cell[0] or text[3] <= fix_cell[1], (text, fix_cell)
    # The per-day headings stand apart ("QUESTIONSANSWEREDUNANSWERED" before).
    edges = page.evaluate(HEADING_TEXT_EDGES)
    for (_, right), (left, _) in zip(edges, edges[1:], strict=False):
        assert left - right >= 8, edges
    fix.tap()
    expect(page.locator("#fix-question")).to_have_text("do you repair bicycles?")


def test_on_a_phone_rebuild_index_now_is_big_enough_to_tap_and_its_status_follows(
    phone_page, private_index, owner, site_vectors
):
    """Django's `form .button` outranked the app's own button classes: "Rebuild index now",
    "Ask" and the training page's buttons were 19 px high, under the 24 px a finger needs."""
    site_vectors()  # the build the tap starts embeds nothing it has embedded before
    page = phone_page(360, 740)
    log_in(page)
    page.goto("/admin/site_assistant/question/try/")
    assert page.get_by_role("button", name="Ask").bounding_box()["height"] >= 24
    page.goto("/admin/site_assistant/trainingrun/")
    for name in ["Train on site content", "Serve the base model"]:
        assert page.get_by_role("button", name=name).bounding_box()["height"] >= 24, name
    page.goto("/admin/site_assistant/indexbuild/")
    rebuild = page.get_by_role("button", name="Rebuild index now")
    assert rebuild.bounding_box()["height"] >= 24, rebuild.bounding_box()
    rebuild.tap()
    expect(page).to_have_url(re.compile(r"/indexbuild/\d+/change/$"))
    expect(page.locator('#build-progress [data-field="status"]')).to_have_text(
        "Succeeded", timeout=240_000
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_on_a_phone_the_owner_finds_and_picks_a_section_by_touch(
    phone_page, owner, no_auto_rebuild
):
    """ "Search sections" and "Save as example question" were 19 px high (Django's
    `form .button`), under the 24 px a finger needs; the picker's rows are tapped anywhere."""
    page = phone_page(360, 740)
    ask_api(page, QUESTION)
    log_in(page)
    asked = Question.objects.get(text=QUESTION)
    page.goto(f"/admin/site_assistant/question/{asked.pk}/fix/")
    search = page.get_by_role("button", name="Search sections")
    save = page.get_by_role("button", name="Save as example question")
    for button in (search, save):
        assert button.bounding_box()["height"] >= 24, button.bounding_box()
    assert page.get_by_label("Find a section").bounding_box()["height"] >= 24
    page.get_by_label("Find a section").fill("pricing")
    search.tap()
    pricing = page.locator("#fix-found li", has_text="› Pricing")
    pricing.locator(".fix-excerpt").tap()  # the section's text, not its 13 px radio
    expect(pricing.get_by_role("radio")).to_be_checked()
    page.get_by_role("button", name="Save as example question").tap()
    expect(page.locator(".messagelist")).to_contain_text(f"Saved “{QUESTION}” as an example")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_site_doesnt_answer_this_returns_to_the_not_helpful_list_it_came_from(page, owner):
    """Opened from the Not helpful list, "The site doesn't answer this" landed on the
    Unanswered list. Each of Fix this answer's actions returns to the list the owner came
    from, with its filters, whether the fix was opened from the list's row or from the
    question's own page; opened with no list behind it, to the Not helpful list."""
    asked = [
        Question.objects.create(
            text=text, answered=True, score=0.5, top_url="/about/", helpful=False
        )
        for text in ["is the studio dog friendly?", "do you ship to mars?", "any owls?"]
    ]
    log_in(page)
    page.goto("/admin/site_assistant/")
    page.locator("#dash-not-helpful").click()
    expect(page).to_have_url(re.compile(r"\?attention=not_helpful_waiting$"))
    listing = page.url
    # From the question's own page.
    page.locator("#result_list").get_by_role("link", name="is the studio dog friendly?").click()
    page.get_by_role("link", name="Fix this answer").click()
    page.get_by_role("button", name="The site doesn’t answer this").click()
    expect(page).to_have_url(listing)
    expect(page.locator(".messagelist")).to_contain_text("is the studio dog friendly?")
    # From the list's own Fix this answer.
    row = page.locator("#result_list tbody tr").filter(has_text="mars")
    row.get_by_role("link", name="Fix this answer").click()
    page.get_by_role("button", name="The site doesn’t answer this").click()
    expect(page).to_have_url(listing)
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    # Its own page opened from a link, no list behind it: the list it is in, Not helpful.
    page.goto(f"/admin/site_assistant/question/{asked[2].pk}/change/")
    page.get_by_role("link", name="Fix this answer").click()
    page.get_by_role("button", name="The site doesn’t answer this").click()
    expect(page).to_have_url(re.compile(r"/question/\?attention=not_helpful$"))


def test_the_overviews_rebuild_rebuilds(page, private_index, owner, site_vectors):
    """The overview's Tools row "Rebuild" only opened the builds list, where a second button
    "Rebuild index now" started the build. It starts one, and lands on that build's page
    with what happened, as the list's button does."""
    site_vectors()  # the build embeds nothing it has embedded before
    before = set(IndexBuild.objects.values_list("pk", flat=True))
    log_in(page)
    page.goto("/admin/site_assistant/")
    page.locator("#dash-tools").get_by_role("button", name="Rebuild").click()
    expect(page).to_have_url(re.compile(r"/indexbuild/\d+/change/$"))
    started = IndexBuild.objects.exclude(pk__in=before).get(trigger=IndexBuild.Trigger.ADMIN)
    assert page.url.endswith(f"/indexbuild/{started.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text(f"Index rebuild #{started.pk}")
    assert started.requested_by.username == "owner"
    expect(page.locator('#build-progress [data-field="status"]')).to_have_text(
        "Succeeded", timeout=240_000
    )


@pytest.mark.parametrize("language", ["sl", "de", "en"])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1280, 800)])
def test_the_questions_list_fits_a_laptops_width_in_each_language(
    page, owner, settings, language, width, height
):
    """At 1366 px, in Slovenian, the Questions list's "Time to answer" column was cut off
    and the page scrolled sideways. Every column is in view, with no sideways scroll, on a
    1366 × 768 and a 1280 × 800 laptop, in Slovenian, German and English."""
    long_heading = "/services/#what-a-website-costs-and-what-is-included-in-the-price"
    for n, (text, answered, helpful) in enumerate(
        [
            (
                "How much does a website with an online shop and a booking calendar cost?",
                True,
                True,
            ),
            ("Can you move my old WordPress site to a new host without downtime?", True, False),
            ("Do you also do logo design and printed business cards for small firms?", False, None),
            ("Koliko stane spletna stran z spletno trgovino?", False, None),
        ]
        * 3
    ):
        Question.objects.create(
            text=text,
            answered=answered,
            helpful=helpful,
            score=0.61 if answered else 0.21,
            top_url=long_heading,
            top_heading="What a website costs and what is included in the price",
            latency_ms=5222.4 + n,
            channel="widget",
            training_approved=n % 2 == 0,
        )
    # And what the Fix column says besides its link, in its longest words.
    Question.objects.create(text="Kje je vaša pisarna?", answered=False, language="hr")
    Question.objects.create(text="do you sell toys?", answered=False, unanswerable=True)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page)
    settings.LANGUAGE_CODE = language  # the site's language, from here on
    # Bambicim's admin speaks the browser's language (bambicim.middleware).
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto("/admin/site_assistant/question/")
    expect(page.locator("#result_list tbody tr")).to_have_count(14)
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    table = page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= width
    # The last column, the one cut off, is whole in view.
    last = page.locator("#result_list thead th").last.bounding_box()
    assert last["x"] + last["width"] <= width, last
    assert page.evaluate(
        "() => { const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth; }"
    )
