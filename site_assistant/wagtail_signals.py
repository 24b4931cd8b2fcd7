"""Wagtail's page changes schedule the same rebuild as a registered model's row.

The index holds what an anonymous visitor sees. Publishing, unpublishing,
deleting or moving a page, or adding, changing or removing its privacy
(a PageViewRestriction: password, login, groups), changes that, and so does
adding, changing or deleting a Site (its pages answer on another host), so each
schedules a content rebuild (site_assistant.signals: after the commit,
debounced with a broker, at once without one): text that has just become
private must not keep being served. Saving a draft does not: visitors do
not see it. Saving or deleting a snippet (``wagtail.snippets``) does too:
pages render snippets (opening hours in a footer, a price list), and the
answers must not keep the old text until a nightly build.

Until that build is live, a page unpublished, deleted, moved away, made
private or given another slug (its old URL) is withdrawn from answers at
once (site_assistant.withdrawn), with the pages below it, whatever the
rebuild settings say.

Connected only when Wagtail is installed (``connect``); nothing here
imports Wagtail before that. ``WAGTAIL_REBUILD`` (and ``AUTO_REBUILD``)
are read at each change.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.apps import apps
from django.core.signals import request_started
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save

from . import conf, examples, script_prefix, signals, withdrawn
from .sources import pages

UID = "site-assistant-wagtail"


def _rebuild(sender, **kwargs):
    if conf.get("WAGTAIL_REBUILD"):
        signals.content_changed(sender, **kwargs)


def _page_path(page) -> str | None:
    """What the index knows ``page`` as: its path, or on another site than the
    render host's a URL on that site's host ("//beta.example/a/",
    site_assistant.sites); None: no site serves it."""
    parts = page.get_url_parts()
    if not parts:
        return None
    _, root_url, path = parts
    path = script_prefix.strip(path)  # Wagtail's reverse() puts the script prefix on
    host = urlsplit(root_url or "").netloc
    return pages.url_on(host, path) if host else path


def _page_paths(page) -> dict:
    """``_page_path`` in each language the index may hold it in (``withdrawn.in_each_language``):
    under ``i18n_patterns`` a page has its locale's prefix ("/en/solar/"), or, for a regional
    variant of it active in the editor's admin ("en-gb"), that variant's."""
    return withdrawn.in_each_language(lambda: _page_path(page))


def _withdrawn(sender, instance=None, **kwargs):
    """An unpublished or deleted page: out of answers now, rebuild."""
    if not kwargs.get("raw"):
        withdrawn.withdraw(_page_paths(instance).values())
    _rebuild(sender, **kwargs)


def _restricted(sender, instance=None, **kwargs):
    """A page given a password, a login or groups: out of answers now, rebuild."""
    if not kwargs.get("raw"):
        withdrawn.withdraw(_page_paths(instance.page).values())
    _rebuild(sender, **kwargs)


def path_before_move(path_after: str, url_path_before: str, url_path_after: str) -> str | None:
    """Where a page was served before a move, from where it is now (``path_after``)
    and its tree paths ("/home/news/a/" → "/home/blog/a/": "/blog/a/" → "/news/a/").
    None when ``path_after`` does not end with what the move changed (another site)."""
    before, after = url_path_before.split("/"), url_path_after.split("/")
    same = 0
    while same < min(len(before), len(after)) and before[same] == after[same]:
        same += 1
    tail_before, tail_after = "/".join(before[same:]), "/".join(after[same:])
    if not path_after.endswith(tail_after):
        return None
    return path_after[: len(path_after) - len(tail_after)] + tail_before


# Page id → what the index knows it as (by language), read as a move starts
# (pre_page_move) and taken when it is done: a page moved to another site's tree was on
# another host, which its tree paths alone do not tell.
_before_move: dict[int, dict] = {}


def _moving(sender, instance=None, url_path_before=None, url_path_after=None, **kwargs):
    if instance is not None and url_path_before != url_path_after:
        paths = _page_paths(instance)
        if paths:
            _before_move[instance.pk] = paths


def _moved(sender, instance=None, url_path_before=None, url_path_after=None, **kwargs):
    before = _before_move.pop(getattr(instance, "pk", None), None)
    # Reordering pages under the same parent changes no page's URL nor its privacy.
    if url_path_before == url_path_after:
        return
    after = _page_paths(instance) if instance is not None else {}
    if before is None and url_path_before and url_path_after:
        # No address read as the move started: worked out from the tree paths.
        before = {
            language: path_before_move(path, url_path_before, url_path_after)
            for language, path in after.items()
        }
    _follow((before or {}), after)
    _rebuild(sender, **kwargs)


def _follow(before: dict, after: dict) -> None:
    """A page's addresses ``before`` (by language) out of answers now, and the owner's
    example questions on each moved to its address ``after`` in the same language."""
    before = {language: path for language, path in before.items() if path}
    withdrawn.withdraw(before.values())
    for old, new in dict.fromkeys((path, after.get(language)) for language, path in before.items()):
        examples.follow_moved_page(old, new)


def _slug_changed(sender, instance=None, instance_before=None, **kwargs):
    """A live page's slug changed: its old URL (and those below it) out of answers
    now, the new one at the rebuild."""
    if instance is not None and instance.live and instance_before is not None:
        _follow(_page_paths(instance_before), _page_paths(instance))
    _rebuild(sender, **kwargs)


# What Wagtail saves on a snippet's row for a draft or a lock (``save(update_fields=…)``):
# nothing a visitor sees.
_DRAFT_FIELDS = frozenset(
    {"latest_revision", "has_unpublished_changes", "locked", "locked_at", "locked_by"}
)


def _snippet_changed(sender, update_fields=None, **kwargs):
    """A snippet saved or deleted: a rebuild, unless only a draft or a lock was saved."""
    if update_fields and set(update_fields) <= _DRAFT_FIELDS:
        return
    _rebuild(sender, update_fields=update_fields, **kwargs)


def connect_snippets(models=None) -> None:
    """Connect the save and delete of each snippet model to a rebuild (``models``,
    else every one registered, ``wagtail_hooks`` modules read). Each model by itself, never every
    model's signal: a receiver of any model's post_delete makes Django read and
    signal each row of every queryset ``delete()`` (purging the questions log: a
    SELECT of every row), and one of any post_save runs at every save and migration."""
    if models is None:
        from wagtail.snippets.models import get_snippet_models

        models = get_snippet_models()
    for model in models:
        label = model._meta.label_lower
        post_save.connect(
            _snippet_changed, sender=model, dispatch_uid=f"{UID}-snippet-saved-{label}", weak=False
        )
        post_delete.connect(
            _rebuild,
            sender=model,
            dispatch_uid=f"{UID}-snippet-deleted-{label}",
            weak=False,
        )


def _snippets_at_first_connection(**kwargs) -> None:
    """Snippets registered in ``wagtail_hooks`` modules, connected at the process's
    first database connection once the apps are ready: nothing saves a snippet without
    one, so a command, a Celery task or a shell that saves one before any request is
    watched too. Wagtail reads the hooks modules in ``wagtail.snippets``' ready(), after
    this app's when this app is listed first in INSTALLED_APPS; a connection made while
    the apps are not all ready (by some app's ready()) waits for the next."""
    if apps.ready:
        connection_created.disconnect(dispatch_uid=f"{UID}-snippets-connection")
        connect_snippets()


def _snippets_at_first_request(**kwargs) -> None:
    """And once more at the first request: a snippet registered later still (by a
    project's own code after start-up) is watched from then on."""
    request_started.disconnect(dispatch_uid=f"{UID}-snippets")
    connect_snippets()


def _page_model():
    """The concrete base page model (a site may swap Wagtail's own): its
    post_delete comes with every page type's."""
    try:
        from wagtail.models.pages import BASE_PAGE_MODEL_NAME
    except ImportError:  # a Wagtail whose page model cannot be swapped
        from wagtail.models import Page

        return Page
    return apps.get_model(BASE_PAGE_MODEL_NAME)


def receivers():
    """(signal, receiver, sender or None, dispatch uid) for every Wagtail change."""
    from wagtail.models import PageViewRestriction, Site
    from wagtail.signals import (
        page_published,
        page_slug_changed,
        page_unpublished,
        post_page_move,
        pre_page_move,
    )

    return [
        (page_published, _rebuild, None, f"{UID}-published"),
        (page_unpublished, _withdrawn, None, f"{UID}-unpublished"),
        (pre_page_move, _moving, None, f"{UID}-moving"),
        (post_page_move, _moved, None, f"{UID}-moved"),
        (page_slug_changed, _slug_changed, None, f"{UID}-slug-changed"),
        (post_delete, _withdrawn, _page_model(), f"{UID}-page-deleted"),
        (post_save, _restricted, PageViewRestriction, f"{UID}-restriction-saved"),
        (post_delete, _rebuild, PageViewRestriction, f"{UID}-restriction-deleted"),
        # A site added, given another hostname, port or root page, or deleted:
        # its pages answer on another host from now on.
        (post_save, _rebuild, Site, f"{UID}-site-saved"),
        (post_delete, _rebuild, Site, f"{UID}-site-deleted"),
    ]


def connect() -> bool:
    """Connect the page signals when Wagtail is installed; whether it is."""
    if not apps.is_installed("wagtail"):
        return False
    for signal, receiver, sender, uid in receivers():
        signal.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
    if apps.is_installed("wagtail.snippets"):
        # Those registered by now (``@register_snippet`` on the model, once
        # wagtail.snippets is ready); the rest (wagtail_hooks modules, or every one
        # when this app is ready before wagtail.snippets) at the first database
        # connection or request.
        from wagtail.snippets.models import SNIPPET_MODELS

        connect_snippets(list(SNIPPET_MODELS))
        connection_created.connect(
            _snippets_at_first_connection, dispatch_uid=f"{UID}-snippets-connection", weak=False
        )
        request_started.connect(
            _snippets_at_first_request, dispatch_uid=f"{UID}-snippets", weak=False
        )
    return True
