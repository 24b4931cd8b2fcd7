"""Where text comes from: rendered pages, template files, registered models and
the project's own sources (SITE_ASSISTANT["SOURCES"])."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import translation

from .. import conf, script_prefix
from .. import stored_words as words
from ..extract import Document, page_text
from . import custom, models, pages, sitemaps, templates

logger = logging.getLogger(__name__)

# Why a rendered page was not read that means an anonymous visitor cannot open it
# (RenderedPage.skipped): a redirect (to a login), 401/403, noindex, a password form.
_HIDDEN_FROM_VISITORS = re.compile(r"^(status (3\d\d|401|403)\b|noindex$|asks for a password$)")
# Why a rendered page was not read that means there is no such page: nobody can open it,
# a visitor or not (a URL mistyped, a page deleted, a path under a prefix the site has not).
_NOT_FOUND = re.compile(r"^status (404|410)\b")
# Why a rendered page was not read that means it failed to render (a 500, another error
# status, an exception): a visitor following the row's "Read more" gets that error too.
_FAILED = re.compile(r"^(status \d|error: )")
# A registered row whose page this build read is left out when the page already says it:
# at least this share of the row's words are words of the page (a model's detail page in
# the sitemap). A row that says more than its page is kept: a Wagtail snippet or a notice
# that links to a page it is not shown on.
ROW_ON_PAGE_SHARE = 0.8
_WORD = re.compile(r"\w+")


def _words(html: str) -> set[str]:
    return set(_WORD.findall(page_text(html)))


def says_it(page_words: set[str], row: Document) -> bool:
    """Whether a page of ``page_words`` (``_words`` of its HTML) already says what ``row``
    says (ROW_ON_PAGE_SHARE of its words)."""
    said = _words(row.html)
    return bool(said) and len(said & page_words) >= ROW_ON_PAGE_SHARE * len(said)


@dataclass
class Collected:
    documents: list[Document] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # url -> why
    # Pages skipped for their language (SKIP_OTHER_LANGUAGE_PAGES): their url -> lang.
    other_language_pages: dict[str, str] = field(default_factory=dict)
    sitemap_errors: dict[str, str] = field(default_factory=dict)  # sitemap -> why unread
    pages_read: int = 0  # how many rendered pages were read
    # Sitemap locations on a host not this site's, ignored: origin -> its locations.
    elsewhere: dict[str, list[str]] = field(default_factory=dict)

    @property
    def other_language(self) -> int:
        """How many pages were skipped for their language."""
        return len(self.other_language_pages)

    @property
    def elsewhere_count(self) -> int:
        """How many sitemap locations were ignored for their host."""
        return sum(len(urls) for urls in self.elsewhere.values())

    def elsewhere_note(self) -> str:
        """The sitemap locations ignored for their host, in one line, with what to do."""
        total = self.elsewhere_count
        hosts = ", ".join(f"{origin} ({len(urls)})" for origin, urls in self.elsewhere.items())
        example = next(iter(self.elsewhere.values()))[0]
        said = words.OTHER_HOST if total == 1 else words.OTHER_HOSTS
        return said.english(count=total, host=pages.render_host(), hosts=hosts, example=example)

    def unread_sitemaps(self) -> tuple[str, list[str]]:
        """The sitemaps not read ("sitemap /sitemaps.xml: status 404", joined by "; ") and
        what to do about them, each once; ("", []) when every sitemap was read. Any sitemap
        not read, whatever why, keeps its pages unknown: a build must not replace the live
        index without them (registered rows or URLS alone made it "succeed")."""
        named = "; ".join(
            words.SITEMAP_NOT_READ.english(path=path, why=why)
            for path, why in self.sitemap_errors.items()
        )
        fixes = [_sitemap_fix(path, why) for path, why in self.sitemap_errors.items()]
        return named, list(dict.fromkeys(fixes))

    def every_page_missing(self, most: int = 3) -> tuple[str, str]:
        """When pages were asked for and every one answered 404 (or 410): (``most`` of
        them, what to do), for ``stored_words.EVERY_PAGE_MISSING``; else ("", ""). No page
        of the site found is no build: a site under a path prefix read without it, or
        sitemaps that list another site's paths, made it fail with "no page rendered any
        text"."""
        missing = [url for url, why in self.skipped.items() if _NOT_FOUND.match(why)]
        if not missing or len(missing) != len(self.skipped) or self.pages_read:
            return "", ""
        shown = ", ".join(missing[:most])
        if len(missing) > most:
            shown = words.MORE.english(pages=shown, more=len(missing) - most)
        return shown, _not_found_fix(missing)

    def failures(self, most: int = 3) -> list[str]:
        """What kept text out that the site's owner must mend, for a build that found
        none: sitemap URLs on other hosts, then pages that answered with an error, ``most``
        of them (a sitemap not read fails the build before: ``unread_sitemaps``)."""
        found = [self.elsewhere_note()] if self.elsewhere else []
        found += [
            words.PAGE_FAILED.english(url=url, why=why)
            for url, why in self.skipped.items()
            if why.startswith("status 5")
        ]
        return found[:most]


