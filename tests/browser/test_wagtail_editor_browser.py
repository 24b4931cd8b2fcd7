"""A Wagtail editor in real Chromium: publishes a page in Wagtail's admin and reads,
among Wagtail's messages, when visitors asking the assistant get the new text (in place
of the message that said it was reading it).

The Wagtail test site (tests/site_assistant/wagtailsite/admin_settings.py) runs in a
runserver subprocess with an in-memory Celery broker that no worker reads: the
rebuild a publish asks for waits until the test runs it, as a worker would.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import wagtail_site_dir

pytest.importorskip("wagtail")

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth.models import User
from wagtail.models import Site
from tests.site_assistant.wagtailsite.models import ArticlePage
User.objects.create_superuser("ed", "ed@example.com", "editor-pass")
home = Site.objects.get(is_default_site=True).root_page
visit = home.add_child(instance=ArticlePage(
    title="Visit us", slug="visit",
    body="<h2>Opening hours</h2><p>We are open from nine to five on weekdays.</p>",
))
visit.save_revision().publish()  # no broker here: built at once
print(visit.pk)
"""

RUN_QUEUED = """
import django
django.setup()
from site_assistant.build import run_build
from site_assistant.models import IndexBuild
for build in IndexBuild.objects.filter(status=IndexBuild.Status.QUEUED):
    run_build(build)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def wagtail_site(tmp_path_factory):
    folder = wagtail_site_dir(tmp_path_factory.mktemp("wagtail-editor"), "admin_settings")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.site_assistant.wagtailsite.admin_settings",
        "WAGTAILSITE_DIR": str(folder),
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("CELERY_BROKER_URL", None)

    def run(script, **extra):
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    page_id = int(run(SETUP).split()[-1])
    port = _free_port()
    server = subprocess.Popen(
        # --insecure: Wagtail's admin scripts served with DEBUG off.
        [
            sys.executable,
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--insecure",
        ],
        cwd=ROOT,
        # A broker nobody reads: a publish queues its rebuild.
        env={**env, "CELERY_BROKER_URL": "memory://"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/visit/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield {"url": url, "page_id": page_id, "run_queued": lambda: run(RUN_QUEUED)}
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_editor_reads_when_visitors_get_the_paragraph_just_published(browser, wagtail_site):
    from playwright.sync_api import expect

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=wagtail_site["url"]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/admin/login/")
        page.fill("#id_username", "ed")
        page.fill("#id_password", "editor-pass")
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")

        page.goto(f"/admin/pages/{wagtail_site['page_id']}/edit/")
        paragraph = page.locator(".Draftail-Editor [contenteditable=true]").get_by_text(
            "We are open from nine"
        )
        paragraph.click()
        page.keyboard.press("End")
        page.keyboard.type(" Dogs are welcome on the terrace.")
        # Draftail writes the field's value a moment after the last key.
        expect(page.locator("input[name=body]")).to_have_value(re.compile("Dogs are welcome"))
        page.locator("footer [data-w-dropdown-target=toggle]").click()
        # The page's script asks whether the rebuild is done: the first answer is "no".
        with page.expect_response(lambda r: "/site-assistant/update/" in r.url) as asked:
            page.get_by_role("button", name="Publish").click()

            messages = page.locator(".messages")
            expect(messages).to_contain_text("Page 'Visit us' has been published.")
            expect(messages).to_contain_text(
                "Ask us is reading the new text of “Visit us”: visitors get it in about 15 seconds."
            )
        assert asked.value.json()["done"] is False
        done = messages.locator("li.success", has_text="Ask us now answers from the new text")
        expect(done).to_have_count(0)

        wagtail_site["run_queued"]()  # the worker's turn
        expect(done).to_have_text("Ask us now answers from the new text of “Visit us”.")
        # ... in place of the message that said it was reading it ("A message here says
        # when they do"): both on screen contradicted each other. Wagtail's stays.
        expect(messages).not_to_contain_text("is reading the new text")
        expect(messages.locator("li")).to_have_count(2)
        expect(messages).to_contain_text("Page 'Visit us' has been published.")
        answer = json.load(
            urllib.request.urlopen(
                wagtail_site["url"] + "/assistant/api/search/?q=when+are+you+open+on+weekdays"
            )
        )
        assert answer["answer"] and "Dogs are welcome" in answer["answer"]["text"]
    finally:
        context.close()
    assert not errors, errors
