"""A plain Django site of a Ljubljana agency: English and Slovenian pages under
``i18n_patterns`` (/en/…, /sl/…), Slovenian the default, ``<html lang="{{ LANGUAGE_CODE }}">``
from the ``i18n`` context processor, a sitemap with ``i18n = True`` and alternates, and the
app mounted inside the patterns (/sl/assistant/search/).

What such a site holds that a tidy one does not:

- the English "About" page quotes a Slovenian client's words in a section of their own,
  with no ``lang`` (the editor did not know to add one);
- the Slovenian "Studenti" page has a block for foreign students in English, marked
  ``<section lang="en">``, whose facts are on no English page.

Set up by the ``slovenian_site`` fixture (tests/conftest.py).
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse
from django.utils.html import escape
from django.utils.translation import get_language

PAGES = {
    ("about", "en"): (
        "About us — Studio Lipa",
        "<h1>About us</h1>"
        '<h2 id="team">Our team</h2><p>We are four designers and developers with an office '
        "near the Triple Bridge. We build websites and online shops for small businesses.</p>"
        '<h2 id="prices">Prices</h2><p>A simple website costs 1,200 euros and is ready in '
        "three weeks. Hosting and upkeep cost 40 euros a month.</p>"
        # A client's words, as they wrote them: Slovenian, and nothing says so.
        '<h2 id="clients">Mnenja strank</h2><p>Ekipa je našo spletno stran izdelala hitro in '
        "brez zapletov, vedno so se odzvali na naša vprašanja in jih priporočamo vsem.</p>"
        '<h2 id="contact">Contact</h2><p>Tomaž Novak, Trubarjeva cesta 12, 1000 Ljubljana.</p>',
    ),
    ("about", "sl"): (
        "O nas — Studio Lipa",
        "<h1>O nas</h1>"
        '<h2 id="ekipa">Naša ekipa</h2><p>Smo štirje oblikovalci in razvijalci s pisarno blizu '
        "Tromostovja. Izdelujemo spletne strani in spletne trgovine za mala podjetja.</p>"
        '<h2 id="cene">Cene</h2><p>Preprosta spletna stran stane 1.200 evrov in je narejena v '
        "treh tednih. Gostovanje in vzdrževanje stane 40 evrov na mesec.</p>",
    ),
    ("students", "en"): None,  # no English page: the block below is the only English text
    ("students", "sl"): (
        "Študentsko delo — Studio Lipa",
        "<h1>Študentsko delo</h1>"
        '<h2 id="prakticno">Praktično usposabljanje</h2><p>Vsako poletje sprejmemo dva študenta '
        "oblikovanja na trimesečno prakso. Prijave zbiramo do konca marca.</p>"
        '<section lang="en"><h2 id="internships">Internships for Erasmus students</h2><p>Erasmus '
        "students can join us for a paid three-month internship in summer. Write to us in "
        "English with your portfolio before the end of March.</p></section>",
    ),
}

LAYOUT = (
    '{% load site_assistant %}<!doctype html><html lang="{{ LANGUAGE_CODE }}"><head>'
    '<meta charset="utf-8"><title>{{ title }}</title></head><body><main>{{ main|safe }}</main>'
    "{% search_widget %}</body></html>"
)


def page(request, name):
    found = PAGES.get((name, get_language()))
    if found is None:
        return HttpResponse("Not here", status=404)
    title, main = found
    layout = engines["django"].from_string(LAYOUT)
    return HttpResponse(layout.render({"title": title, "main": main}, request))


class Pages(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    languages = ["en", "sl"]

    def items(self):
        return ["about"]

    def location(self, name):
        return reverse(name)


class SlovenianPages(Sitemap):
    """Pages only the Slovenian site has."""

    i18n = True
    languages = ["sl"]

    def items(self):
        return ["students"]

    def location(self, name):
        return reverse(name)


def contact(request):
    """The contact form: in the language of its prefix, whatever the browser's."""
    words = {"sl": "Pišite nam", "en": "Write to us"}[get_language()]
    return HttpResponse(f"<h1>{words}</h1><p>{escape(request.GET.get('message', ''))}</p>")


urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages, "sl": SlovenianPages}}),
]
urlpatterns += i18n_patterns(
    path("about/", page, {"name": "about"}, name="about"),
    path("students/", page, {"name": "students"}, name="students"),
    path("contact/", contact, name="contact"),
    path("assistant/", include("site_assistant.urls")),
)