def _not_found_fix(missing: list[str]) -> str:
    """What the owner does about pages that all answered 404: when they all start with a
    path no URL pattern serves and the site serves them without it ("/portal/de/preise/",
    "/de/preise/"), that is a path prefix the build does not know; else the paths are
    not the site's."""
    from django.urls import is_valid_path

    heads = {url.split("/")[1] for url in missing if url.startswith("/") and url.count("/") > 1}
    if len(heads) == 1 and (head := heads.pop()):
        prefix = f"/{head}"
        rest = [script_prefix.strip(url, prefix) for url in missing if url.startswith("/")]
        try:
            served = not is_valid_path(missing[0]) and any(is_valid_path(r) for r in rest)
        except Exception:  # noqa: BLE001 - a URLconf that does not import: Django says so
            served = False
        if served:
            return words.FIX_PREFIX.english(prefix=prefix, setting=repr(prefix))
    return words.FIX_PAGES.english()


def _sitemap_fix(path: str, why: str) -> str:
    """What the owner does about the sitemap at ``path`` (``//host/path`` for another
    Wagtail site's) that was not read for ``why``."""
    if why.startswith("status 5"):  # the view failed: its error is in the log
        return words.FIX_SITEMAP_SERVER_ERROR.english()
    if not why.startswith("status "):  # it answered, with no sitemap (HTML, broken XML)
        return words.FIX_SITEMAP_FORMAT.english()
    named = {
        script_prefix.strip(sitemaps.path_of(p), script_prefix.for_builds())
        for p in conf.get("SITEMAPS")
        if isinstance(p, str)
    }
    if sitemaps.path_of(path) in named:  # 404, 410, 403...: nothing there for a visitor
        return words.FIX_SITEMAPS_SETTING.english()
    return words.FIX_SITEMAP_INDEX.english()


def collect_all(progress: Callable[[int, int], None] | None = None) -> Collected:
    """Every document to index: pages first, then model rows and the project's
    own sources, then templates. Under a path prefix (FORCE_SCRIPT_NAME), every URL
    without it (site_assistant.script_prefix)."""
    with script_prefix.building():
        return _collect_all(progress)


