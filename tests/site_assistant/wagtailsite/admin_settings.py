"""The Wagtail test site with Wagtail's admin mounted (at /admin/), as editors use it:
tests/site_assistant/test_sources_wagtail.py's editor tests publish through it."""

from .settings import *  # noqa: F403
from .settings import INSTALLED_APPS, TEMPLATES

INSTALLED_APPS = [
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "wagtail.documents",
    "wagtail.images",
    *INSTALLED_APPS,
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.site_assistant.wagtailsite.admin_urls"
WAGTAILADMIN_COMMENTS_ENABLED = False
