"""The Content-Security-Policy holds in a real Chromium: every page of the site,
the widget (asking and voting), the search page, the API docs and the admin
load and work with zero CSP violations."""

import re

import pytest
from playwright.sync_api import expect

from site_assistant.models import IndexBuild, Question

from ..site.conftest import PAGES

pytestmark = pytest.mark.browser

# Recorded in the page before any of its own scripts run.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " @ " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(browser, live_server, transactional_db, built_index):
    """A browser page that records every CSP violation (DOM event and console)."""
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    console, errors = [], []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))

    def violations():
        seen = page.evaluate("window.__csp || []")
        return seen + console

    page.violations = violations
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def visit(page, url):
    response = page.goto(url)
    page.wait_for_load_state("load")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, (url, policy)
    assert "unsafe-inline" not in policy
    assert page.violations() == [], url


def test_every_page_of_the_site_loads_with_no_csp_violation(watched):
    for url in [*sorted(PAGES), "/search/?q=Where+are+you+based%3F", "/no-such-page/"]:
        visit(watched, url)


def test_the_widget_asks_and_takes_a_vote_with_no_csp_violation(watched):
    visit(watched, "/")
    watched.keyboard.press("/")
    watched.fill(".site-assistant__input", "Can I scrape the site?")
    watched.keyboard.press("Enter")
    answer = watched.locator(".site-assistant__msg--answer")
    expect(answer).to_have_count(1)
    # The vote goes back with the answer's feedback token and is stored.
    with watched.expect_response(re.compile("/api/feedback/")) as vote:
        answer.get_by_role("button", name="Helpful", exact=True).click()
    assert vote.value.status == 200
    expect(answer.locator(".site-assistant__thanks")).to_have_text("Thank you! 💖")
    assert Question.objects.get().helpful is True
    assert watched.violations() == []


def test_the_api_docs_load_with_no_csp_violation(watched):
    visit(watched, "/api/docs/")
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Bambicim API")
    expect(watched.locator(".opblock-summary-path").first).to_be_visible()
    assert watched.violations() == []


def test_the_admin_works_with_no_csp_violation(watched, django_user_model):
    django_user_model.objects.create_superuser("owner", "owner@example.com", "pw-for-tests")
    visit(watched, "/admin/login/?next=/admin/")
    watched.fill("#id_username", "owner")
    watched.fill("#id_password", "pw-for-tests")
    watched.click("input[type=submit]")
    watched.wait_for_url(re.compile(r"/admin/$"))
    for url in [
        "/admin/",
        "/admin/site_assistant/indexbuild/",
        "/admin/site_assistant/question/",
        "/admin/site_assistant/question/try/?q=Where+are+you+based%3F",
        "/admin/site_assistant/passage/",
        "/admin/site_assistant/page/",
        "/admin/site_assistant/examplequestion/",
        "/admin/site_assistant/examplequestion/add/",
        "/admin/site_assistant/trainingrun/",
        "/admin/bambicim/contactmessage/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
    ]:
        visit(watched, url)
    # The example question's section picker (the admin's select2) opens, searches and picks.
    visit(watched, "/admin/site_assistant/examplequestion/add/")
    watched.locator(".field-url .select2-selection").click()
    watched.locator(".select2-search__field").fill("pricing")
    watched.locator(".select2-results__option", has_text="Services › Pricing").click()
    expect(watched.locator(".field-url .select2-selection__rendered")).to_contain_text("Pricing")
    assert watched.violations() == []
    # Styles come from classes: the live-index box is laid out by admin.css.
    visit(watched, "/admin/site_assistant/indexbuild/")
    box = watched.locator(".search-admin__live")
    assert box.evaluate("e => getComputedStyle(e).display") == "flex"
    # The build page's script (a static file now) still follows the build.
    build = IndexBuild.objects.create(status="running", trigger="admin", progress=10)
    visit(watched, f"/admin/site_assistant/indexbuild/{build.pk}/change/")
    IndexBuild.objects.filter(pk=build.pk).update(progress=60, stage="embed")
    expect(watched.locator('#build-progress [data-field="progress"]')).to_have_text("60%")
    assert watched.violations() == []
