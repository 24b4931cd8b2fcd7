"""A minimal real Wagtail site with the app installed, used by
tests/site_assistant/test_sources_wagtail.py: its sitemap, requested like a page,
and its editors' changes, each of which rebuilds the index.

Its database is in memory and its index nowhere, unless WAGTAILSITE_DIR names a
folder for both (a build's heartbeat thread needs a database it can share), or
WAGTAILSITE_DATABASE_URL a PostgreSQL database.
"""

import os

SITE_DIR = os.environ.get("WAGTAILSITE_DIR")

SECRET_KEY = "wagtail-sitemap-test-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sitemaps",
    "wagtail.contrib.sitemaps",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "site_assistant",
    "tests.site_assistant.wagtailsite",
]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
ROOT_URLCONF = "tests.site_assistant.wagtailsite.urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(SITE_DIR, "db.sqlite3") if SITE_DIR else ":memory:",
    }
}
if os.environ.get("WAGTAILSITE_DATABASE_URL"):
    # A scratch PostgreSQL database instead (a test that runs on PostgreSQL too: migrated
    # by its script, dropped by the test).
    import environ

    DATABASES = {"default": environ.Env.db_url_config(os.environ["WAGTAILSITE_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}
]
WAGTAIL_SITE_NAME = "Wagtail sitemap test"
WAGTAILADMIN_BASE_URL = "http://localhost"
USE_TZ = True
STATIC_URL = "/static/"
SITE_ASSISTANT = {"INDEX_DIR": os.path.join(SITE_DIR, "index") if SITE_DIR else "/nonexistent"}
