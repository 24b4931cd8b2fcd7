"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

Never downloads a browser. Without Chromium the tests are skipped locally with
the reason, and FAIL in CI (env CI set), so they are never silently skipped there.
"""

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import site_index_live

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The README's screenshots are refreshed only on request (`make screenshots`):
# a test run leaves the checkout as it found it.
SCREENSHOTS_DIR = os.environ.get("SCREENSHOTS_DIR")


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests that run one after another (this package;
    pytest-django runs the tests without a database after the others, so twice a run),
    not one per module; each test gets its own context (``page``, ``phone_page``)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + " — browser tests must run in CI")
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # A shared, noisy 2-core machine: an answer can take seconds (e.g. the first
    # question loads the model in the live server). Wait up to 20 s, not 5.
    expect.set_options(timeout=20_000)

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make between browser steps (and the test-database flushes) are plain
    # synchronous calls. Set only while Playwright runs (this package), so no
    # other test or subprocess (e.g. `check --deploy`) inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db, request):
    request.getfixturevalue("built_index")
    site_index_live()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def pytest_collection_modifyitems(items):
    # `make screenshots` runs `-m screenshot`: every test that saves a picture.
    for item in items:
        if "screenshots" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.screenshot)


@pytest.fixture
def phone_page(browser, live_server, transactional_db, built_index):
    """Makes a phone's page (touch, 2x pixels) of the live site: ``phone_page(width, height)``."""
    contexts = []

    def make(width=390, height=844):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots(tmp_path_factory):
    """Where the tests save screenshots: $SCREENSHOTS_DIR, else a temporary folder."""
    folder = Path(SCREENSHOTS_DIR) if SCREENSHOTS_DIR else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def one_question_a_minute(settings, monkeypatch):
    """Anonymous search throttled to 1/min (a fresh count before and after), its clock
    5 s into a minute: the counts are kept per minute on the clock (a sliding window), and
    a second question just after the minute turned found the first in the minute before,
    where it counts for less, so one more fitted sooner (Retry-After 60 or under, not over
    60). The clock still runs: a test has 55 s before its minute turns."""
    from django.core.cache import cache

    from site_assistant.api.throttles import SearchAnonThrottle

    shift = 65 - time.time() % 60
    monkeypatch.setattr(SearchAnonThrottle, "timer", staticmethod(lambda: time.time() + shift))
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "search_anon": "1/min",
        },
    }
    yield cache
    cache.clear()


@pytest.fixture
def bilingual_live_server(bilingual_site, live_server):
    """The live server serving the bilingual site (tests/site_assistant/bilingual_site.py)
    with its LocaleMiddleware: the server loaded its middleware once, when it started, so it
    loads it again now, and without LocaleMiddleware afterwards."""
    from django.test import override_settings

    handler = live_server.thread.httpd.get_app()
    wsgi = getattr(handler, "application", handler)  # inside the static files handler
    wsgi.load_middleware()
    yield live_server
    locale = "django.middleware.locale.LocaleMiddleware"
    with override_settings(MIDDLEWARE=[m for m in bilingual_site.MIDDLEWARE if m != locale]):
        wsgi.load_middleware()
