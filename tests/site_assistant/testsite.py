"""A tiny URLconf for search tests: pages whose content a test can change.

Use with ``@pytest.mark.urls("tests.site_assistant.testsite")``. ``PAGES`` maps a
path to its <main> HTML; edit it in a test (and restore it) to change a page.
"""

import threading

from django.contrib import admin
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import include, path

ORIGINAL_PAGES = {
    "/alpha/": (
        "Alpha page",
        "<h1>Alpha</h1><p>The alpha page talks about rose-gold teapots and quiet mornings.</p>"
        '<h2 id="opening-hours">Opening hours</h2><p>We are open from nine to five on weekdays.</p>'
        '<h2 id="parking">Parking</h2><p>Bicycles can be parked in the courtyard behind the shop.</p>',
    ),
    "/beta/": (
        "Beta page",
        "<h1>Beta</h1><p>The beta page explains how we ship parcels across the sea by boat.</p>"
        '<h2 id="returns">Returns</h2><p>Unwanted parcels can be returned within fourteen days.</p>',
    ),
}
PAGES = {k: v for k, v in ORIGINAL_PAGES.items()}

LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body><header><nav><a href="/">Home</a> Site navigation text</nav></header>
<main id="main">{main}</main><footer>Footer text © testsite</footer></body></html>"""


# A listing page and the two articles it shows teasers of (title, date, summary).
ARTICLES = {
    "rose-tea": (
        "Brewing rose tea at home",
        "2 March 2026",
        "Dried rose petals steeped for four minutes in water just off the boil make "
        "a soft, floral tea that needs no sugar.",
        '<h2 id="petals">Choosing petals</h2><p>Buy petals sold as food grade; florist '
        "roses are often sprayed. Pink and red petals taste the same, only the colour "
        "of the cup changes.</p>",
    ),
    "night-market": (
        "A night at the Ljubljana night market",
        "9 March 2026",
        "Every Friday the riverside market stays open until midnight with forty food "
        "stalls, live jazz and a stand that sells heart-shaped sunglasses.",
        '<h2 id="getting-there">Getting there</h2><p>Take bus number six to the old '
        "bridge and walk two minutes along the river; bicycles can be left at the "
        "stand by the fountain.</p>",
    ),
}


def _article_page(slug):
    title, date, summary, body = ARTICLES[slug]
    return (
        f"{title} — Shop",
        '<article><header><p class="eyebrow"><a href="/articles/">Articles</a> · '
        f"<time>{date}</time></p><h1>{title}</h1><p>{summary}</p></header>{body}"
        '<p><a href="/articles/">← All articles</a></p></article>',
    )


def _listing_page():
    cards = "".join(
        f'<article class="card"><time>{date}</time><h2><a href="/articles/{slug}/">{title}</a>'
        f'</h2><p>{summary}</p><p><a href="/articles/{slug}/">Read the article →</a></p></article>'
        for slug, (title, date, summary, _) in ARTICLES.items()
    )
    return (
        "Articles — Shop",
        "<h1>Articles</h1><p>Stories from the shop: what we brew, where we go and what "
        f"we learn along the way, written by the whole team.</p>{cards}",
    )


LISTING_SITE = {
    "/articles/": _listing_page(),
    **{f"/articles/{slug}/": _article_page(slug) for slug in ARTICLES},
}


# path -> Held: the page's view waits until the test releases it (a build held while
# it reads the site).
HELD = {}


class Held:
    """``reached`` is set once a request for the page arrives; it is answered after
    ``release()`` (or a minute, should a test fail before releasing it)."""

    def __init__(self):
        self.reached = threading.Event()
        self.released = threading.Event()

    def release(self):
        self.released.set()


def hold(path):
    """The next requests for ``path`` wait until the returned Held is released."""
    HELD[path] = Held()
    return HELD[path]


def reset_pages():
    PAGES.clear()
    PAGES.update(ORIGINAL_PAGES)
    for held in HELD.values():
        held.release()
    HELD.clear()


def page(request, **kwargs):
    if (held := HELD.get(request.path)) is not None:
        held.reached.set()
        held.released.wait(timeout=60)
    if request.path not in PAGES:
        return HttpResponse("gone", status=404)
    title, main = PAGES[request.path]
    return HttpResponse(LAYOUT.format(title=title, head="", main=main))


# A page with the app's widget (its tag and URLs, under /assistant/), as a site shows it.
WIDGET_LAYOUT = (
    '{% load site_assistant %}<!doctype html><html><head><meta charset="utf-8">'
    '<title>{{ title }}</title></head><body><main id="main">{{ main|safe }}</main>'
    "{% search_widget %}</body></html>"
)


def page_with_widget(request, **kwargs):
    from django.template import engines

    if request.path not in PAGES:
        return HttpResponse("gone", status=404)
    title, main = PAGES[request.path]
    layout = engines["django"].from_string(WIDGET_LAYOUT)
    return HttpResponse(layout.render({"title": title, "main": main}, request))


def hidden(request):
    head = '<meta name="robots" content="noindex, nofollow">'
    main = "<h1>Hidden</h1><p>This page asks search engines to forget it entirely.</p>"
    return HttpResponse(LAYOUT.format(title="Hidden", head=head, main=main))


# Pages that ask robots not to index them (True) or only not to follow links (False):
# variant -> (<head> markup, X-Robots-Tag header, must be skipped).
ROBOTS = {
    "meta-none": ('<meta name="robots" content="none">', "", True),
    "meta-upper": ('<META NAME="Robots" CONTENT="NoIndex, Follow">', "", True),
    "meta-googlebot": ('<meta content="noarchive,noindex" name="googlebot">', "", True),
    "header-noindex": ("", "noindex", True),
    "header-none": ("", "googlebot: none", True),
    "header-upper": ("", "NOARCHIVE, NOINDEX", True),
    "meta-follow": ('<meta name="robots" content="index, follow">', "", False),
    "meta-description": ('<meta name="description" content="none">', "", False),
    "header-nofollow": ("", "nofollow, noarchive", False),
}


def robots(request, variant):
    head, header, _ = ROBOTS[variant]
    main = f"<h1>Robots {variant}</h1><p>This page tells robots what to do with {variant}.</p>"
    response = HttpResponse(LAYOUT.format(title=variant, head=head, main=main))
    if header:
        response["X-Robots-Tag"] = header
    return response


# Hand-written sitemaps served by a plain view (no django.contrib.sitemaps).
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
HAND_SITEMAPS = {
    "index.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>'
        "<sitemap><loc>https://{host}/hand/first.xml</loc></sitemap>"
        "<sitemap><loc>https://{host}/hand/second.xml.gz</loc><lastmod>2026-01-01</lastmod>"
        "</sitemap>"
        "<sitemap><loc>https://elsewhere.example/hand/first.xml</loc></sitemap>"
        "<sitemap><loc>https://{host}/hand/index.xml</loc></sitemap>"  # a loop
        "</sitemapindex>"
    ),
    "first.xml": (
        f"<urlset {NS}><url><loc>https://{{host}}/alpha/</loc><priority>1.0</priority></url>"
        "<url><loc>http://{host}:8000/beta/?lang=en</loc></url>"
        "<url><loc>https://elsewhere.example/gamma/</loc></url>"
        "<url><loc>ftp://{host}/files/</loc></url></urlset>"
    ),
    # No namespace, gzipped by the view.
    "second.xml.gz": "<urlset><url><loc> https://{host}/gamma/ </loc></url></urlset>",
    "broken.xml": "<urlset><url><loc>https://{host}/broken/</loc></url>",
    "bomb.xml": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<urlset><url><loc>https://{host}/&lol2;/</loc></url></urlset>"
    ),
    "page.html": "<html><body><p>Not a sitemap at all.</p></body></html>",
    # An index that lists a sitemap no longer served (a 404).
    "lost.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>'
        "<sitemap><loc>https://{host}/hand/first.xml</loc></sitemap>"
        "<sitemap><loc>https://{host}/hand/gone.xml</loc></sitemap>"
        "</sitemapindex>"
    ),
    # Every location on another host (a CDN's, or the live domain on a staging copy).
    "cdn.xml": (
        f"<urlset {NS}><url><loc>https://cdn.example.com/alpha/</loc></url>"
        "<url><loc>https://cdn.example.com/beta/</loc></url>"
        "<url><loc>https://cdn.example.com/gamma/</loc></url></urlset>"
    ),
}


def hand_sitemap(request, name):
    import gzip

    if name not in HAND_SITEMAPS:
        return HttpResponse("no such sitemap", status=404)
    body = HAND_SITEMAPS[name].replace("{host}", request.get_host()).encode()
    if name.endswith(".gz"):
        return HttpResponse(gzip.compress(body), content_type="application/gzip")
    return HttpResponse(body, content_type="application/xml")


def members(request):
    return redirect("/accounts/login/?next=/members/")


def vault(request):
    """A private page's password form, served with 200 (as Wagtail serves its own)."""
    return HttpResponse(
        "<html><head><title>Password required</title></head><body><main>"
        "<h1>Password required</h1><p>You need a password to access this page.</p>"
        '<form method="post"><input type="PASSWORD" name="password"><button>Continue</button>'
        "</form></main></body></html>"
    )


def data(request):
    return JsonResponse({"text": "json is not a page"})


def lounge(request):
    """A real template (from the test's own template folder), rendered as for any visitor."""
    return render(
        request, "lounge.html", {"items": request.session.get("items", []), "draft": False}
    )


def boom(request):
    raise RuntimeError("this view is broken")


class Pages(Sitemap):
    def items(self):
        return ["/alpha/", "/beta/", "/hidden/", "/members/", "/data.json", "/boom/", "/admin/"]

    def location(self, item):
        return item


urlpatterns = [
    path("alpha/", page),
    path("beta/", page),
    path("gamma/", page),
    path("articles/", page),
    path("articles/<slug:slug>/", page),
    path("guide/", page_with_widget),
    path("assistant/", include("site_assistant.urls")),
    path("hidden/", hidden),
    path("members/", members),
    path("vault/", vault),
    path("data.json", data),
    path("boom/", boom),
    path("lounge/", lounge),
    path("hand/<str:name>", hand_sitemap),
    path("robots/<slug:variant>/", robots),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": Pages}}),
]
