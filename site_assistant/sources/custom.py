"""Documents from the project's own code: ``SITE_ASSISTANT["SOURCES"]``.

For text that no URL of the site renders as HTML in-process and no model
holds: a page filled in by JavaScript from a JSON API, an external help
centre shown in an iframe. Each entry is the dotted path of a callable that
takes no argument and returns an iterable of mappings::

    {"url": "/faq/#refund", "title": "FAQ", "html": "<h2>Refunds</h2><p>…</p>"}
    {"url": "/status/", "text": "Backups run nightly.\\n\\nRestores take ten minutes."}

``url`` is where an answer's "Read more" goes: a page of this site, as for a
registered row (site_assistant.sources.models.site_link). ``html`` is read
like a page's content (its headings start passages), ``text`` as plain text
(a blank line starts a new paragraph); ``title`` is optional (else the
first heading). An item that is not such a mapping, or links elsewhere, is
left out with a warning naming the source. A source that raises fails the
build with its name: the live index answers on, rather than losing that
content quietly.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable, Mapping

from django.utils.module_loading import import_string

from .. import conf
from ..extract import Document
from .models import paragraphs, site_link
from .pages import link_hosts

logger = logging.getLogger(__name__)


class SourceFailed(RuntimeError):
    """A callable of SOURCES could not be imported or raised."""


def sources() -> list[str]:
    """The dotted paths SOURCES names."""
    return list(conf.get("SOURCES") or [])


def load(path: str) -> Callable[[], Iterable[Mapping]]:
    """The callable ``path`` names; SourceFailed when there is none."""
    try:
        source = import_string(path)
    except ImportError as exc:
        raise SourceFailed(f"SITE_ASSISTANT['SOURCES']: cannot import {path!r}: {exc}") from exc
    if not callable(source):
        raise SourceFailed(f"SITE_ASSISTANT['SOURCES']: {path!r} is not callable")
    return source


def _document(path: str, number: int, item, hosts: tuple[str, list[str]]) -> Document | None:
    def skip(why: str) -> None:
        logger.warning("SOURCES %s: item %d left out: %s", path, number, why)

    if not isinstance(item, Mapping):
        return skip(f"not a mapping but {type(item).__name__}")
    url = str(item.get("url") or "")
    link = site_link(url, hosts)
    if link is None:
        return skip(f"its url {url[:200]!r} is not a page of this site")
    body, text = item.get("html"), item.get("text")
    if body is None and text is None:
        return skip("it has neither html nor text")
    if body is None:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(str(text)))
    return Document(
        url=link,
        html=f"<main>{body}</main>",
        source="custom",
        title=str(item.get("title") or ""),
        origin=f"{path}[{number}]",
    )


def collect() -> list[Document]:
    """The documents of every source (SourceFailed: a source is missing or raised)."""
    documents, hosts = [], link_hosts()  # a query with Wagtail: once, not an item
    for path in sources():
        source = load(path)
        try:
            items = list(source())
        except Exception as exc:
            raise SourceFailed(f"SITE_ASSISTANT['SOURCES'] {path} failed: {exc!r}") from exc
        for number, item in enumerate(items):
            document = _document(path, number, item, hosts)
            if document is not None:
                documents.append(document)
    return documents
