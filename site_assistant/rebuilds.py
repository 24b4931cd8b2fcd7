"""Asking for an index build: one at a time, coalesced requests, serving a model.

Only one build is ever queued or running: IndexBuild.lock is unique and set
while a build is active, so the database refuses a second one even when two
processes ask at the same instant. A request while a build is active is
recorded as its own IndexBuild with status "coalesced", pointing at the
active build.

The lock is a lease (``IndexBuild.lease_expires``), not a fixed timeout: a
running build renews it every few seconds (site_assistant.build.Heartbeat), a queued
one holds it until its task expires. A build whose lease has passed (its
worker was killed, or no worker ever took it) is marked failed by the next
request, which then runs.

A queued build is handed to the queue that ``set_queue`` names:
``site_assistant.tasks`` sets its Celery task there when it is imported
(``site_assistant.apps`` imports it at start-up), so this module, the admin, the
API, the commands and training ask for builds without importing the task
module. A build the queue did not take is recorded as "unqueued", never as
started; a content change or a model activation recorded so is covered by
the next build that is queued (``retry_unqueued``).

A content change saved while this app's migrations are pending (the new code serving
before ``manage.py migrate``: the builds' table lacks a column) cannot be recorded as a
build at all. It is remembered in a file of INDEX_DIR instead (``owe_content_rebuild``),
and one content rebuild is asked for once the migrations are applied
(``rebuild_owed``: at the end of ``migrate``, and by ``retry_unqueued``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import conf
from . import stored_words as words
from .models import EmbeddingCache, ExampleQuestion, IndexBuild, Page, Passage, WithdrawnPage

logger = logging.getLogger(__name__)

LOCK = "index"

# The models whose tables a build writes or reads: its own record, the pages and passages
# it stores, the embedding cache, the withdrawn pages it clears and the example questions
# it embeds and follows to their sections. While one of them lacks a column a pending
# migration adds, every build fails: the admin's views that set one off say to run
# ``manage.py migrate`` first (``also_reads``), before they write anything.
TABLES = (IndexBuild, Page, Passage, EmbeddingCache, WithdrawnPage, ExampleQuestion)

Status = IndexBuild.Status
Trigger = IndexBuild.Trigger
# Requests nobody waits on: when the queue did not take them, they are queued again later.
RETRIED_TRIGGERS = (Trigger.CONTENT, Trigger.EXAMPLE, Trigger.MODEL)

# queue(build, countdown, background): runs or enqueues a claimed build (site_assistant.tasks sets it).
Queue = Callable[[IndexBuild, int | None, bool], None]
_queue: Queue | None = None


def set_queue(queue: Queue) -> None:
    """Name what runs a queued build: ``queue(build, countdown, background)``."""
    global _queue
    _queue = queue


def release_stale_locks() -> int:
    """Free the lock of builds that lost their lease (a dead worker) or no longer need it."""
    now = timezone.now()
    active = IndexBuild.objects.filter(lock=LOCK)
    cutoff = now - timedelta(seconds=conf.get("LOCK_TIMEOUT_SECONDS"))
    held_too_long = Q(status=Status.RUNNING, started__lt=cutoff) | Q(
        status=Status.QUEUED, lease_expires__isnull=True, created__lt=cutoff
    )
    # A read first: every status poll and admin page asks, and almost always
    # nothing is stale. Writing anyway would queue each poll behind a running
    # build's writes (on SQLite, for as long as its last transaction lasts).
    stale = (
        ~Q(status__in=[Status.QUEUED, Status.RUNNING])
        | Q(status__in=[Status.QUEUED, Status.RUNNING], lease_expires__lt=now)
        | held_too_long
    )
    if not active.filter(stale).exists():
        return 0
    released = active.exclude(status__in=[Status.QUEUED, Status.RUNNING]).update(lock=None)
    lost = active.filter(status=Status.RUNNING, lease_expires__lt=now).update(
        lock=None,
        status=Status.FAILED,
        error=words.WORKER_LOST.english(),
        finished=now,
    )
    expired = active.filter(status=Status.QUEUED, lease_expires__lt=now).update(
        lock=None,
        status=Status.FAILED,
        error=words.QUEUED_TOO_LONG.english(),
        finished=now,
    )
    hung = active.filter(held_too_long).update(
        lock=None,
        status=Status.FAILED,
        error=words.HELD_TOO_LONG.english(),
        finished=now,
    )
    for count, what in ((lost, "lost its worker"), (expired, "expired in the queue")):
        if count:
            logger.warning("site_assistant: %d index build(s) %s; marked failed", count, what)
    return released + lost + expired + hung


def _trigger(value) -> str:
    return value if value in IndexBuild.Trigger.values else IndexBuild.Trigger.COMMAND


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


class LockBusy(RuntimeError):
    """The build lock stayed taken and released in turn: the caller may try again."""


def claim_or_coalesce(trigger: str, user=None, countdown: int | None = None) -> IndexBuild:
    """A new queued build holding the lock, or a coalesced record of the active one.

    The queued build's lease lasts its countdown plus QUEUED_BUILD_EXPIRES_SECONDS
    (run_build renews it once a worker has taken it).
    """
    release_stale_locks()
    for _ in range(5):
        lease = timedelta(seconds=(countdown or 0) + conf.get("QUEUED_BUILD_EXPIRES_SECONDS"))
        try:
            with transaction.atomic():
                return IndexBuild.objects.create(
                    status=Status.QUEUED,
                    trigger=_trigger(trigger),
                    requested_by=_user(user),
                    lock=LOCK,
                    lease_expires=timezone.now() + lease,
                )
        except IntegrityError:
            active = IndexBuild.objects.filter(lock=LOCK).first()
            if active is None:  # released in between: try again
                continue
            coalesced = IndexBuild.objects.create(
                status=Status.COALESCED,
                trigger=_trigger(trigger),
                requested_by=_user(user),
                coalesced_into=active,
            )
            # Done as it is made: finished when created (``created`` is set on save, so a
            # time taken before it came out a few microseconds earlier).
            coalesced.finished = coalesced.created
            coalesced.save(update_fields=["finished"])
            return coalesced
    raise LockBusy("could not take the index build lock")


def take_over(build_id: int) -> IndexBuild | None:
    """Queued build ``build_id``, claimed to run in this process (``search_rebuild
    --sync``), or None once a worker has started it. Its task, should a worker
    take it later, finds it no longer queued and skips it (its task id is
    cleared: a redelivered task resumes only a build that names it)."""
    lease = timezone.now() + timedelta(seconds=conf.get("BUILD_LEASE_SECONDS"))
    claimed = IndexBuild.objects.filter(pk=build_id, lock=LOCK, status=Status.QUEUED).update(
        status=Status.RUNNING, started=timezone.now(), task_id="", lease_expires=lease
    )
    return IndexBuild.objects.get(pk=build_id) if claimed else None


def request_rebuild(
    trigger: str, user=None, countdown: int | None = None, background: bool = False
) -> IndexBuild:
    """Ask for a rebuild: a queued build, a coalesced record, or an unqueued one.

    Outside a transaction the task is sent at once, so the caller learns the
    outcome from ``build.status``: "queued" (a worker will run it; "running" if an idle
    worker took it before the build was read back after sending), "unqueued"
    (the broker did not take it, see ``build.error``; nothing runs), or,
    without a broker (eager), the finished build's "succeeded"/"failed" —
    or, with ``background`` (a person waiting on a page) and
    REBUILD_IN_BACKGROUND_WITHOUT_BROKER, "queued" while a thread of this
    process runs it. Inside a transaction it is sent once that commits.
    """
    build = claim_or_coalesce(trigger, user, countdown)
    if build.status == Status.COALESCED:
        cover_unqueued(build.coalesced_into_id)
    elif connection.in_atomic_block:
        transaction.on_commit(lambda: _hand_over(build, countdown, background), robust=True)
    else:
        _hand_over(build, countdown, background)
    return build


def serve_model(model_ref: str | None, user=None, background: bool = False) -> IndexBuild:
    """Serve ``model_ref`` (a model folder; None = the base model) and rebuild with it.

    The guard's activation and the owner's way back both come here: a
    fine-tuned model is switched off without deleting it, and its folder can
    be served again later. ``background`` as for :func:`request_rebuild` (the
    owner's buttons: without a broker the page does not wait for the build).
    Raises ValueError for a folder that holds no model.
    """
    from . import embed

    embed.set_active_model(model_ref)
    return request_rebuild(IndexBuild.Trigger.MODEL, user, background=background)


def release(build_id: int, **fields) -> None:
    """Free the lock of build ``build_id`` (and set ``fields`` on it)."""
    IndexBuild.objects.filter(pk=build_id).update(lock=None, **fields)


def _hand_over(build: IndexBuild, countdown: int | None, background: bool = False) -> None:
    if _queue is None:
        # Never on a site with "site_assistant" in INSTALLED_APPS (its AppConfig imports site_assistant.tasks).
        logger.warning(
            "search rebuild #%s: no build queue (site_assistant.tasks not imported)", build.pk
        )
        IndexBuild.objects.filter(pk=build.pk, status=Status.QUEUED).update(
            lock=None,
            status=Status.FAILED,
            error=words.NO_BUILD_QUEUE.english(),
            finished=timezone.now(),
        )
        return
    _queue(build, countdown, background)


def cover_unqueued(build_id: int | None) -> int:
    """Unqueued content/model requests are now covered by build ``build_id`` (queued or
    running: a change made after a running build started gets its follow-up build)."""
    if build_id is None:
        return 0
    return (
        unqueued_waiting()
        .filter(created__lte=timezone.now())
        .update(status=Status.COALESCED, coalesced_into_id=build_id)
    )


def unqueued_waiting():
    """The content/model rebuild requests the task queue did not take, waiting to be sent
    again (``retry_unqueued``; /health/ counts them)."""
    return IndexBuild.objects.filter(status=Status.UNQUEUED, trigger__in=RETRIED_TRIGGERS)


def retry_unqueued() -> IndexBuild | None:
    """Queue one build for content changes / model activations the queue did not take
    (and one owed since migrations were pending, ``rebuild_owed``, once they are not)."""
    owed = rebuild_owed()
    pending = unqueued_waiting()
    if not pending.exists():
        return owed
    trigger = Trigger.MODEL if pending.filter(trigger=Trigger.MODEL).exists() else Trigger.CONTENT
    return request_rebuild(trigger)


# INDEX_DIR's file saying a content rebuild is owed: {"migrations": [...], "since": ISO time}.
OWED_FILE = "content-rebuild-owed.json"
# The sets of pending migrations this process has said a change waits for (one warning each).
_said_owed: set[tuple[str, ...]] = set()


def _owed_file():
    from . import index

    return index.index_dir() / OWED_FILE


def owe_content_rebuild(migrations: tuple[str, ...]) -> None:
    """A content change could not ask for its rebuild: ``migrations`` are pending (the
    builds' table is behind the code). Remember that one is owed, in INDEX_DIR (no table:
    the tables are what is behind), for ``rebuild_owed`` to ask for once they are applied;
    a warning naming them, once a process for each set."""
    from . import schema

    path = _owed_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = path.with_name(f"{OWED_FILE}.tmp-{os.getpid()}")
            tmp.write_text(
                json.dumps({"migrations": list(migrations), "since": timezone.now().isoformat()})
            )
            os.replace(tmp, path)
    except OSError as exc:
        logger.warning(
            "site_assistant: a content change was saved while %s; its rebuild could not be "
            "remembered (%s): rebuild the index after migrate",
            schema.note(migrations),
            exc,
        )
        return
    if migrations not in _said_owed:
        _said_owed.add(migrations)
        logger.warning(
            "site_assistant: content changes saved while %s are not indexed yet; one "
            "rebuild reads them once the migrations are applied",
            schema.note(migrations),
        )


def rebuild_owed() -> IndexBuild | None:
    """Ask for the content rebuild ``owe_content_rebuild`` remembered, once this app's
    migrations are all applied; None when none is owed or they still are not."""
    from . import schema

    path = _owed_file()
    if not path.exists():
        return None
    try:
        if schema.pending(fresh=True):
            return None
    except DatabaseError:
        return None
    build = request_rebuild(Trigger.CONTENT)
    path.unlink(missing_ok=True)
    logger.info(
        "site_assistant: migrations applied: rebuild #%s reads the content changes saved "
        "while they were pending",
        build.pk,
    )
    return build


def prune_builds(keep: int | None = None, failed_days: int | None = None) -> int:
    """Delete old IndexBuild rows; returns how many went.

    Kept: the newest ``keep`` (KEEP_BUILDS; None there keeps every row),
    failed builds younger than ``failed_days`` (KEEP_FAILED_BUILDS_DAYS), the
    build that wrote the live version, and every queued or running build and
    unqueued request still waiting for its retry. A few statements whatever
    the count (rows coalesced into a deleted build lose the link).
    """
    from . import index

    keep = conf.get("KEEP_BUILDS") if keep is None else keep
    if keep is None:
        return 0
    failed_days = conf.get("KEEP_FAILED_BUILDS_DAYS") if failed_days is None else failed_days
    newest = IndexBuild.objects.order_by("-created", "-pk").values_list("pk", flat=True)
    kept = (
        Q(pk__in=list(newest[: max(1, keep)]))
        | Q(lock__isnull=False)
        | Q(status__in=(Status.QUEUED, Status.RUNNING))
        | Q(status=Status.UNQUEUED, trigger__in=RETRIED_TRIGGERS)
    )
    live = index.current_version_name()
    if live:
        kept |= Q(version=live)
    if failed_days:
        kept |= Q(status=Status.FAILED, created__gte=timezone.now() - timedelta(days=failed_days))
    deleted = IndexBuild.objects.exclude(kept).delete()[1].get(IndexBuild._meta.label, 0)
    if deleted:
        logger.info("index builds: %d old build row(s) deleted (KEEP_BUILDS %d)", deleted, keep)
    return deleted
