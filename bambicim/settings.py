"""Bambicim settings: 12-factor, read from the environment (and `.env`)."""

import base64
import hashlib
import os
import re
import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

# The model must never be fetched from a hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    REDIS_URL=(str, ""),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")
# The test suite (and the worker processes it starts) runs with DEBUG off, as
# production does, but without collectstatic's manifest or an HTTPS redirect.
TESTING = "pytest" in sys.modules or env.bool("DJANGO_TESTING", default=False)


def _refuse_to_start(message):
    """One line on stderr, no traceback; exit status 78 (sysexits.h's EX_CONFIG),
    which gunicorn.conf.py reads to stop before it starts any worker."""
    print(message, file=sys.stderr)
    sys.exit(os.EX_CONFIG)


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY and env("SECRET_KEY_FILE", default=""):
    # A key kept in a file (a Docker or systemd secret; the Makefile makes one in
    # var/ for a local trial): SECRET_KEY, from the environment or .env, wins.
    try:
        SECRET_KEY = Path(env("SECRET_KEY_FILE")).read_text(encoding="utf-8").strip()
    except OSError as exc:
        _refuse_to_start(f"SECRET_KEY_FILE cannot be read: {exc}")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        # The development key below is in the repository: with it, anyone could
        # forge sessions' signed data, password-reset links and feedback tokens.
        _refuse_to_start(
            "SECRET_KEY is not set: with DEBUG off the site needs a secret key of its own "
            "(SECRET_KEY or SECRET_KEY_FILE, docs/configuration.md)."
        )
    # Local development (DEBUG on) and tests only: the "django-insecure-" prefix
    # makes `manage.py check --deploy` fail.
    SECRET_KEY = "django-insecure-bambicim-local-development-key-3f9a1c7e5b2d"
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files served locally (no CDN)
    "site_assistant",
    "bambicim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin in the owner's browser language; the public pages stay English.
    "bambicim.middleware.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff who save a registered model's row are told what became of its rebuild.
    "site_assistant.editors.EditorMessagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bambicim.urls"
WSGI_APPLICATION = "bambicim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bambicim.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A file, not :memory:, so a real Celery worker in another process sees the
# same test database.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # One file per test run, so two runs on one machine never share it.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3"
    )
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # The question log is written in every answering request: WAL with
    # synchronous=NORMAL makes the insert cheap (no fsync per commit; still
    # crash-safe for the database, the last commits may be lost on power
    # loss) and readers never wait for it. docs/benchmarks.md measures it.
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    (BASE_DIR / "var").mkdir(exist_ok=True)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that accepts connections and never answers (a partition, a
    # stuck server) must not hold a request until gunicorn kills the worker:
    # connecting gives up after this many seconds (libpq's minimum is 2), and
    # questions are answered without the log (site_assistant.questions).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
# A connection kept per worker process instead of one opened per request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=600))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The admin's languages (bambicim/middleware.py): the public pages are English only.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("sl", "Slovenščina")]
# Django's own admin words that its Slovenian catalogue lacks or gets wrong.
LOCALE_PATHS = [BASE_DIR / "bambicim" / "locale"]
TIME_ZONE = "Europe/Ljubljana"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# The site takes no files anywhere (the contact form, the game, the admin's models,
# the API): none is stored. Django's default handlers spooled any file of a
# multipart POST to a temporary file on disk, whatever its size (DATA_UPLOAD_MAX_
# MEMORY_SIZE limits a form's fields, not its files), as soon as the CSRF check read
# the form: one request could fill the disk.
FILE_UPLOAD_HANDLERS = []

# Sessions hold the Bambi Game inventory (and nothing else about a visitor).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not TESTING)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

# --- Content-Security-Policy (django-csp) ---------------------------------------
# Scripts and styles only from this site's own files: no 'unsafe-inline'
# for either. The few inline blocks carry the request's nonce (the Swagger
# UI page, the search page's <style>); the 500 page, rendered without a
# request, is allowed by the sha256 of its one <style>. No style=""
# attributes anywhere (CSS classes instead): a nonce cannot allow those.


def _inline_style_hash(template):
    """'sha256-…' of the one <style> block of ``template`` (read at start-up)."""
    html = (BASE_DIR / "templates" / template).read_text(encoding="utf-8")
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE, _inline_style_hash("500.html")],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Celery --------------------------------------------------------------
# No REDIS_URL: tasks run in-process, so `make run` needs nothing else.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Tasks a worker sends (e.g. a follow-up build) go to this queue; tests run
# their workers on a queue of their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# `make beat`: a nightly index rebuild (content changes rebuild on their own;
# this catches anything else) and the daily purges of the questions log and of
# contact messages (the Privacy page's promises).
CELERY_BEAT_SCHEDULE = {
    "search-nightly-rebuild": {
        "task": "site_assistant.tasks.rebuild_index",
        "schedule": crontab(hour=3, minute=17),
        "kwargs": {"trigger": "schedule"},
    },
    # Content changes saved while Redis was unreachable: queued once it answers.
    "search-retry-unqueued-builds": {
        "task": "site_assistant.tasks.retry_unqueued_builds",
        "schedule": 300.0,
    },
    "search-purge-question-log": {
        "task": "site_assistant.tasks.purge_question_log",
        "schedule": crontab(hour=4, minute=7),
    },
    "purge-contact-messages": {
        "task": "bambicim.tasks.purge_contact_messages",
        "schedule": crontab(hour=4, minute=11),
    },
}

