"""A bilingual host: English and German pages under ``i18n_patterns`` (/en/…, /de/…), the app
mounted inside them, a sitemap listing both languages (``i18n = True``); the English page has
a section in Slovenian (``<section lang="sl">``).

Set up by the ``bilingual_site`` fixture (tests/conftest.py): this URLconf, LANGUAGES,
LocaleMiddleware, the app's own templates and words (none of Bambicim's).
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse
from django.utils.translation import get_language

PAGES = {
    "en": (
        "Prices — Moss Bikes",
        "<h1>Prices</h1>"
        '<h2 id="puncture">Puncture repair</h2><p>We fix a flat tyre for 15 euros, usually '
        "while you wait. A new inner tube costs 8 euros extra.</p>"
        # The shop is in Ljubljana: a note for its Slovenian customers, marked as such.
        '<section lang="sl"><h2 id="luknja">Krpanje zračnice</h2><p>Predrto zračnico '
        "zakrpamo za 15 evrov, običajno kar med čakanjem.</p></section>",
    ),
    "de": (
        "Preise — Fahrrad Moos",
        "<h1>Preise</h1>"
        '<h2 id="reifen">Reparatur eines Platten</h2><p>Einen platten Reifen flicken wir für '
        "15 Euro, meistens während Sie warten. Ein neuer Schlauch kostet 8 Euro zusätzlich.</p>",
    ),
}

LAYOUT = (
    '{% load site_assistant %}<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">'
    "<title>{{ title }}</title></head><body><main>{{ main|safe }}</main>"
    "{% search_widget %}</body></html>"
)


def prices(request):
    lang = get_language()
    title, main = PAGES[lang]
    layout = engines["django"].from_string(LAYOUT)
    return HttpResponse(layout.render({"lang": lang, "title": title, "main": main}, request))


def old_prices(request):
    """The German page of an older layout that always says ``<html lang="en">``; in no
    sitemap (a test lists it in ``URLS``)."""
    layout = engines["django"].from_string(LAYOUT)
    title, main = PAGES["de"]
    return HttpResponse(layout.render({"lang": "en", "title": title, "main": main}, request))


class Pages(Sitemap):
    i18n = True

    def items(self):
        return ["prices"]

    def location(self, name):
        return reverse(name)


urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages}}),
    path("preise-alt/", old_prices),
]
urlpatterns += i18n_patterns(
    path("prices/", prices, name="prices"),
    path("assistant/", include("site_assistant.urls")),
)
