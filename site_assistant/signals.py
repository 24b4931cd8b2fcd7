"""Saving or deleting a registered model's row schedules one debounced rebuild.

A row deleted, or saved so that its registration's ``filter`` leaves it out
(a draft, a private row), is also withdrawn from answers at once
(site_assistant.withdrawn): the rebuild may be seconds away, or, with no
worker running, much longer.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import conf, withdrawn
from .sources.models import registration_of

logger = logging.getLogger(__name__)

DEBOUNCE_KEY = "site_assistant:content-rebuild-pending"

# When this thread last asked for a content rebuild (time.monotonic()).
_requested = threading.local()


def schedule_content_rebuild() -> None:
    """One rebuild for a burst of changes.

    The first change in a debounce window requests a build that starts after
    the window; later changes in the window find the key and do nothing (the
    pending build has not started, so it will see them). Across processes
    the database lock in site_assistant.rebuilds coalesces what the cache cannot.
    """
    if not conf.get("AUTO_REBUILD"):
        return
    from .rebuilds import request_rebuild
    from .tasks import rebuild_index

    delay = int(conf.get("REBUILD_DEBOUNCE_SECONDS"))
    if rebuild_index.app.conf.task_always_eager:
        # No broker: the build runs right now, so a change made a moment
        # later must get its own (incremental, cheap) build.
        delay = 0
    if delay and not cache.add(DEBOUNCE_KEY, 1, timeout=delay):
        return

    try:
        request_rebuild("content", countdown=delay)
    except Exception:
        # A broken broker must not break saving content.
        logger.exception("could not schedule a search rebuild")


def content_changed(sender, **kwargs):
    """A receiver for any signal that says the site's content changed: once the
    transaction commits, schedule the debounced rebuild (never for loaddata)."""
    if kwargs.get("raw"):  # loaddata
        return
    changed_at = time.monotonic()
    transaction.on_commit(lambda: _after_commit(changed_at))


def _after_commit(changed_at: float) -> None:
    """Schedule a rebuild unless this thread asked for one after the change.

    A transaction that changed many rows (the admin's "delete selected", a
    data migration) runs one callback per row once it commits. Without a
    broker the first callback's build runs at once and reads every row, so
    the others would only repeat it: 289 deleted questions gave 289 builds.
    Within one thread a request made after a change also came after its
    commit, so comparing the two times is exact; other threads keep their own.
    """
    if changed_at < getattr(_requested, "at", float("-inf")):
        return
    _requested.at = time.monotonic()
    schedule_content_rebuild()


def row_hidden(sender, instance=None, **kwargs):
    """A registered row deleted, or saved as one its ``filter`` leaves out:
    withdraw its URL from answers now (the rebuild takes it out of the index)."""
    registration = registration_of(sender)
    if registration is None or kwargs.get("raw"):
        return
    try:
        if kwargs.get("signal") is post_save and registration.shows(instance):
            return
        url = registration.url_of(instance)
    except Exception:
        # Saving the row must not fail for it; the rebuild still comes.
        logger.exception("could not tell whether %r left the search index", instance)
        return
    withdrawn.withdraw([url])


def _receivers(model):
    uid = f"search-{model._meta.label_lower}"
    # Withdrawn first: without a broker the rebuild runs as the change
    # commits, and must find the withdrawal already recorded.
    return [
        (post_save, row_hidden, f"{uid}-hidden-save"),
        (post_delete, row_hidden, f"{uid}-hidden-delete"),
        (post_save, content_changed, f"{uid}-save"),
        (post_delete, content_changed, f"{uid}-delete"),
    ]


def connect(model) -> None:
    for signal, receiver, uid in _receivers(model):
        signal.connect(receiver, sender=model, dispatch_uid=uid, weak=False)


def disconnect(model) -> None:
    for signal, _, uid in _receivers(model):
        signal.disconnect(sender=model, dispatch_uid=uid)
