"""Bambicim's settings with its sitemap looked for where the site serves none (a path
mistyped, the URL pattern forgotten): a 404. Pages named in URLS still give text, and
the build fails all the same. For a real worker's build (``celery_workers(DJANGO_SETTINGS_MODULE=...)``,
tests/site_assistant/test_tasks.py)."""

from bambicim.settings import *  # noqa: F403
from bambicim.settings import SITE_ASSISTANT

SITE_ASSISTANT = {
    **SITE_ASSISTANT,
    "SITEMAPS": ["/sitemaps.xml"],
    "URLS": ["/services/", "/about/"],
}