# --- REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "search_anon": env("SEARCH_THROTTLE_ANON", default="60/min"),
        "search_user": env("SEARCH_THROTTLE_USER", default="600/min"),
        "feedback_anon": env("SEARCH_THROTTLE_FEEDBACK", default="30/min"),
        # Contact messages per client address (bambicim.contact_limits), beside the
        # session's own limit, which a script that drops the cookie never meets.
        "contact": env("CONTACT_THROTTLE", default="10/hour"),
    },
    # DRF's own throttles (none used here) would otherwise trust X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bambicim API",
    "DESCRIPTION": "Ask Bambi: search the site's passages, send feedback, manage the index.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counts must be shared by every gunicorn worker (a per-process
# cache lets each worker allow the full rate): in Redis when there is one.
# Its own alias, with one-second socket timeouts, so a Redis that refuses or
# hangs only switches rate limits off for a while (site_assistant.api.throttles)
# and never touches anything else that uses the default cache.
THROTTLE_CACHE = "default"
if REDIS_URL:
    CACHES["throttle"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "bambicim",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
    THROTTLE_CACHE = "throttle"
# Proxies of ours in front of the site (nginx, a load balancer): the client
# address is then read from X-Forwarded-For, that many entries from the
# right. 0 (the default) ignores the header, which any client can write.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# --- The search app -----------------------------------------------------------
# Every key and its default lives in site_assistant/conf.py.
SITE_ASSISTANT = {
    "INDEX_DIR": env("SEARCH_INDEX_DIR", default=str(BASE_DIR / "var" / "search-index")),
    "MODEL": env("SEARCH_MODEL", default=""),
    "ENCODER": env("SEARCH_ENCODER", default="onnx"),
    # Scaling out (docs/operations.md): chunked builds over the Celery workers and
    # the storage alias (in STORAGES) index versions are published to.
    "BUILD_CHUNK_SIZE": env.int("SEARCH_BUILD_CHUNK_SIZE", default=2000),
    "BUILD_CHUNK_MIN_TEXTS": env.int("SEARCH_BUILD_CHUNK_MIN_TEXTS", default=20000),
    "STORAGE": env("SEARCH_STORAGE", default=""),
    "TEMPLATE_INCLUDE": ["templates/**/*.html"],
    # Error pages are never a destination; the contact template's extra text
    # is form feedback (rate-limit and validation messages), not content.
    "TEMPLATE_EXCLUDE": [
        "templates/admin/**",
        "templates/site_assistant/**",
        "templates/base.html",
        "templates/404.html",
        "templates/500.html",
        "templates/pages/contact.html",
    ],
    "CONTENT_SELECTOR": "main",
    # Below its answer threshold the assistant says "I'm not sure": calibrated
    # for each index when it is built (docs/quality.md); SEARCH_MIN_SCORE fixes
    # one instead.
    "MIN_SCORE": env.float("SEARCH_MIN_SCORE", default=None),
    # /health/'s parts for a monitor sending "Authorization: Bearer <token>".
    "HEALTH_TOKEN": env("SEARCH_HEALTH_TOKEN", default=""),
    # /health/ is "degraded" once no Celery worker has written its heartbeat for this long.
    "WORKER_SILENT_SECONDS": env.int("SEARCH_WORKER_SILENT_SECONDS", default=12),
    # Training runs on a queue of their own (`make worker-training`), so index builds
    # never wait behind one: "" sends them to the default queue (docs/operations.md).
    "TRAINING_QUEUE": env("SEARCH_TRAINING_QUEUE", default=""),
    # A running build renews its lease every SEARCH_BUILD_HEARTBEAT_SECONDS; a build
    # whose lease was not renewed for SEARCH_BUILD_LEASE_SECONDS (its worker was
    # killed) is marked failed and the next request runs.
    "BUILD_HEARTBEAT_SECONDS": env.int("SEARCH_BUILD_HEARTBEAT_SECONDS", default=5),
    "BUILD_LEASE_SECONDS": env.int("SEARCH_BUILD_LEASE_SECONDS", default=30),
    "THROTTLE_CACHE": THROTTLE_CACHE,
    "NUM_PROXIES": NUM_PROXIES,
    # Branding (docs/install.md): the assistant's name and words; its pink colours
    # are set in static/css/site.css, and templates/site_assistant/page.html is this
    # site's own search page.
    "WIDGET_TITLE": "Ask Bambi",
    "WIDGET_GREETING": "Hi! Ask me anything about this site — services, prices, the Bambi Game, privacy…",
    "WIDGET_PLACEHOLDER": "Ask a question…",
    "PAGE_PLACEHOLDER": "e.g. How much does a landing page cost?",
    # The form's heading: on a phone the visitor lands on the form, the question in view
    # (the widget keeps the fragment after ?message=).
    "CONTACT_URL": "/contact/#write-to-us",
    # The contact form reads ?message= (bambicim.views.contact): the question arrives filled in.
    "HANDOFF_TEXT": "Ask Bambi’s team",
    "SUGGESTED_QUESTIONS": [
        "How much does a landing page cost?",
        "Is the Bambi Game free?",
        "Where are you based?",
    ],
    "PAGE_BASE_TEMPLATE": "base.html",
    # A studio in Ljubljana: a question the identifier finds nearly as likely Slovenian
    # as Croatian (or Norwegian...) is logged as Slovenian (docs/quality.md).
    "LOCAL_LANGUAGES": ["sl"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    "loggers": {"site_assistant": {"level": env("SEARCH_LOG_LEVEL", default="INFO")}},
}
