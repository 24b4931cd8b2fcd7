"""Rendered pages: every URL the site's sitemaps list (+ SITE_ASSISTANT["URLS"]), rendered in-process.

Pages are rendered with Django's test ``Client`` against the project's own
URLconf, as an anonymous visitor: no server, no network. Only ``200
text/html`` responses count; redirects (e.g. to a login page), errors,
pages that say ``noindex`` or ``none`` to robots (meta tag or
``X-Robots-Tag``), pages that ask for a password (a login form, a private
page's password form), pages whose ``<html lang>`` is another language than
the index's (SITE_ASSISTANT["SKIP_OTHER_LANGUAGE_PAGES"]: a bilingual site's
/de/ pages in an English index) and anything under the admin are skipped.
Which URLs: site_assistant.sources.sitemaps.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.urls import NoReverseMatch, reverse

from .. import conf, script_prefix, sites
from .. import stored_words as words
from ..extract import Document, declared_language, index_language_blocks, parse
from . import sitemaps

logger = logging.getLogger(__name__)

# Robots directives that keep a page out of the index ("none" = noindex, nofollow).
NOINDEX_DIRECTIVES = frozenset({"noindex", "none"})
# <meta name="..."> names whose directives are honoured: every robot's, and Google's.
ROBOTS_META_NAMES = frozenset({"robots", "googlebot"})


@dataclass
class RenderedPage:
    url: str
    status: int
    document: Document | None = None
    templates: set[str] = field(default_factory=set)  # files used to render it
    skipped: str = ""  # why it is not indexed
    other_language: str = ""  # its <html lang> when that kept it out (not the index's)


# --- which URLs ------------------------------------------------------------------------


def admin_prefix() -> str | None:
    """Where the admin is, as the index writes a path: without a script prefix."""
    try:
        return script_prefix.strip(reverse("admin:index"))
    except NoReverseMatch:
        return None


def is_excluded(url: str) -> str:
    """Why ``url`` must never be indexed ("" = it may be)."""
    path = urlsplit(url).path
    prefix = admin_prefix()
    if prefix and path.startswith(prefix):
        return "admin"
    for pattern in conf.get("EXCLUDE_URLS"):
        if re.search(pattern, path):
            return f"excluded by {pattern!r}"
    return ""


def page_urls(
    client=None,
    sitemap_errors: dict[str, str] | None = None,
    elsewhere: dict[str, list[str]] | None = None,
) -> list[str]:
    """Sitemap URLs (when USE_SITEMAPS) + SITE_ASSISTANT["URLS"], minus exclusions, in order.

    The render host's pages are paths ("/about/"); those of another Wagtail site
    (``other_hosts``) are scheme-relative URLs on its host ("//beta.example/about/").
    A sitemap that could not be read goes into ``sitemap_errors`` (its URL → why), the
    render host's sitemaps' locations on another host into ``elsewhere`` (origin → them).
    Under a path prefix (FORCE_SCRIPT_NAME) the sitemaps' locations carry it and the
    paths do not (site_assistant.script_prefix).
    """
    with script_prefix.building():
        return _page_urls(client, sitemap_errors, elsewhere)


def _page_urls(client, sitemap_errors, elsewhere) -> list[str]:
    urls = []
    if conf.get("USE_SITEMAPS"):
        client = client or _client()
        own = [*settings.ALLOWED_HOSTS, *sites_framework_domain()]
        urls += sitemaps.page_urls(
            client, conf.get("SITEMAPS"), render_host(), own, sitemap_errors, elsewhere
        )
        for host in other_hosts():
            errors: dict[str, str] = {}
            urls += [
                f"//{host}{path}"
                for path in sitemaps.page_urls(
                    client, conf.get("SITEMAPS"), host, settings.ALLOWED_HOSTS, errors
                )
            ]
            if sitemap_errors is not None:
                sitemap_errors.update({f"//{host}{path}": why for path, why in errors.items()})
    urls += [script_prefix.strip(sitemaps.path_of(u)) for u in conf.get("URLS")]
    result = []
    for url in dict.fromkeys(urls):
        reason = is_excluded(url)
        if reason:
            logger.info("not indexing %s: %s", url, reason)
        else:
            result.append(url)
    return result


def sites_framework_domain() -> list[str]:
    """The hostname of django.contrib.sites' current Site (``SITE_ID``), when the project
    has that framework: django.contrib.sitemaps writes every location on it whatever host
    asked, so its pages are this site's ("example.com" until someone changes the Site
    row, where ignoring them read none of a startproject site's pages); [] without it."""
    if not apps.is_installed("django.contrib.sites") or not getattr(settings, "SITE_ID", None):
        return []
    from django.contrib.sites.models import Site

    try:
        domain = Site.objects.get_current().domain
    except Exception:  # no such Site row, or no table yet: locations are judged without it
        logger.warning("django.contrib.sites: no current Site (SITE_ID %r)", settings.SITE_ID)
        return []
    hostname, _ = split_domain_port(domain.lower())
    return [hostname] if hostname else []


