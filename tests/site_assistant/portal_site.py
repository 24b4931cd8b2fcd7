"""A small site served under a path prefix ("/portal": FORCE_SCRIPT_NAME, or the server's
SCRIPT_NAME): its sitemap's locations and its rows' URLs come from ``reverse()``, which
puts the script prefix on, as django.contrib.sitemaps and ``get_absolute_url`` do.

Use with ``@pytest.mark.urls("tests.site_assistant.portal_site")``.
"""

from django.contrib import admin
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse

LAYOUT = (
    '{% load site_assistant %}<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>{{ title }} — Portal</title></head><body>"
    '<nav><a href="{% url "prices" %}">Prices</a></nav>'
    '<main id="main">{{ main|safe }}</main>{% search_widget %}</body></html>'
)

PAGES = {
    "prices": (
        "Prices",
        "<h1>Prices</h1><p>The hut is open from June to September, weather allowing.</p>"
        '<h2 id="water">Water</h2><p>Drinking water from the spring costs two euros a '
        "bottle; a refill of your own bottle is free of charge.</p>"
        '<h2 id="beds">Beds</h2><p>A bed in the dormitory costs twenty-five euros a night, '
        "breakfast included.</p>",
    ),
    "contact": (
        "Contact",
        "<h1>Contact</h1><p>Write to the hut keeper; she answers letters every Monday "
        "when the cable car brings the post up the valley.</p>",
    ),
}


def page(request, name):
    title, main = PAGES[name]
    layout = engines["django"].from_string(LAYOUT)
    return HttpResponse(layout.render({"title": title, "main": main}, request))


class Pages(Sitemap):
    def items(self):
        return list(PAGES)

    def location(self, item):
        return reverse(item)  # "/portal/prices/" under the prefix


# Locations written with a prefix, on a build that does not know it (no FORCE_SCRIPT_NAME:
# only the server adds SCRIPT_NAME): every page answers 404.
PREFIXED = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://{host}/portal/prices/</loc></url>
<url><loc>https://{host}/portal/contact/</loc></url>
</urlset>"""


def news(request):
    """A listing page (not in the sitemap): a card repeating the Prices page's Water
    section, linked by ``reverse()`` ("/portal/prices/#water" under the prefix)."""
    main = (
        "<h1>News</h1><article><h2>Water at the hut</h2><p>Drinking water from the spring "
        "costs two euros a bottle; a refill of your own bottle is free of charge. "
        f'<a href="{reverse("prices")}#water">Read on</a></p></article>'
    )
    layout = engines["django"].from_string(LAYOUT)
    return HttpResponse(layout.render({"title": "News", "main": main}, request))


def prefixed_sitemap(request):
    body = PREFIXED.replace("{host}", request.get_host())
    return HttpResponse(body, content_type="application/xml")


urlpatterns = [
    path("prices/", page, {"name": "prices"}, name="prices"),
    path("contact/", page, {"name": "contact"}, name="contact"),
    path("news/", news),
    path("help/", include("site_assistant.urls")),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages}}),
    path("prefixed-sitemap.xml", prefixed_sitemap),
]
