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
    page, django_user_model
):
    from site_assistant.models import IndexBuild

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
    page, django_user_model, celery_worker
):
    from site_assistant.models import IndexBuild

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
