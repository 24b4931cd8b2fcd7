"""The owner in the admin, in real Chromium: "Rebuild index now" runs a build and says so truly."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BUTTON = "button:has-text('Rebuild index now')"


def sign_in(page, django_user_model):
    django_user_model.objects.create_superuser("owner", "owner@example.com", "pw-for-tests")
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def test_without_a_broker_the_button_builds_in_the_background_and_the_page_follows_it(
    page, django_user_model, site_vectors
):
    from site_assistant.models import IndexBuild

    site_vectors()  # about the button and the page, not embedding
    sign_in(page, django_user_model)
    page.goto("/admin/site_assistant/indexbuild/")
    before = IndexBuild.objects.count()
    with page.expect_navigation(url=re.compile(r"/indexbuild/\d+/change/$")):
        page.click(BUTTON)  # no broker: a thread of the web server runs the build
    build = IndexBuild.objects.get(trigger="admin")
    assert IndexBuild.objects.count() == before + 1
    message = page.locator("ul.messagelist li")
    expect(message).to_have_class(re.compile("success"))
    expect(message).to_contain_text(
        re.compile(rf"Index rebuild #{build.pk} (started in the background|finished)")
    )
    status = page.locator('#build-progress [data-field="status"]')
    expect(status).to_have_text("Succeeded", timeout=240_000)
    # Once final, the page reloads once: its title and fields say it too, not only the box.
    expect(page).to_have_title(re.compile(rf"^Build #{build.pk} \(Succeeded\)"))
    build.refresh_from_db()
    assert build.status == "succeeded" and build.passages > 50, build.error
    expect(page.locator('#build-progress [data-field="passages"]')).to_have_text(
        str(build.passages)
    )


@pytest.mark.celery
def test_with_a_worker_the_button_queues_and_the_page_follows_the_build(
    page, django_user_model, celery_worker, site_vectors
):
    from site_assistant.models import IndexBuild

    site_vectors()  # about the button and the page, not embedding
    sign_in(page, django_user_model)
    page.goto("/admin/site_assistant/indexbuild/")
    with page.expect_navigation(url=re.compile(r"/indexbuild/\d+/change/$")):
        page.click(BUTTON)
    build = IndexBuild.objects.get(trigger="admin")
    message = page.locator("ul.messagelist li")
    # The worker may have taken it before the redirect: both are true, "started" is not said.
    expect(message).to_contain_text(re.compile(rf"Index rebuild #{build.pk} (queued|is running)"))
    status = page.locator('#build-progress [data-field="status"]')
    expect(status).to_have_text("Succeeded", timeout=240_000)
    expect(page.locator("#build-progress progress")).to_have_attribute("value", "100")
    # Once final, the page reloads once: its title and fields say it too, not only the box.
    expect(page).to_have_title(re.compile(rf"^Build #{build.pk} \(Succeeded\)"))
    build.refresh_from_db()
    assert build.status == "succeeded" and build.task_id
    expect(page.locator('#build-progress [data-field="passages"]')).to_have_text(
        str(build.passages)
    )


@pytest.mark.celery
def test_a_queued_builds_page_says_when_no_worker_runs_it(page, django_user_model, celery_workers):
    """Its page said "Queued · 0%" for ever while no worker ran: only the overview
    said why. The box now says it too, as soon as the build is late, and no
    longer once a worker has taken the build."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from site_assistant import tasks
    from site_assistant.models import IndexBuild

    cache.delete(tasks._WAITING_KEY)
    build = IndexBuild.objects.create(status="queued", trigger="admin", lock="index")
    sign_in(page, django_user_model)
    page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    waiting = page.locator("#build-progress #build-waiting")
    expect(waiting).to_be_hidden()  # just queued: a worker may take it any moment

    # Some minutes later, with the page still open: no worker answers (the broker does).
    IndexBuild.objects.filter(pk=build.pk).update(created=timezone.now() - timedelta(minutes=5))
    expect(waiting).to_be_visible()
    expect(waiting).to_contain_text("No worker is running")
    page.reload()  # and the page as the server renders it says so too
    expect(waiting).to_contain_text("No worker is running")

    # A training run queued as long says so on its page too, and still after its box polled.
    from site_assistant.models import TrainingRun

    run = TrainingRun.objects.create(status="queued")
    TrainingRun.objects.filter(pk=run.pk).update(created=timezone.now() - timedelta(minutes=5))
    page.goto(f"/admin/site_assistant/trainingrun/{run.pk}/change/")
    with page.expect_response(re.compile(rf"/trainingrun/{run.pk}/status/")):
        pass
    expect(page.locator("#training-progress #training-waiting")).to_contain_text(
        "No worker is running"
    )


