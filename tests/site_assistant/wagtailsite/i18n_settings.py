"""The Wagtail site in German and English with Wagtail's own internationalisation (no
wagtail-localize): ``WAGTAIL_I18N_ENABLED``, each page in a locale, Wagtail's URLs under
``i18n_patterns`` (/en/…, /de/…), German the default. LANGUAGES has British English too,
a variant of the English content language: an editor whose admin speaks it."""

from .settings import *  # noqa: F403

USE_I18N = True
WAGTAIL_I18N_ENABLED = True
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English"), ("en-gb", "British English")]
WAGTAIL_CONTENT_LANGUAGES = [("de", "Deutsch"), ("en", "English")]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
]
ROOT_URLCONF = "tests.site_assistant.wagtailsite.i18n_urls"
