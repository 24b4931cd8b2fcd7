"""Asking for an index build: one at a time, coalesced requests, serving a model.

Only one build is ever queued or running: IndexBuild.lock is unique and set
while a build is active, so the database refuses a second one even when two
processes ask at the same instant. A request while a build is active is
recorded as its own IndexBuild with status "coalesced", pointing at the
active build.

A queued build is handed, after commit, to the queue that ``set_queue``
names: ``search.tasks`` sets its Celery task there when it is imported
(``search.apps`` imports it at start-up), so this module, the admin, the
API, the commands and training ask for builds without importing the task
module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from .models import IndexBuild

logger = logging.getLogger(__name__)

LOCK = "index"

Status = IndexBuild.Status

# queue(build, countdown): runs or enqueues a claimed build (search.tasks sets it).
_queue: Callable[[IndexBuild, int | None], None] | None = None


def set_queue(queue: Callable[[IndexBuild, int | None], None]) -> None:
    """Name what runs a queued build: ``queue(build, countdown)``."""
    global _queue
    _queue = queue


def release_stale_locks() -> int:
    """Free the lock of builds that hold it too long (a dead worker) or no longer need it."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.get("LOCK_TIMEOUT_SECONDS"))
    done = IndexBuild.objects.filter(lock=LOCK).exclude(status__in=[Status.QUEUED, Status.RUNNING])
    released = done.update(lock=None)
    stale = IndexBuild.objects.filter(lock=LOCK).filter(
        Q(status=Status.RUNNING, started__lt=cutoff) | Q(status=Status.QUEUED, created__lt=cutoff)
    )
    return released + stale.update(
        lock=None,
        status=Status.FAILED,
        error="Abandoned: the build held the lock too long (worker stopped?).",
        finished=now,
    )


def _trigger(value) -> str:
    return value if value in IndexBuild.Trigger.values else IndexBuild.Trigger.COMMAND


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def claim_or_coalesce(trigger: str, user=None) -> IndexBuild:
    """A new queued build holding the lock, or a coalesced record of the active one."""
    release_stale_locks()
    for _ in range(5):
        try:
            with transaction.atomic():
                return IndexBuild.objects.create(
                    status=Status.QUEUED,
                    trigger=_trigger(trigger),
                    requested_by=_user(user),
                    lock=LOCK,
                )
        except IntegrityError:
            active = IndexBuild.objects.filter(lock=LOCK).first()
            if active is None:  # released in between: try again
                continue
            return IndexBuild.objects.create(
                status=Status.COALESCED,
                trigger=_trigger(trigger),
                requested_by=_user(user),
                coalesced_into=active,
                finished=timezone.now(),
            )
    raise RuntimeError("could not take the index build lock")


def request_rebuild(trigger: str, user=None, countdown: int | None = None) -> IndexBuild:
    """Ask for a rebuild: a queued build (enqueued after commit) or a coalesced record."""
    build = claim_or_coalesce(trigger, user)
    if build.status == Status.QUEUED:
        transaction.on_commit(lambda: _hand_over(build, countdown), robust=True)
    return build


def serve_model(model_ref: str | None, user=None) -> IndexBuild:
    """Serve ``model_ref`` (a model folder; None = the base model) and rebuild with it.

    The guard's activation and the owner's way back both come here: a
    fine-tuned model is switched off without deleting it, and its folder can
    be served again later. Raises ValueError for a folder that holds no model.
    """
    from . import embed

    embed.set_active_model(model_ref)
    return request_rebuild(IndexBuild.Trigger.MODEL, user)


def release(build_id: int, **fields) -> None:
    """Free the lock of build ``build_id`` (and set ``fields`` on it)."""
    IndexBuild.objects.filter(pk=build_id).update(lock=None, **fields)


def _hand_over(build: IndexBuild, countdown: int | None) -> None:
    if _queue is None:
        # Never on a site with "search" in INSTALLED_APPS (its AppConfig imports search.tasks).
        logger.warning("search rebuild #%s: no build queue (search.tasks not imported)", build.pk)
        IndexBuild.objects.filter(pk=build.pk, status=Status.QUEUED).update(
            lock=None,
            status=Status.FAILED,
            error="Could not queue the build: search.tasks was never imported.",
            finished=timezone.now(),
        )
        return
    _queue(build, countdown)
