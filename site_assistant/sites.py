"""Which of a project's sites a page is on, and which pages a visitor is answered from.

A Wagtail project can serve several sites from one database, each on its own
hostname, and the same path on each ("/services/" of two shops). The index
holds them all (site_assistant.sources.pages): the render host's pages (the
default site's) as paths ("/services/"), every other site's as scheme-relative
URLs on its host ("//beta.example/services/").

A visitor is answered from the pages of the site they are on: the request's
hostname when the index has pages on it, else the default site (as Wagtail
serves an unknown host). A page of the visitor's own site links by its path.
With ``CROSS_SITE_ANSWERS`` a page of another site answers too, linked by its
full address ("//alpha.example/services/"), after the visitor's own site's
copy of the same text.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from urllib.parse import urlsplit, urlunsplit

from django.http.request import split_domain_port

DEFAULT = ""  # the site of the render host: its pages are paths


def site_of(url: str) -> str:
    """The hostname ``url`` is on, lowercase; ``DEFAULT`` for a path."""
    return (urlsplit(url).hostname or DEFAULT).lower()


def addresses_in(urls: Iterable[str]) -> dict[str, str]:
    """The sites other than the default one that ``urls`` are on, each with its
    address as they write it: {"beta.example": "beta.example:8000"}."""
    found: dict[str, str] = {}
    for url in urls:
        name = site_of(url)
        if name != DEFAULT:
            found.setdefault(name, urlsplit(url).netloc.lower())
    return found


def hostname(host: str) -> str:
    """The hostname of a Host header's value, lowercase: "Beta.example:8000" → "beta.example"."""
    return split_domain_port((host or "").lower())[0]


def visitor_site(host: str, known: Collection[str]) -> str:
    """The site a visitor on ``host`` ("beta.example:8000") is on: its hostname
    when the index has pages on it (``known``), else ``DEFAULT``."""
    name = hostname(host)
    return name if name in known else DEFAULT


def _local(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def link(urls: Iterable[str], visitor: str, default_host: str | None = None) -> str | None:
    """The link to show a visitor of site ``visitor`` for a passage found at
    ``urls`` (best first): the first on the visitor's site, as a path; else,
    when ``default_host`` is given (cross-site answers), the first anywhere by
    its full address (a default-site path put on ``default_host``); else None."""
    urls = list(urls)
    for url in urls:
        if site_of(url) == visitor:
            return _local(url) if visitor != DEFAULT else url
    if default_host is None or not urls:
        return None
    url = urls[0]
    return f"//{default_host}{url}" if site_of(url) == DEFAULT else url


def on_site(link: str, site: str) -> str:
    """``link`` as shown to a visitor of the site at ``site`` (its address,
    "beta.example:8000"), as a link that names that site from anywhere:
    "/services/#pricing" → "//beta.example:8000/services/#pricing", the admin's
    links to what another site's visitor got. Unchanged for the default site
    and for a link that names its host already."""
    if site == DEFAULT or not link.startswith("/") or link.startswith("//"):
        return link
    return f"//{site}{link}"