def other_hosts(hosts: list[tuple[str, bool]] | None = None) -> list[str]:
    """The hosts of the Wagtail sites besides the one the render host reaches (its
    hostname's site, else the default site, as Wagtail serves an unknown host),
    whose pages are read too (``WAGTAIL_SITES``); [] without Wagtail. ``hosts``:
    the ``wagtail_hosts()`` the caller has already read."""
    if not conf.get("WAGTAIL_SITES"):
        return []
    hosts = wagtail_hosts() if hosts is None else hosts
    main = sites.hostname(render_host(hosts))  # one query of Wagtail's sites, not two
    if main not in {sites.hostname(h) for h, _ in hosts}:
        main = next((sites.hostname(h) for h, default in hosts if default), None)
    return [h for h, _ in hosts if sites.hostname(h) != main]


def link_hosts() -> tuple[str, list[str]]:
    """(the render host, the other Wagtail sites' hosts) with one query of
    Wagtail's sites: what a registered row's or a source's link is checked
    against (site_assistant.sources.models.site_link)."""
    hosts = wagtail_hosts() if apps.is_installed("wagtail") else []
    return render_host(hosts), other_hosts(hosts)


def url_on(host: str, path: str) -> str:
    """What a page at ``path`` of the Wagtail site on ``host`` is indexed as: the
    path on the render host's site, else a URL on its host ("//beta.example/a/")."""
    return f"//{host}{path}" if host in other_hosts() else path


def _client():
    from django.test import Client

    # SCRIPT_NAME: a page reads its request as the server gives it (FORCE_SCRIPT_NAME
    # overrides it anyway); the path asked is the path under it.
    return Client(
        raise_request_exception=False,
        HTTP_HOST=render_host(),
        SCRIPT_NAME=script_prefix.for_builds(),
    )


# --- rendering -------------------------------------------------------------------------


def _allowed(host: str) -> bool:
    hostname, _ = split_domain_port(host)
    return bool(hostname) and validate_host(hostname, settings.ALLOWED_HOSTS)


def wagtail_hosts() -> list[tuple[str, bool]]:
    """(Host, whether it is the default site) of every Wagtail ``Site`` that
    ALLOWED_HOSTS lets in, the default first ("beta.example:8080"); [] without Wagtail."""
    if not apps.is_installed("wagtail"):
        return []
    from wagtail.models import Site

    hosts = {}
    for site in Site.objects.order_by("-is_default_site", "hostname", "port"):
        host = site.hostname if site.port in (80, 443) else f"{site.hostname}:{site.port}"
        if _allowed(host):
            hosts.setdefault(host, site.is_default_site)
    return list(hosts.items())


