"""Wagtail's page changes schedule the same rebuild as a registered model's row.

The index holds what an anonymous visitor sees. Publishing, unpublishing,
deleting or moving a page, or adding, changing or removing its privacy
(a PageViewRestriction: password, login, groups), changes that, so each
schedules a content rebuild (site_assistant.signals: after the commit,
debounced with a broker, at once without one): text that has just become
private must not keep being served. Saving a draft does not: visitors do
not see it.

Connected only when Wagtail is installed (``connect``); nothing here
imports Wagtail before that. ``WAGTAIL_REBUILD`` (and ``AUTO_REBUILD``)
are read at each change.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from . import conf, signals

UID = "site-assistant-wagtail"


def _rebuild(sender, **kwargs):
    if conf.get("WAGTAIL_REBUILD"):
        signals.content_changed(sender, **kwargs)


def _moved(sender, url_path_before=None, url_path_after=None, **kwargs):
    # Reordering pages under the same parent changes no page's URL nor its privacy.
    if url_path_before != url_path_after:
        _rebuild(sender, **kwargs)


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
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    return [
        (page_published, _rebuild, None, f"{UID}-published"),
        (page_unpublished, _rebuild, None, f"{UID}-unpublished"),
        (post_page_move, _moved, None, f"{UID}-moved"),
        (post_delete, _rebuild, _page_model(), f"{UID}-page-deleted"),
        (post_save, _rebuild, PageViewRestriction, f"{UID}-restriction-saved"),
        (post_delete, _rebuild, PageViewRestriction, f"{UID}-restriction-deleted"),
    ]


def connect() -> bool:
    """Connect the page signals when Wagtail is installed; whether it is."""
    if not apps.is_installed("wagtail"):
        return False
    for signal, receiver, sender, uid in receivers():
        signal.connect(receiver, sender=sender, dispatch_uid=uid, weak=False)
    return True
