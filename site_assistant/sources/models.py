"""Database content: a small registry of models whose rows become passages.

::

    import site_assistant
    site_assistant.register(
        Note,
        fields=["title", "summary", "body"],   # text, in order (the first is the heading)
        url="get_absolute_url",                # attribute/method name or callable(obj)
        title=lambda note: note.title,          # optional: page title shown with hits
        filter=lambda qs: qs.filter(published=True),  # or {"published": True} or a Q
        html=["body"],                          # optional: fields that hold HTML
    )

A field is plain text (escaped; a blank line starts a new paragraph) unless
it is named in ``html``: then it is read as HTML, like a page's content (an
editor's rich text, its headings starting passages of their own). A plain
text field that holds tags is read as text, tags and all, with a warning
that names it. Drafts and private rows are excluded by ``filter``. Saving or deleting a row
of a registered model schedules one debounced rebuild: site_assistant.apps connects
site_assistant.signals to every registered model through ``watch``, for models
registered before the app is ready and after. A row deleted, or saved so that
``filter`` leaves it out, is withdrawn from answers at once (its URL:
site_assistant.withdrawn) until that rebuild is live.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Manager, Model, Q, QuerySet
from django.db.models.fields.related_descriptors import ReverseManyToOneDescriptor
from django.utils import translation

from .. import conf, script_prefix, sites
from ..extract import Document

logger = logging.getLogger(__name__)

# Tags an editor's rich text is made of: a plain-text field holding them is HTML.
_HTML_TAG = re.compile(
    r"</?(p|div|br|h[1-6]|ul|ol|li|a|strong|em|b|i|code|pre|table)\b[^>]*>", re.I
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def site_link(url: str, hosts: tuple[str, list[str]] | None = None) -> str | None:
    """What ``url`` is indexed as when it is a page of this project's sites that
    an answer may link to, else None. A path ("/notes/1/#intro") as it is; an
    http(s) URL on the render host, or on a host ALLOWED_HOSTS names, as its path
    ("http://example.com/notes/1/" → "/notes/1/"), as the default site's pages
    are; one on another Wagtail site's host as a URL on that host
    ("http://beta.example/a/" → "//beta.example/a/"), as that site's pages are
    (site_assistant.sites): Wagtail's ``page.url`` is a full URL once a project
    has two sites. Never ``javascript:`` or ``data:`` (a script run by the "Read
    more" link: an answer's link is an ``href`` as it is), nor another site
    ("//elsewhere", "https://elsewhere/", "/\\elsewhere", which browsers read as
    "//elsewhere"), nor one with spaces or control characters, which browsers
    drop from a URL (a tab between two slashes). ``hosts``: the render host and
    the other sites' hosts (``pages.link_hosts()``: a query with Wagtail), when
    the caller has them. Under a path prefix, without it ("/portal/notes/1/" →
    "/notes/1/": ``reverse()`` puts it on, site_assistant.script_prefix)."""
    from . import pages, sitemaps

    if not url or any(ch <= " " or ch == "\x7f" for ch in url):
        return None
    if url.startswith(("//", "/\\")):
        return None
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return script_prefix.strip(url) if url.startswith("/") else None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host, others = pages.link_hosts() if hosts is None else hosts
    local = script_prefix.strip(
        urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    )
    name = parts.hostname.lower()
    if name == sites.hostname(host):
        return local
    # Another Wagtail site's before ALLOWED_HOSTS, which may name every site's host.
    other = next((h for h in others if sites.hostname(h) == name), None)
    if other is not None:
        return f"//{other}{local}"
    return local if sitemaps.on_host(url, host, settings.ALLOWED_HOSTS) is not None else None


def paragraphs(text: str) -> list[str]:
    """The paragraphs of plain text: a blank line starts a new one."""
    return [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


@dataclass
class Registration:
    model: type[Model]
    fields: list[str]
    url: str | Callable[[Any], str] = "get_absolute_url"
    title: str | Callable[[Any], str] | None = None
    filter: Callable[[QuerySet], QuerySet] | Q | dict | None = None
    html: list[str] = field(default_factory=list)  # fields read as HTML
    extra: dict = field(default_factory=dict)
    # The plain-text fields already warned about holding HTML (once each).
    warned: set = field(default_factory=set)

    def queryset(self) -> QuerySet:
        qs = self.model._default_manager.all()
        if callable(self.filter):
            return self.filter(qs)
        if isinstance(self.filter, Q):
            return qs.filter(self.filter)
        if isinstance(self.filter, dict):
            return qs.filter(**self.filter)
        return qs

    def rows(self) -> QuerySet:
        """The rows indexed, each relation named in ``fields`` ("tags", "author")
        fetched with one query for them all, not one a row."""
        relations = [name for name in self.fields if isinstance(name, str) and self._related(name)]
        return self.queryset().prefetch_related(*relations)

    def _related(self, name: str) -> bool:
        """Whether ``name`` is a relation: a many-to-many, either side, a reverse
        foreign key ("comment_set"), a manager field such as django-taggit's
        ``tags``, or one row's (a foreign key, a one-to-one, a generic foreign key)."""
        if isinstance(getattr(self.model, name, None), ReverseManyToOneDescriptor):
            return True
        try:
            found = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        # By its name: "author_id" is the key's value, read as it is.
        return bool(found.is_relation and found.name == name)

    def _value(self, obj, spec):
        if callable(spec):
            return spec(obj)
        value = getattr(obj, spec)
        if isinstance(value, Manager):
            # A relation (``tags``): its rows' names, "setup, billing".
            return ", ".join(str(row) for row in value.all())
        return value() if callable(value) else value

    def url_of(self, obj) -> str:
        """The URL ``obj``'s passages link to ("" when it has none)."""
        return str(self._value(obj, self.url) or "")

    def shows(self, obj) -> bool:
        """Whether ``obj`` is one of the rows indexed (``filter`` keeps it)."""
        return self.queryset().filter(pk=obj.pk).exists()

    def link_of(self, obj, hosts: tuple[str, list[str]] | None = None) -> str:
        """The URL ``obj``'s passages are indexed at (``site_link``): a path on
        the default site, "//beta.example/a/" on another Wagtail site; "" when
        it links nowhere or off the site."""
        return site_link(self.url_of(obj), hosts) or ""

    def document(self, obj, hosts: tuple[str, list[str]] | None = None) -> Document | None:
        """``obj`` as a document; None when it links nowhere or off the site
        (``hosts``: ``pages.link_hosts()``, found once for all rows)."""
        url = self.url_of(obj)
        if not url:
            return None
        link = site_link(url, hosts)
        if link is None:
            logger.warning(
                "%s %s not indexed: its URL %r is not a page of this site",
                self.model._meta.label,
                obj.pk,
                url[:200],
            )
            return None
        values = [str(self._value(obj, f) or "") for f in self.fields]
        heading, body = (values[0], values[1:]) if len(values) > 1 else ("", values)
        title = str(self._value(obj, self.title) or "") if self.title else (heading or str(obj))
        parts = [f"<h2>{html.escape(heading)}</h2>"] if heading else []
        body_fields = self.fields[1:] if len(values) > 1 else self.fields
        for name, value in zip(body_fields, body, strict=True):
            if name in self.html:
                parts.append(value)
                continue
            if _HTML_TAG.search(value) and name not in self.warned:
                self.warned.add(name)
                logger.warning(
                    "%s.%s holds HTML tags but is read as plain text: name it in "
                    "register(..., html=[%r])",
                    self.model._meta.label,
                    name,
                    name,
                )
            parts += [f"<p>{html.escape(p)}</p>" for p in paragraphs(value)]
        return Document(
            url=link,
            html=f"<main>{''.join(parts)}</main>",
            source="model",
            title=title,
            origin=f"{self.model._meta.label}:{obj.pk}",
        )


_registry: dict[type[Model], Registration] = {}
# (on_register, on_unregister) callbacks: who hears of registrations (see watch).
_watchers: list[tuple[Callable[[type[Model]], None], Callable[[type[Model]], None]]] = []


def watch(on_register: Callable[[type[Model]], None], on_unregister: Callable[[type[Model]], None]):
    """Call ``on_register(model)`` for every registered model, now and on each
    later register(), and ``on_unregister(model)`` on each unregister()."""
    if (on_register, on_unregister) not in _watchers:
        _watchers.append((on_register, on_unregister))
    for model in list(_registry):
        on_register(model)


def register(model, fields, url="get_absolute_url", title=None, filter=None, html=(), **extra):
    """Index rows of ``model``; see the module docstring."""
    if not fields:
        raise ValueError("register() needs at least one field")
    if isinstance(html, str):
        html = [html]
    unknown = [name for name in html if name not in fields]
    if unknown:
        raise ValueError(f"register(): html names fields not in fields: {', '.join(unknown)}")
    registration = Registration(
        model=model,
        fields=list(fields),
        url=url,
        title=title,
        filter=filter,
        html=list(html),
        extra=extra,
    )
    _registry[model] = registration
    for on_register, _ in _watchers:
        on_register(model)
    return registration


def unregister(model) -> None:
    _registry.pop(model, None)
    for _, on_unregister in _watchers:
        on_unregister(model)


def registered() -> list[Registration]:
    return list(_registry.values())


def is_registered(model) -> bool:
    return model in _registry


def registration_of(model) -> Registration | None:
    return _registry.get(model)


def collect() -> list[Document]:
    """Every registered model's rows as documents, their URLs worked out in the index's
    language (``conf.row_language``: "/en/faq/3/" under ``i18n_patterns``), not in the
    language of the request that set the build off, nor of the last page it rendered."""
    from .pages import link_hosts

    documents, hosts = [], link_hosts()  # a query with Wagtail: once, not a row
    with translation.override(conf.row_language()) if settings.USE_I18N else nullcontext():
        for registration in registered():
            # chunk_size: rows prefetch their relations a chunk at a time.
            for obj in registration.rows().iterator(chunk_size=2000):
                document = registration.document(obj, hosts)
                if document is not None:
                    documents.append(document)
    return documents
