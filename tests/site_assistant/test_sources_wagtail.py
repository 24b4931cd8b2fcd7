"""Pages of a real Wagtail site come from the sitemap Wagtail serves."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_pages_come_from_wagtails_own_sitemap():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.site_assistant.wagtailsite.settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    urls = json.loads(result.stdout.strip().splitlines()[-1])
    assert urls == ["/", "/about/", "/about/team/"]
