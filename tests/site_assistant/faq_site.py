"""A German and English site whose FAQ entries are model rows: each entry is a page in
both languages under ``i18n_patterns`` (/de/faq/3/, /en/faq/3/), listed in the sitemap
(``i18n = True``), and registered with the app as docs/install.md §6 says; German is the
default (LANGUAGE_CODE "de"), the admin is at /de/admin/ and the app at /de/hilfe/.

An entry is a ``Group`` row (its name is the question, then its answer); one whose name
starts "Draft:" is unpublished: its pages are 404s and the sitemap leaves it out.

Set up by the ``faq_site`` fixture (tests/conftest.py).
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.template import engines
from django.urls import include, path, reverse
from django.utils.translation import get_language

PUBLISHED = ~Q(name__startswith="Draft:")
HEADINGS = {"de": "Häufige Fragen", "en": "Frequently asked questions"}

LAYOUT = (
    '{% load site_assistant %}<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">'
    "<title>{{ heading }}</title></head><body><main><h1>{{ heading }}</h1><h2>{{ question }}</h2>"
    "<p>{{ answer }}</p></main>{% search_widget %}</body></html>"
)


def faq_url(entry) -> str:
    """An entry's page in the active language (its ``get_absolute_url``)."""
    return reverse("faq", args=[entry.pk])


def faq(request, pk):
    entry = Group.objects.filter(PUBLISHED, pk=pk).first()
    if entry is None:
        raise Http404("No such entry")
    lang = get_language()
    question, _, answer = entry.name.partition("? ")
    context = {
        "lang": lang,
        "heading": HEADINGS[lang],
        "question": f"{question}?",
        "answer": answer,
    }
    return HttpResponse(engines["django"].from_string(LAYOUT).render(context, request))


class Entries(Sitemap):
    i18n = True

    def items(self):
        return Group.objects.filter(PUBLISHED).order_by("pk")

    def location(self, entry):
        return faq_url(entry)


urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": {"faq": Entries}}),
]
urlpatterns += i18n_patterns(
    path("faq/<int:pk>/", faq, name="faq"),
    path("hilfe/", include("site_assistant.urls")),
    path("admin/", admin.site.urls),
)