def render_host(wagtail: list[tuple[str, bool]] | None = None) -> str:
    """The Host pages are rendered with: RENDER_HOST, else Wagtail's default site's
    when ALLOWED_HOSTS lets it in (a query of Wagtail's sites: a caller with many
    URLs to check asks once), else the first ALLOWED_HOSTS entry ("*": "localhost";
    ".example.com": "example.com"), else "localhost". ``wagtail``: the
    ``wagtail_hosts()`` the caller has already read."""
    host = conf.get("RENDER_HOST")
    if host:
        return host
    hosts = wagtail_hosts() if wagtail is None else wagtail
    default = [host for host, is_default in hosts if is_default]
    if default:
        return default[0]
    for allowed in settings.ALLOWED_HOSTS:
        if allowed == "*":
            return "localhost"
        if allowed.startswith("."):
            return allowed[1:]
        return allowed
    return "localhost"


def forget_loaded_templates() -> None:
    """Make this process read every template file again: empty the caches of the
    template engines' loaders (Django's cached loader, which keeps a template parsed
    until the process ends whatever DEBUG says: only ``runserver``'s autoreloader empties
    it; a Jinja2 environment's cache). A Celery worker, or the web process's build
    thread, otherwise renders the pages as they were when it first rendered them, and
    a build after the owner edited a template reads the old text. Cheap: the next
    render of a template parses it once again."""
    from django.template import engines

    for engine in engines.all():
        for loader in getattr(getattr(engine, "engine", None), "template_loaders", ()):
            loader.reset()  # a loader without a cache does nothing
        jinja_cache = getattr(getattr(engine, "env", None), "cache", None)
        if jinja_cache is not None:
            jinja_cache.clear()


_recording = threading.local()
_patched = False
_patch_lock = threading.Lock()