@pytest.mark.celery
def test_an_open_builds_page_says_at_once_when_its_worker_is_stopped(
    page, django_user_model, celery_workers
):
    """The worker stopped (SIGTERM) while a build waited in the queue: the builds list said
    "No worker is running" at once, the open build page kept "Queued · 0%" for a minute and
    more. Its box, polling its status, now says it as the list does, in red, within
    seconds, with the command that starts this site's worker."""
    import os
    import signal

    from site_assistant.models import IndexBuild

    worker = celery_workers()
    build = IndexBuild.objects.create(status="queued", trigger="admin", lock="index")
    sign_in(page, django_user_model)
    page.goto(f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    waiting = page.locator("#build-progress #build-waiting")
    with page.expect_response(re.compile(rf"/indexbuild/{build.pk}/status/")):
        pass
    expect(waiting).to_be_hidden()  # a worker runs: it takes the build any moment

    os.killpg(worker.pid, signal.SIGTERM)  # a clean stop: its heartbeat says it shut down
    worker.wait(timeout=30)
    expect(waiting).to_be_visible(timeout=5_000)  # polled once a second
    expect(waiting).to_contain_text("No worker is running: the last one (test-")
    expect(waiting).to_contain_text("visitors keep getting the current index")
    expect(waiting).to_contain_text("(start one: celery -A bambicim worker)")
    expect(waiting).to_have_class("search-admin__error")  # red, as the list's note


def test_the_owners_admin_tab_has_the_sites_icon_and_no_missing_file(page, django_user_model):
    """The admin's pages name no icon, so Chromium asked for /favicon.ico: a 404 on every
    admin page (an error in the console, a blank tab). It now gets the site's heart."""
    failed = []
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
    sign_in(page, django_user_model)
    page.goto("/admin/site_assistant/dashboard/")
    page.wait_for_load_state("networkidle")
    icon = page.request.get("/favicon.ico")  # what the browser asks for, redirects followed
    assert icon.ok, icon.status
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in icon.text()
    assert not failed, failed


def test_the_overview_uses_the_width_of_a_laptop_and_is_one_column_on_a_phone(
    page, phone_page, django_user_model, screenshots
):
    """At 1280 px the app's overview used only the left ~520 px, its To review box a
    long column of small text. Now its boxes sit side by side across the width, and
    one under another on a phone."""
    sign_in(page, django_user_model)
    page.goto("/admin/site_assistant/")
    boxes = {
        name: page.locator(f"#dash-{name}").bounding_box()
        for name in ("serving", "build", "week", "review")
    }
    page.screenshot(path=str(screenshots / "admin-overview-1280.png"), full_page=True)
    dashboard = page.locator("#search-dashboard").bounding_box()
    assert dashboard["width"] > 1000, dashboard
    # Side by side: Serving now and the build on one row, at least two columns.
    assert abs(boxes["serving"]["y"] - boxes["build"]["y"]) < 2, boxes
    assert boxes["build"]["x"] > boxes["serving"]["x"] + boxes["serving"]["width"] - 1, boxes
    assert boxes["review"]["width"] > 400, boxes  # not a narrow column of small text

    phone = phone_page()
    phone.context.add_cookies(page.context.cookies())
    phone.goto("/admin/site_assistant/")
    shown = [
        phone.locator(f"#dash-{name}").bounding_box()
        for name in ("serving", "build", "week", "review")
    ]
    phone.screenshot(path=str(screenshots / "admin-overview-390.png"), full_page=True)
    assert [round(box["x"]) for box in shown] == [round(shown[0]["x"])] * 4, shown
    assert all(a["y"] + a["height"] <= b["y"] for a, b in zip(shown, shown[1:], strict=False))
    assert all(box["x"] + box["width"] <= 390 for box in shown), shown
