"""Pages taken from visitors since the live index read them: never answered from.

The index changes only when a build makes a new version live: with a broker,
after the debounce (REBUILD_DEBOUNCE_SECONDS) and the build, and never while
no worker runs or automatic rebuilds are off. A page unpublished, deleted,
moved away or made private must not be answered from meanwhile. So whoever
sees such a change (site_assistant.signals, site_assistant.wagtail_signals)
calls ``withdraw`` with the page's URL, worked out in each language the index may
hold it in (``in_each_language``: an editor's admin in German withdraws the
/en/faq/3/ of an English index, not only /de/faq/3/): once the change commits, the path is
recorded in the database (every web process and host reads it), and serving
leaves out each passage whose pages are all withdrawn (``visible_urls``). A
path withdraws the pages below it too (a password on a page covers its
children). A withdrawal lasts until a version whose content was read after
it is live (``IndexVersion.content_read``). A later build deletes it once it
is older than that by KEEP_AFTER_BUILD (``forget_before``): a web node that
loads a new version from shared storage a little later keeps leaving the
page out meanwhile.

Serving reads the table at most once a second per process (``READ_EVERY``),
and not while the database is paused after a failure (site_assistant.outage: a
database that never answers costs one connect timeout per process that
often, not one per question); a withdrawal made in the same process is seen
at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from . import conf, outage
from .models import WithdrawnPage

logger = logging.getLogger(__name__)

READ_EVERY = 1.0  # seconds
KEEP_AFTER_BUILD = timedelta(hours=1)

_lock = threading.Lock()
_read: dict = {"at": float("-inf"), "rows": ()}  # the table as last read, and when


def path_of(url: str) -> str:
    """What is withdrawn of a URL: its path, with its fragment when it has one
    (a model row shown as a section of a page): "https://example.com/a/?x" →
    "/a/", "/notes/#note-3" → "/notes/#note-3"; a page of another Wagtail site,
    indexed on its host (site_assistant.sites), keeps it: "//beta.example/a/"."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if url.startswith("//") and parts.netloc:
        path = f"//{parts.netloc.lower()}{path}"
    return f"{path}#{parts.fragment}" if parts.fragment else path


def languages() -> list[str | None]:
    """The languages the index may hold a page's address in, under ``i18n_patterns``
    (/en/faq/3/) or translated URL patterns: those whose pages it reads
    (``conf.page_languages``: the index's, "en" and "en-gb"), the one a build works out
    registered rows' URLs in (``conf.row_language``), LANGUAGE_CODE and the active one
    (an index built before rows' URLs had a language of their own); with
    SKIP_OTHER_LANGUAGE_PAGES off, every one of LANGUAGES only on a site whose URLs
    have a language's prefix (else Django's ~100 languages would each load their
    catalogues at an editor's save). [None] without USE_I18N: addresses have no language."""
    if not settings.USE_I18N:
        return [None]
    found = conf.page_languages()
    if not conf.get("SKIP_OTHER_LANGUAGE_PAGES") and not _prefixed():
        found = [code for code in found if conf.primary_subtag(code) == conf.index_language()]
    active = translation.get_language()
    return [
        code
        for code in dict.fromkeys([*found, conf.row_language(), settings.LANGUAGE_CODE, active])
        if code
    ]


def _prefixed() -> bool:
    """Whether the site's URLs start with a language's prefix (``i18n_patterns``)."""
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.urls import get_urlconf

    return is_language_prefix_patterns_used(get_urlconf() or settings.ROOT_URLCONF)[0]


def in_each_language(link: Callable[[], str | None]) -> dict[str | None, str]:
    """``link()`` (a registered row's or a Wagtail page's address) in each of ``languages``,
    by language, none that is empty: an editor working in German (/de/admin/…) withdraws
    the /en/faq/3/ that an English index holds, not only /de/faq/3/."""
    found = {}
    for language in languages():
        if language is None:
            url = link()
        else:
            with translation.override(language):
                url = link()
        if url:
            found[language] = url
    return found


def _site_and_path(key: str) -> tuple[str, str]:
    """("beta.example", "/a/") of "//beta.example/a/"; ("", "/a/") of "/a/"."""
    if key.startswith("//"):
        host, _, path = key[2:].partition("/")
        return host, "/" + path
    return "", key


def withdraw(urls: Iterable[str]) -> None:
    """Leave out ``urls`` (and the pages below them) from answers once the
    current transaction commits, until a build that read the site after
    that is live."""
    # A path longer than the column is cut: as a prefix it withdraws more, never less.
    limit = WithdrawnPage._meta.get_field("path").max_length
    paths = sorted({path_of(u)[:limit] for u in urls if u})
    if paths:
        transaction.on_commit(lambda: _record(paths), robust=True)


def _record(paths: list[str]) -> None:
    now = timezone.now()
    WithdrawnPage.objects.filter(path__in=paths).delete()
    WithdrawnPage.objects.bulk_create(WithdrawnPage(path=p, at=now) for p in paths)
    logger.info("withdrawn from answers until the next build: %s", ", ".join(paths))
    forget_read()


def forget_read() -> None:
    """Read the table again at the next question (not a second later)."""
    with _lock:
        _read["at"] = float("-inf")


def _rows() -> tuple[tuple[str, datetime], ...]:
    now = time.monotonic()
    with _lock:
        if now - _read["at"] < READ_EVERY or outage.database_paused():
            return _read["rows"]
    try:
        rows = tuple(WithdrawnPage.objects.values_list("path", "at"))
    except Exception as exc:  # noqa: BLE001 - the database down, a process without one
        # Answer on with what was read last; try again once the pause is over.
        logger.warning("withdrawn pages unreadable, using the last read: %s", exc)
        outage.database_failed()
        return _read["rows"]
    with _lock:
        _read.update(at=now, rows=rows)
    return rows


def paths(content_read: str = "") -> frozenset[str]:
    """The paths withdrawn since the content of a version was read (its
    ``content_read``, an ISO time); every withdrawn path when it is unknown."""
    since = _parse(content_read)
    return frozenset(path for path, at in _rows() if since is None or at >= since)


def hides(url: str, withdrawn: frozenset[str]) -> bool:
    """Whether ``url`` is withdrawn: a withdrawn page or below one, or a
    withdrawn section (a path with a fragment)."""
    if not withdrawn:
        return False
    key = path_of(url)
    site, path = _site_and_path(key.partition("#")[0])
    for w in withdrawn:
        if "#" in w:
            if key == w:
                return True
            continue
        w_site, w_path = _site_and_path(w)
        if w_site == site and (path == w_path or path.startswith(w_path.rstrip("/") + "/")):
            return True
    return False


def visible_urls(row: dict, withdrawn: frozenset[str]) -> list[str]:
    """The URLs a passage may be shown with: its own, then the other pages that
    have its text, none withdrawn ([]: every page of it is)."""
    urls = dict.fromkeys([row["url"], *row.get("urls", ())])
    return [u for u in urls if not hides(u, withdrawn)]


def forget_before(content_read: str) -> int:
    """Delete the withdrawals that a version that read the site at
    ``content_read`` (now live) took in more than KEEP_AFTER_BUILD before; how many."""
    since = _parse(content_read)
    if since is None:
        return 0
    deleted, _ = WithdrawnPage.objects.filter(at__lt=since - KEEP_AFTER_BUILD).delete()
    forget_read()
    return deleted


def _parse(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
