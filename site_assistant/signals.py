"""Saving or deleting a registered model's row schedules one debounced rebuild."""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from . import conf

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


def connect(model) -> None:
    uid = f"search-{model._meta.label_lower}"
    post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}-save", weak=False)
    post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}-delete", weak=False)


def disconnect(model) -> None:
    uid = f"search-{model._meta.label_lower}"
    post_save.disconnect(sender=model, dispatch_uid=f"{uid}-save")
    post_delete.disconnect(sender=model, dispatch_uid=f"{uid}-delete")
