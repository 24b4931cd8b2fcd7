"""Where text comes from: rendered pages, template files, registered models and
the project's own sources (SITE_ASSISTANT["SOURCES"])."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..extract import Document
from . import custom, models, pages, templates


@dataclass
class Collected:
    documents: list[Document] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # url -> why
    # Pages skipped for their language (SKIP_OTHER_LANGUAGE_PAGES): their url -> lang.
    other_language_pages: dict[str, str] = field(default_factory=dict)
    sitemap_errors: dict[str, str] = field(default_factory=dict)  # sitemap -> why unread

    @property
    def other_language(self) -> int:
        """How many pages were skipped for their language."""
        return len(self.other_language_pages)

    def failures(self, most: int = 3) -> list[str]:
        """What kept text out that the site's owner must mend, for a build that found
        none: sitemaps not read, then pages that answered with an error, ``most`` of them."""
        found = [f"sitemap {path}: {why}" for path, why in self.sitemap_errors.items()]
        found += [
            f"{url}: {why}" for url, why in self.skipped.items() if why.startswith("status 5")
        ]
        return found[:most]


def collect_all(progress: Callable[[int, int], None] | None = None) -> Collected:
    """Every document to index: pages first, then model rows and the project's
    own sources, then templates."""
    result = Collected()
    url_for_template: dict[str, str] = {}
    title_for_url: dict[str, str] = {}
    for page in pages.collect(progress, result.sitemap_errors):
        if page.document is None:
            result.skipped[page.url] = page.skipped
            if page.other_language:
                result.other_language_pages[page.url] = page.other_language
            continue
        result.documents.append(page.document)
        for template in page.templates:
            url_for_template.setdefault(template, page.url)
    result.documents.extend(models.collect())
    result.documents.extend(custom.collect())
    from ..extract import page_title, parse

    for document in result.documents:
        title_for_url.setdefault(document.url, document.title or page_title(parse(document.html)))
    for document in templates.collect(url_for_template):
        document.title = document.title or title_for_url.get(document.url, "")
        result.documents.append(document)
    return result
