"""Bambicim's settings with a folder of templates looked in before the site's own
(``EDITED_TEMPLATES``, an environment variable: the test's temporary folder), so a test
edits a page's template without touching the site's files. The page's template in the
site's folder is left out of the template source: only the rendered page says what it
says. For a real worker's builds (``celery_workers(DJANGO_SETTINGS_MODULE=...,
EDITED_TEMPLATES=...)``, tests/site_assistant/test_tasks.py)."""

import os

from bambicim.settings import *  # noqa: F403
from bambicim.settings import SITE_ASSISTANT, TEMPLATES

TEMPLATES = [{**TEMPLATES[0], "DIRS": [os.environ["EDITED_TEMPLATES"], *TEMPLATES[0]["DIRS"]]}]

SITE_ASSISTANT = {
    **SITE_ASSISTANT,
    "TEMPLATE_EXCLUDE": [*SITE_ASSISTANT["TEMPLATE_EXCLUDE"], "templates/pages/services.html"],
}