def _record_templates():
    """Note which template files render each page (only on this thread, only while asked)."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from django.template.base import Template

        original = Template._render

        def _render(self, context):
            used = getattr(_recording, "templates", None)
            if used is not None and self.origin is not None and self.origin.name:
                used.add(str(self.origin.name))
            return original(self, context)

        Template._render = _render
        _patched = True


def _directives(value: str) -> set[str]:
    """Robots directives of a meta content or an X-Robots-Tag value.

    "noindex, nofollow" → {"noindex", "nofollow"}; a user-agent prefix
    ("googlebot: noindex") is dropped.
    """
    found = set()
    for part in value.lower().split(","):
        found.add(part.rsplit(":", 1)[-1].strip())
    return found


def asks_for_a_password(tree) -> bool:
    """Whether the page (its parsed ``tree``) is a wall, not content: it has a
    password field (a login form, or a private page's "Password required" form
    served with 200, as Wagtail's are)."""
    return any(
        (field.attributes.get("type") or "").strip().lower() == "password"
        for field in tree.css("input[type]")
    )


def is_noindex(tree, response) -> bool:
    """Whether the page (its parsed ``tree``) asks not to be indexed: ``noindex``
    or ``none`` in an ``X-Robots-Tag`` header or a robots (or googlebot)
    ``<meta>``, any case."""
    if _directives(response.headers.get("X-Robots-Tag") or "") & NOINDEX_DIRECTIVES:
        return True
    for meta in tree.css("meta[name][content]"):
        name = (meta.attributes.get("name") or "").strip().lower()
        if name in ROBOTS_META_NAMES and (
            _directives(meta.attributes.get("content") or "") & NOINDEX_DIRECTIVES
        ):
            return True
    return False


def other_language(tree, response=None) -> str:
    """The language of the page's content when it is not the index's and
    SKIP_OTHER_LANGUAGE_PAGES is on, else "" (a page without a language is read): the
    nearest ``lang`` at or above the CONTENT_SELECTOR element (``<main lang="de">`` in
    an English layout), else ``<html lang>``, else (none, or ``lang=""``) the one language
    of ``response``'s ``Content-Language`` header, as a primary subtag."""
    if not conf.get("SKIP_OTHER_LANGUAGE_PAGES"):
        return ""
    code = declared_language(_content(tree)) or content_language(response)
    return code if code and code != conf.index_language() else ""


def _content(tree):
    """The page's CONTENT_SELECTOR element, else its ``<html>``."""
    selector = conf.get("CONTENT_SELECTOR")
    return (tree.css_first(selector) if selector else None) or tree.css_first("html")


def content_language(response) -> str:
    """The primary subtag of ``response``'s ``Content-Language`` when it names one language
    (LocaleMiddleware sends the page's: "sl" for /sl/…), else "". A template's
    ``<html lang="{{ LANGUAGE_CODE }}">`` renders ``lang=""`` without the ``i18n`` context
    processor, which ``startproject`` does not list: HTML falls back to this header then."""
    if response is None:
        return ""
    codes = [code.strip() for code in (response.headers.get("Content-Language") or "").split(",")]
    codes = [code for code in codes if code]
    return conf.primary_subtag(codes[0]) if len(codes) == 1 else ""


class _QuietRequestLog(logging.Filter):
    """While we render, a page's own error is reported once by us, not as a traceback."""

    def filter(self, record):
        return getattr(_recording, "templates", None) is None


_request_log = logging.getLogger("django.request")
_quiet_request_log = _QuietRequestLog()


def render(url: str, client=None) -> RenderedPage:
    client = client or _client()
    _record_templates()
    if _quiet_request_log not in _request_log.filters:
        _request_log.addFilter(_quiet_request_log)
    _recording.templates = set()
    parts = urlsplit(url)
    headers = {"HTTP_HOST": parts.netloc} if parts.netloc else {}
    try:
        with script_prefix.building():
            response = client.get(
                sitemaps.path_of(url) if parts.netloc else url, secure=True, **headers
            )
    except Exception as exc:  # a view that raises even with raise_request_exception=False
        logger.warning("rendering %s failed: %s", url, exc)
        return RenderedPage(url=url, status=500, skipped=words.ERROR.english(error=exc))
    finally:
        templates, _recording.templates = _recording.templates, None
    page = RenderedPage(url=url, status=response.status_code, templates=templates)
    content_type = response.headers.get("Content-Type", "")
    if response.status_code != 200:
        page.skipped = words.STATUS.english(status=response.status_code)
        exc_info = getattr(response, "exc_info", None)
        if exc_info and exc_info[1] is not None:
            page.skipped += f" ({type(exc_info[1]).__name__}: {exc_info[1]})"
    elif not content_type.startswith("text/html"):
        page.skipped = words.NOT_HTML.english(type=content_type)
    elif getattr(response, "streaming", False):
        page.skipped = words.STREAMING.english()
    else:
        html = response.content.decode(response.charset or "utf-8", errors="replace")
        tree = parse(html)  # once, for both checks
        if is_noindex(tree, response):
            page.skipped = words.NOINDEX.english()
        elif asks_for_a_password(tree):
            page.skipped = words.ASKS_FOR_A_PASSWORD.english()
        elif (other := other_language(tree, response)) and index_language_blocks(_content(tree)):
            # A Slovenian page with an English block (<section lang="en">): only that block
            # is read (extract.drop_other_languages), and no template's text of the page.
            page.document = Document(url=url, html=html, source="page", language=other)
            page.templates = set()
        elif other:
            page.other_language = other
            said = words.OTHER_LANGUAGE
            if not declared_language(_content(tree)):
                said = words.OTHER_LANGUAGE_BY_HEADER
            page.skipped = said.english(page=other, index=conf.index_language())
        else:
            page.document = Document(url=url, html=html, source="page")
    if page.skipped:
        log = logger.warning if page.status >= 500 else logger.info
        log("not indexing %s: %s", url, page.skipped)
    return page


def collect(
    progress: Callable[[int, int], None] | None = None,
    sitemap_errors: dict[str, str] | None = None,
    elsewhere: dict[str, list[str]] | None = None,
) -> list[RenderedPage]:
    """Every page of ``page_urls``, rendered (``sitemap_errors``, ``elsewhere``: as there)."""
    client = _client()
    urls = page_urls(client, sitemap_errors, elsewhere)
    client.cookies.clear()
    pages = []
    for done, url in enumerate(urls, 1):
        pages.append(render(url, client))
        client.cookies.clear()  # every page as a fresh anonymous visitor
        if progress:
            progress(done, len(urls))
    return pages
