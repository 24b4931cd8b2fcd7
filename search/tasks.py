"""Celery tasks (thin): run a build search.rebuilds claimed, by calling search.build.

search.rebuilds takes the lock and records the IndexBuild (one build at a
time, coalesced requests); importing this module makes its ``_enqueue`` the
queue that hands a claimed build to ``rebuild_index``. With no broker
configured the tasks run eagerly, in-process.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from . import conf, rebuilds
from .models import IndexBuild
from .rebuilds import LOCK, claim_or_coalesce, release, request_rebuild
from .training import tasks as training_tasks  # noqa: F401  (registers the training tasks)

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 3

Status = IndexBuild.Status


def _enqueue(build: IndexBuild, countdown: int | None = None) -> None:
    try:
        result = rebuild_index.apply_async(kwargs={"build_id": build.pk}, countdown=countdown)
    except Exception as exc:
        # Eagerly the build has recorded its own failure; with a broker, a
        # task that never got queued must not hold the lock.
        logger.warning("search rebuild #%s: %s", build.pk, exc)
        IndexBuild.objects.filter(pk=build.pk, status=Status.QUEUED).update(
            lock=None,
            status=Status.FAILED,
            error=f"Could not queue the build: {exc}",
            finished=timezone.now(),
        )
        return
    IndexBuild.objects.filter(pk=build.pk, task_id="").update(task_id=result.id or "")


rebuilds.set_queue(_enqueue)


@shared_task(bind=True, name="search.tasks.rebuild_index", acks_late=True, max_retries=MAX_RETRIES)
def rebuild_index(self, build_id: int | None = None, trigger: str = "schedule") -> dict:
    """Run build ``build_id`` (or a new one: the periodic schedule passes none). Idempotent."""
    if build_id is None:
        build = claim_or_coalesce(trigger)
        if build.status == Status.COALESCED:
            return {"build": build.pk, "status": build.status, "into": build.coalesced_into_id}
    else:
        build = IndexBuild.objects.filter(pk=build_id).first()
        if build is None:
            return {"build": build_id, "status": "missing"}
    return _run_claimed(self, build, retry_kwargs={"build_id": build.pk})


@shared_task(bind=True, name="search.tasks.reindex_url", acks_late=True, max_retries=MAX_RETRIES)
def reindex_url(self, url: str, build_id: int | None = None) -> dict:
    """Re-read one page into a new index version; every other passage is kept as is.

    Takes the same lock as a full build: during an active build the request
    is coalesced (and a content change during a running build gets a
    follow-up build).
    """
    from .sources.pages import is_excluded

    if not isinstance(url, str) or not url.startswith("/"):
        return {"url": url, "status": "invalid", "error": "a site path starting with / is needed"}
    if is_excluded(url):
        return {"url": url, "status": "excluded"}
    build = IndexBuild.objects.filter(pk=build_id).first() if build_id else None
    if build is None:
        build = claim_or_coalesce(IndexBuild.Trigger.CONTENT)
    if build.status == Status.COALESCED:
        into = build.coalesced_into_id
        return {"url": url, "build": build.pk, "status": build.status, "into": into}
    retry = {"url": url, "build_id": build.pk}
    return {"url": url, **_run_claimed(self, build, urls=[url], retry_kwargs=retry)}


def _run_claimed(task, build: IndexBuild, urls=None, retry_kwargs=None) -> dict:
    """Claim ``build`` (queued, holding the lock) and run it; the lock is freed at the end."""
    from .build import run_build

    task_id = task.request.id or ""
    # Only a queued build (or this very task, redelivered after a crash) runs.
    runnable = Q(status=Status.QUEUED)
    if task_id:
        runnable |= Q(status=Status.RUNNING, task_id=task_id)
    claimed = (
        IndexBuild.objects.filter(pk=build.pk, lock=LOCK)
        .filter(runnable)
        .update(status=Status.RUNNING, started=timezone.now(), task_id=task_id)
    )
    if not claimed:
        build.refresh_from_db()
        return {"build": build.pk, "status": build.status, "skipped": "not queued"}
    build.refresh_from_db()
    try:
        run_build(build, urls=urls)
    except TRANSIENT_ERRORS as exc:
        if task.request.retries < MAX_RETRIES and not task.request.is_eager:
            IndexBuild.objects.filter(pk=build.pk).update(
                status=Status.QUEUED, error=f"Retrying after: {exc}", finished=None
            )
            raise task.retry(
                args=(), kwargs=retry_kwargs, exc=exc, countdown=5 * 2**task.request.retries
            ) from exc
        release(build.pk)
        raise
    except BaseException:
        release(build.pk)
        raise
    release(build.pk)
    _follow_up(build)
    return {"build": build.pk, "status": build.status, "version": build.version}


def _follow_up(build: IndexBuild) -> None:
    """Build again if this build may have missed something that changed while it ran.

    Another model was made the served one (a training run's activation, the
    admin's "Serve the base model", ``search_rebuild --model``): its request
    was coalesced into this build, which embedded with the model before.
    Or content changed: a debounced content rebuild.
    """
    from . import embed

    if build.status != Status.SUCCEEDED:
        return
    if build.model_id != embed.model_id(embed.active_model_ref()):
        request_rebuild(IndexBuild.Trigger.MODEL)
        return
    late = build.coalesced.filter(trigger=IndexBuild.Trigger.CONTENT, created__gt=build.started)
    if late.exists():
        request_rebuild(IndexBuild.Trigger.CONTENT, countdown=conf.get("REBUILD_DEBOUNCE_SECONDS"))


@shared_task(name="search.tasks.purge_question_log")
def purge_question_log(days: int | None = None) -> int:
    """Delete logged questions older than LOG_RETENTION_DAYS (privacy); return how many.

    Also sweeps the training pairs kept with models for visitors' questions.
    """
    from .questions import purge

    deleted, swept = purge(days)
    if swept:
        logger.info("removed %d visitor question(s) from training pairs kept with models", swept)
    return deleted