def _collect_all(progress: Callable[[int, int], None] | None) -> Collected:
    result = Collected()
    url_for_template: dict[str, str] = {}
    title_for_url: dict[str, str] = {}
    # Rendering a page activates its language (LocaleMiddleware): the rest of the build,
    # and the editor's request that set it off without a broker, go on in their own.
    with translation.override(translation.get_language()):
        for page in pages.collect(progress, result.sitemap_errors, result.elsewhere):
            if page.document is None:
                result.skipped[page.url] = page.skipped
                if page.other_language:
                    result.other_language_pages[page.url] = page.other_language
                continue
            result.pages_read += 1
            result.documents.append(page.document)
            for template in page.templates:
                url_for_template.setdefault(template, page.url)
    result.documents.extend(
        rows_to_read(models.collect(), {d.url: d for d in result.documents}, result.skipped)
    )
    result.documents.extend(custom.collect())
    from ..extract import page_title, parse

    for document in result.documents:
        title_for_url.setdefault(document.url, document.title or page_title(parse(document.html)))
    for document in templates.collect(url_for_template):
        document.title = document.title or title_for_url.get(document.url, "")
        result.documents.append(document)
    return result


def rows_to_read(
    rows: list[Document], read: dict[str, Document], skipped: dict[str, str]
) -> list[Document]:
    """The registered rows to index, given the pages this build rendered: not a row
    whose page (its URL without the fragment) an anonymous visitor cannot open (a
    login redirect, a 403 or 404, noindex, a password form: the registration's
    ``filter`` let a private row through), nor one whose page is not read for its
    language, nor one whose page failed to render (a 500: the row's "Read more" would be
    that error), nor one under the admin or ``EXCLUDE_URLS``, nor one whose URL is a page
    read already (``read``: URL -> the page) that says what the row says (a model whose
    detail pages are in the sitemap: the page is what the visitor sees, and the row would
    answer a second time beside it: :func:`says_it`). A row whose page this build did not
    read (not in the sitemaps) is read from the database. Each left out, and each read
    unchecked, is logged once per model."""
    kept, hidden, missing, failed, excluded, twice, unread = [], {}, {}, {}, {}, {}, {}

    @functools.cache
    def words_of(url: str) -> set[str]:  # a page's words, read once for all its rows
        return _words(read[url].html)

    for row in rows:
        page = row.url.split("#", 1)[0]
        label = row.origin.rsplit(":", 1)[0]
        why = skipped.get(page, "")
        if _HIDDEN_FROM_VISITORS.match(why):
            hidden.setdefault(label, []).append(f"{row.url} ({why})")
        elif _NOT_FOUND.match(why):
            missing.setdefault(label, []).append(f"{row.url} ({why})")
        elif _FAILED.match(why):
            failed.setdefault(label, []).append(f"{row.url} ({why})")
        elif why.startswith("in another language"):
            # Its page is not read for its language (SKIP_OTHER_LANGUAGE_PAGES): nor is the
            # row, which says the same in that language (a German site's every row made
            # an English index "succeed" from the database alone).
            excluded.setdefault(label, []).append(f"{row.url} ({why})")
        elif reason := pages.is_excluded(row.url):
            excluded.setdefault(label, []).append(f"{row.url} ({reason})")
        elif row.url in read and says_it(words_of(row.url), row):
            twice.setdefault(label, []).append(row.url)
        else:
            kept.append(row)
            if page not in read and page not in skipped:
                unread.setdefault(label, []).append(row.url)
    for level, found, what in (
        (
            logging.WARNING,
            hidden,
            "not indexed, their page is not open to an anonymous visitor "
            "(leave such rows out with register(..., filter=...))",
        ),
        (
            logging.WARNING,
            missing,
            "not indexed, their page answered 404: no such page (check the URL the "
            "registration gives them, e.g. get_absolute_url)",
        ),
        (
            logging.WARNING,
            failed,
            "not indexed, their page failed to render (mend it, then rebuild)",
        ),
        (
            logging.INFO,
            unread,
            "read from the database, their page is not one this build read "
            "(not in the sitemaps or URLS: nothing checked that a visitor can open it)",
        ),
        (logging.INFO, excluded, "not indexed"),
        (logging.INFO, twice, "read from their rendered page, not a second time from the database"),
    ):
        for label, urls in found.items():
            logger.log(level, "%s: %d row(s) %s: %s", label, len(urls), what, ", ".join(urls[:3]))
    return kept
