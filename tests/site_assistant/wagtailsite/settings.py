"""A minimal real Wagtail site (its own database in memory) whose sitemap the search
app must find by requesting it: used by tests/search/test_sources_wagtail.py."""

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
    "wagtail",
    "modelcluster",
    "taggit",
]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
ROOT_URLCONF = "tests.site_assistant.wagtailsite.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [
    {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True}
]
WAGTAIL_SITE_NAME = "Wagtail sitemap test"
WAGTAILADMIN_BASE_URL = "http://localhost"
USE_TZ = True
STATIC_URL = "/static/"
SITE_ASSISTANT = {"INDEX_DIR": "/nonexistent"}
