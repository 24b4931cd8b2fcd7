"""Sitemaps: the page URLs the site lists, read by requesting its sitemaps.

Each path of ``SITE_ASSISTANT["SITEMAPS"]`` (``/sitemap.xml`` by default) is requested
in-process, like a page, and parsed as sitemaps.org XML with defusedxml (no
entities, no external references). A sitemap index is followed (to
``MAX_DEPTH`` levels, each sitemap once); a gzipped sitemap is unpacked. Any
view can serve them: ``django.contrib.sitemaps``, Wagtail's
``wagtail.contrib.sitemaps`` or a hand-written file. Locations on another host
are ignored; a sitemap that does not answer 200 or is not valid XML is
skipped with a warning and named in ``errors``, and a build fails on it, whatever why
(``site_assistant.build``: its pages cannot be known).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.http.request import split_domain_port, validate_host

from .. import script_prefix
from .. import stored_words as words

logger = logging.getLogger(__name__)

MAX_DEPTH = 3  # sitemap index → sitemap → ... at most this many hops
MAX_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for one uncompressed file


class SitemapError(ValueError):
    """A response that is not a readable sitemap."""


def path_of(location: str) -> str:
    parts = urlsplit(location)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def _tag(element) -> str:
    return element.tag.rsplit("}", 1)[-1]  # without the sitemaps.org namespace


def parse(content: bytes) -> tuple[str, list[str]]:
    """("urlset" or "sitemapindex", its <loc>s) of a sitemap file (gzipped or not)."""
    if content[:2] == b"\x1f\x8b":
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        content = unpacker.decompress(content, MAX_BYTES)
        if unpacker.unconsumed_tail:
            raise SitemapError(words.TOO_BIG.english(bytes=MAX_BYTES))
    try:
        root = fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise SitemapError(
            words.NOT_SITEMAP_XML.english(error=f"{type(exc).__name__}: {exc}")
        ) from None
    kind = _tag(root)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(words.NOT_A_SITEMAP.english(kind=kind))
    entry = "url" if kind == "urlset" else "sitemap"
    locations = []
    for child in root:
        if _tag(child) != entry:
            continue
        for field in child:
            if _tag(field) == "loc" and (field.text or "").strip():
                locations.append(field.text.strip())
    return kind, locations


def on_host(location: str, host: str, allowed_hosts: Iterable[str]) -> str | None:
    """The path of ``location`` when it is a page of this site, else None; without the
    script prefix ("https://example.com/portal/de/" → "/de/" under FORCE_SCRIPT_NAME
    "/portal": site_assistant.script_prefix).

    This site: the render host, or a host named in ALLOWED_HOSTS ("*" aside).
    """
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return script_prefix.strip(path_of(location)) if location.startswith("/") else None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    hostname = parts.hostname.lower()
    render_host, _ = split_domain_port(host.lower())
    named = [h for h in allowed_hosts if h != "*"]
    if hostname == render_host or validate_host(hostname, named):
        return script_prefix.strip(path_of(location))
    return None


def fetch(client, path: str, host: str | None = None) -> bytes:
    headers = {"HTTP_HOST": host} if host else {}
    response = client.get(path, secure=True, follow=True, **headers)
    if response.status_code != 200:
        why = words.STATUS.english(status=response.status_code)
        exc_info = getattr(response, "exc_info", None)  # the test client keeps the view's error
        if exc_info and exc_info[1] is not None:
            why += f" ({type(exc_info[1]).__name__}: {exc_info[1]})"
        raise SitemapError(why)
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content


def page_urls(
    client,
    paths: Iterable[str],
    host: str,
    allowed_hosts: Iterable[str],
    errors: dict[str, str] | None = None,
    elsewhere: dict[str, list[str]] | None = None,
) -> list[str]:
    """Paths of every page the sitemaps at ``paths`` list, in order, indexes followed;
    each sitemap that could not be read goes into ``errors`` (path → why), each location
    not on this site into ``elsewhere`` (its origin → its locations)."""
    allowed_hosts = list(allowed_hosts)
    queue = [(script_prefix.strip(path_of(p)), 0) for p in paths]
    seen: set[str] = set()
    urls: list[str] = []
    elsewhere = {} if elsewhere is None else elsewhere
    while queue:
        path, depth = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            kind, locations = parse(fetch(client, path, host))
        except SitemapError as exc:
            logger.warning("sitemap %s skipped: %s", path, exc)
            if errors is not None:
                errors[path] = str(exc)
            continue
        for location in locations:
            local = on_host(location, host, allowed_hosts)
            if local is None:
                parts = urlsplit(location)
                origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else location
                elsewhere.setdefault(origin, []).append(location)
            elif kind == "urlset":
                urls.append(local)
            elif depth < MAX_DEPTH:
                queue.append((local, depth + 1))
            else:
                logger.warning("sitemap %s: index nested deeper than %d, skipped", local, MAX_DEPTH)
    for where, locations in elsewhere.items():
        logger.warning(
            "sitemaps list %d location(s) at %s, not this site (%s): ignored; "
            "add that host to ALLOWED_HOSTS if it is this site's",
            len(locations),
            where,
            host,
        )
    return urls
