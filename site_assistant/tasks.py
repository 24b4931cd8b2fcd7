"""Celery tasks (thin): run a build site_assistant.rebuilds claimed, by calling site_assistant.build.

site_assistant.rebuilds takes the lock and records the IndexBuild (one build at a
time, coalesced requests); importing this module makes its ``_enqueue`` the
queue that hands a claimed build to ``rebuild_index``. With no broker
configured the tasks run eagerly, in-process (or, for a person waiting on
the admin page, in a background thread: REBUILD_IN_BACKGROUND_WITHOUT_BROKER).

The build task is ``acks_late`` with ``reject_on_worker_lost``: a worker
process that dies mid-build hands the message back to the broker instead of
acknowledging it, and a redelivered task resumes its own build only while
that build's lease still holds (site_assistant.rebuilds, site_assistant.build.Heartbeat).

A full build with many new texts runs as a chord (``_fan_out``): one
``embed_chunk`` task per chunk on every free worker, then ``merge_chunks``,
which writes the version and frees the lock (site_assistant.build.merge_build);
``chunks_failed`` is the chord's error callback.

Sending a task gives up after SITE_ASSISTANT["BROKER_TIMEOUT_SECONDS"] (its own
connection with short socket timeouts, no publish retries: site_assistant.broker): a refusing or
hanging broker never ties up a web request. A build the broker did not take
is recorded as "unqueued"; a content change or a model activation recorded
so is queued again by the next build that is queued, by
``retry_unqueued_builds`` (run it periodically) and when a worker starts.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from celery import chord, shared_task
from celery.signals import worker_ready, worker_shutdown
from django import db
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from . import conf, heartbeat, rebuilds
from . import stored_words as words
from .broker import (
    broker_connection,
    not_sent_because,
    send_failed,
    until_a_worker_starts,
    why_not_sent,
    worker_command,
)
from .models import IndexBuild
from .rebuilds import (
    LOCK,
    RETRIED_TRIGGERS,
    claim_or_coalesce,
    release,
    release_stale_locks,
    request_rebuild,
)
from .training import tasks as training_tasks  # noqa: F401  (registers the training tasks)

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 3

Status = IndexBuild.Status


def _enqueue(build: IndexBuild, countdown: int | None = None, background: bool = False) -> None:
    """Send ``build``'s task; a broker that does not take it leaves the build "unqueued"."""
    app = rebuild_index.app
    kwargs = {"build_id": build.pk}
    if (
        background
        and app.conf.task_always_eager
        and conf.get("REBUILD_IN_BACKGROUND_WITHOUT_BROKER")
        and not connection.in_atomic_block  # a thread could not see an uncommitted build
    ):
        build.in_background = True
        threading.Thread(
            target=_build_in_background,
            args=(build.pk,),
            name=f"search-build-{build.pk}",
            daemon=True,  # a server that stops ends it; its lease then passes
        ).start()
        return
    try:
        if app.conf.task_always_eager:
            result = rebuild_index.apply_async(kwargs=kwargs, countdown=countdown)
        else:
            expires = (countdown or 0) + conf.get("QUEUED_BUILD_EXPIRES_SECONDS")
            with broker_connection(app) as conn:
                result = rebuild_index.apply_async(
                    kwargs=kwargs,
                    countdown=countdown,
                    expires=expires,
                    connection=conn,
                    retry=False,
                )
    except Exception as exc:
        if app.conf.task_always_eager:
            # The build ran here and has recorded its own failure.
            logger.warning("search rebuild #%s: %s", build.pk, exc)
            build.refresh_from_db()
            return
        logger.warning("search rebuild #%s not queued: %r", build.pk, exc)
        send_failed()
        said = (
            words.NOT_QUEUED_UNTIL_IT_ANSWERS
            if build.trigger in RETRIED_TRIGGERS
            else words.NOT_QUEUED
        )
        error = said.english(why=why_not_sent(exc))
        IndexBuild.objects.filter(pk=build.pk, status=Status.QUEUED).update(
            lock=None,
            status=Status.UNQUEUED,
            not_queued=not_sent_because(exc),
            error=error[:5000],
            finished=timezone.now(),
        )
        build.refresh_from_db()
        return
    IndexBuild.objects.filter(pk=build.pk, task_id="").update(task_id=result.id or "")
    build.refresh_from_db()
    rebuilds.cover_unqueued(build.pk)


def _build_in_background(build_id: int) -> None:
    """No broker: run a build in a thread of this process (its lease covers a restart)."""
    try:
        rebuild_index.apply(kwargs={"build_id": build_id})
    except Exception:
        logger.warning("search rebuild #%s failed in the background", build_id)
    finally:
        db.connections.close_all()  # this thread's own connections


@shared_task(name="site_assistant.tasks.retry_unqueued_builds", ignore_result=True)
def retry_unqueued_builds() -> dict:
    """Periodic: queue the rebuilds that could not be queued while the broker was down."""
    build = rebuilds.retry_unqueued()
    return {"build": build.pk if build else None, "status": build.status if build else None}


@worker_ready.connect(dispatch_uid="search-retry-unqueued-builds")
def _retry_when_a_worker_starts(sender=None, **kwargs) -> None:
    """A worker that starts has a broker: queue what could not be queued before."""
    try:
        rebuilds.retry_unqueued()
    except Exception:
        logger.exception("site_assistant: could not retry unqueued builds")


def resend_unqueued() -> IndexBuild | None:
    """After each of a worker's heartbeats: while rebuilds the task queue did not take
    wait (a change saved while it was down), whether it answers now (a connection, bounded
    by BROKER_TIMEOUT_SECONDS), and once it does, send them again (``retry_unqueued``):
    a few seconds after the queue is back, not at the next ``retry_unqueued_builds``."""
    if not rebuilds.unqueued_waiting().exists():
        return None
    try:
        with broker_connection(rebuild_index.app) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception:
        return None  # still down: not one more unqueued request each beat
    build = rebuilds.retry_unqueued()
    if build is not None:
        logger.info("site_assistant: the task queue answers again: rebuild #%s sent", build.pk)
    return build


@worker_ready.connect(dispatch_uid="search-worker-heartbeat")
def _heartbeat_when_a_worker_starts(sender=None, **kwargs) -> None:
    """/health/ learns that a worker runs from its heartbeat (site_assistant.heartbeat)."""
    try:
        heartbeat.start(sender.hostname, also=resend_unqueued)
    except Exception:
        logger.exception("site_assistant: the worker's heartbeat could not start")


@worker_shutdown.connect(dispatch_uid="search-worker-heartbeat-stop")
def _heartbeat_stops_with_the_worker(sender=None, **kwargs) -> None:
    try:
        heartbeat.stop(sender.hostname)
    except Exception:
        logger.exception("site_assistant: the worker's heartbeat could not say it stopped")


rebuilds.set_queue(_enqueue)

# Queued work that has waited this long past its start, with no worker answering: say so.
WAITING_SECONDS = 60
# The ping's verdict is kept, not its words: each owner reads it in their own language.
_WAITING_KEY = "site_assistant:waiting-for-a-worker:verdict"
_QUEUE_DOWN, _NO_WORKER = "queue-down", "no-worker"


def waiting_for_a_worker(job=None) -> str:
    """Why queued work is not running, for the owner, or "".

    Given a build or training run (its page asks), "" unless that one is queued.

    A queued build or training run that should have started over WAITING_SECONDS
    ago is pinged about: no worker answering, or the queue itself not answering,
    is said; a worker that answers is busy, and that needs no note. The ping
    (bounded by BROKER_TIMEOUT_SECONDS) runs only while something waits, and its
    verdict is kept for 30 s, so a page that polls does not ping each time.
    """
    from .models import TrainingRun

    if job is not None and job.status != Status.QUEUED:
        return ""
    if rebuild_index.app.conf.task_always_eager:
        return ""  # no broker: builds and runs never wait for a worker
    now = timezone.now()
    late = timedelta(seconds=WAITING_SECONDS)
    debounce = timedelta(seconds=int(conf.get("REBUILD_DEBOUNCE_SECONDS")))
    waiting = (
        IndexBuild.objects.filter(status=Status.QUEUED, created__lt=now - late - debounce).exists()
        or TrainingRun.objects.filter(
            status=TrainingRun.Status.QUEUED, created__lt=now - late
        ).exists()
    )
    if not waiting:
        return ""
    verdict = cache.get(_WAITING_KEY)
    if verdict not in (_QUEUE_DOWN, _NO_WORKER, ""):
        verdict = _ping_workers()
        cache.set(_WAITING_KEY, verdict, timeout=30)
    if verdict == _QUEUE_DOWN:
        return gettext(
            "The task queue is not answering: queued builds and training runs wait "
            "until it is back."
        )
    if verdict == _NO_WORKER:
        then = until_a_worker_starts(worker_command(rebuild_index.app))
        return gettext("No worker is running: %(then)s") % {"then": then[0].lower() + then[1:]}
    return ""


def no_worker_note(job=None) -> str:
    """Why queued work does not run, for the owner: ``waiting_for_a_worker()``, or, with
    nothing late, that no worker has been heard from (site_assistant.heartbeat), or "".

    The one verdict every page says: the overview, the builds and training runs lists,
    and, given a build or training run (its page, its status JSON, the message of the
    button that queued it), the same while that one is queued, "" once it is not. A
    worker stopped cleanly is known at once; one killed, once its heartbeat is older
    than WORKER_SILENT_SECONDS.
    """
    if job is not None and job.status != Status.QUEUED:
        return ""
    return waiting_for_a_worker() or no_worker_now()


def no_worker_now() -> str:
    """ "No worker is running: …, start one with …" when the workers' heartbeats say none
    runs now (site_assistant.heartbeat), whatever waits for one; else ""."""
    app = rebuild_index.app
    return heartbeat.silence(eager=app.conf.task_always_eager, command=worker_command(app)).get(
        "silent", ""
    )


def training_note(run=None) -> str:
    """What the training pages say of queued runs: ``no_worker_note(run)``, else that no
    worker listens on TRAINING_QUEUE (``no_training_worker``), or ""."""
    return no_worker_note(run) or no_training_worker(run)


# The verdict on TRAINING_QUEUE's workers, kept 30 s per queue, as the ping's is.
_TRAINING_QUEUE_KEY = "site_assistant:training-queue-heard:%s"
_HEARD, _UNHEARD = "heard", "unheard"


def no_training_worker(run=None) -> str:
    """ "No worker is listening on the queue 'training'; start one: …" while a training run
    is queued (given a run, that one), TRAINING_QUEUE names a queue of its own, and the
    workers running now consume only other queues; else "".

    Workers run (their heartbeats, site_assistant.heartbeat: with none, ``no_worker_now``
    says so); which queues they consume, they say when asked (Celery's ``active_queues``,
    bounded by BROKER_TIMEOUT_SECONDS, ended by the last of the workers heard from).
    A worker that does not answer (busy in a solo pool) may be the one: nothing is said
    then. The verdict is kept for 30 s, so a page that polls does not ask each time.
    """
    from .models import TrainingRun

    app = rebuild_index.app
    queue = conf.get("TRAINING_QUEUE")
    if app.conf.task_always_eager or not queue or queue == app.conf.task_default_queue:
        return ""
    if run is not None:
        if run.status != TrainingRun.Status.QUEUED:
            return ""
    elif not TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED).exists():
        return ""
    heard = heartbeat.silence(eager=False, command=worker_command(app))
    if heard.get("silent") or heard.get("workers") == 0:
        return ""  # no worker runs at all: no_worker_now says so
    key = _TRAINING_QUEUE_KEY % queue
    verdict = cache.get(key)
    if verdict not in (_HEARD, _UNHEARD, ""):
        verdict = _ask_for_queue(queue, heard.get("workers"))
        cache.set(key, verdict, timeout=30)
    if verdict != _UNHEARD:
        return ""
    return gettext(
        "No worker is listening on the queue '%(queue)s'; start one: %(command)s. Training "
        "runs wait, queued, until one does."
    ) % {"queue": queue, "command": f"{worker_command(app)} -Q {queue} --concurrency=1"}


def _ask_for_queue(queue: str, workers: int | None) -> str:
    """``_HEARD`` when a worker consumes ``queue``, ``_UNHEARD`` when every worker heard
    from (``workers``; None: any that answer in time) answered and none does, "" when
    that is not known (the queue not answering, a worker silent)."""
    app = rebuild_index.app
    timeout = float(conf.get("BROKER_TIMEOUT_SECONDS"))
    try:
        with broker_connection(app) as connection:
            replies = app.control.broadcast(
                "active_queues", reply=True, timeout=timeout, limit=workers, connection=connection
            )
    except Exception as exc:
        logger.warning("could not ask the workers which queues they consume: %s", exc)
        return ""
    answered = {host: queues for reply in replies or [] for host, queues in reply.items()}
    if any(q.get("name") == queue for queues in answered.values() for q in queues or []):
        return _HEARD
    if workers is not None and len(answered) < workers:
        return ""  # one did not answer: it may be the one
    return _UNHEARD


def behind_training(build=None, coming: bool = False) -> str:
    """Why a queued index build waits though a worker runs, for the owner, or "".

    Training runs go to the builds' queue unless TRAINING_QUEUE names another: a
    worker runs one task at a time (``make worker``), so a build queued while a run
    trains starts only once that run has finished (it sat "Queued" for minutes with
    nothing said). Given a build, "" unless that one is queued; ``coming``, a build
    about to be asked for (a save not committed yet); else, whether any is queued.
    """
    from .models import TrainingRun

    app = rebuild_index.app
    if app.conf.task_always_eager:
        return ""  # no broker: builds run in a thread of their own
    queue = conf.get("TRAINING_QUEUE")
    if queue and queue != app.conf.task_default_queue:
        return ""  # training has a worker of its own
    if build is not None:
        if build.status != Status.QUEUED:
            return ""
    elif not coming and not IndexBuild.objects.filter(status=Status.QUEUED).exists():
        return ""
    run = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).order_by("started").first()
    if run is None:
        return ""
    from .training.time_left import time_left

    left = time_left(run)
    values = {"number": run.pk, "left": left}
    if left:
        waiting = gettext(
            "Waiting for Training #%(number)s to finish, %(left)s: the worker runs one "
            "task at a time."
        )
    else:
        waiting = gettext(
            "Waiting for Training #%(number)s to finish: the worker runs one task at a time."
        )
    return (
        waiting
        + " "
        + gettext(
            "The build starts by itself then. To build now, cancel the run; whoever runs the "
            "site can give training a worker of its own, so builds never wait for it."
        )
    ) % values


def queued_note(job=None) -> str:
    """What the owner's pages say of queued work: ``no_worker_note``, else why a queued
    build waits behind a training run (``behind_training``), or ""."""
    return no_worker_note(job) or (
        behind_training(job) if job is None or isinstance(job, IndexBuild) else ""
    )


def _ping_workers() -> str:
    """The verdict of one ping (``_QUEUE_DOWN``, ``_NO_WORKER`` or ""): the first worker that answers ends it (``limit=1``), so a
    page waits only as long as that worker takes; with none, the whole
    BROKER_TIMEOUT_SECONDS before it says so."""
    app = rebuild_index.app
    timeout = float(conf.get("BROKER_TIMEOUT_SECONDS"))
    try:
        with broker_connection(app) as connection:
            replies = app.control.ping(timeout=timeout, connection=connection, limit=1)
    except Exception as exc:
        logger.warning("could not ask the workers whether they run: %s", exc)
        return _QUEUE_DOWN
    if replies:
        return ""  # a worker runs: the work waits behind another task
    return _NO_WORKER


@shared_task(
    bind=True,
    name="site_assistant.tasks.rebuild_index",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def rebuild_index(self, build_id: int | None = None, trigger: str = "schedule") -> dict:
    """Run build ``build_id`` (or a new one: the periodic schedule passes none). Idempotent.

    Acknowledged only once it has finished (``acks_late``), and handed back to
    the broker if the worker process running it dies (``reject_on_worker_lost``):
    a redelivered task resumes its build while the lease holds, and is
    skipped once the build was marked "worker lost" (a newer request runs).
    The outcome is on the IndexBuild row, not in a result backend.
    """
    if build_id is None:
        build = claim_or_coalesce(trigger)
        if build.status == Status.COALESCED:
            return {"build": build.pk, "status": build.status, "into": build.coalesced_into_id}
    else:
        build = IndexBuild.objects.filter(pk=build_id).first()
        if build is None:
            return {"build": build_id, "status": "missing"}
    return _run_claimed(self, build, retry_kwargs={"build_id": build.pk})


@shared_task(
    bind=True,
    name="site_assistant.tasks.reindex_url",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
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
    release_stale_locks()
    runnable = Q(status=Status.QUEUED)
    if task_id:
        runnable |= Q(status=Status.RUNNING, task_id=task_id)
    lease = timezone.now() + timedelta(seconds=conf.get("BUILD_LEASE_SECONDS"))
    claimed = (
        IndexBuild.objects.filter(pk=build.pk, lock=LOCK)
        .filter(runnable)
        .update(status=Status.RUNNING, started=timezone.now(), task_id=task_id, lease_expires=lease)
    )
    if not claimed:
        build.refresh_from_db()
        return {"build": build.pk, "status": build.status, "skipped": "not queued"}
    build.refresh_from_db()
    try:
        run_build(build, urls=urls, fanout=_fanout(task.app))
        if getattr(build, "chunks", 0):
            # Handed to the workers in chunks: the merge task frees the lock (a
            # chunk that fails, or chunks_failed, marks the build failed).
            build.refresh_from_db()
            return {"build": build.pk, "status": build.status, "chunks": build.chunks}
    except TRANSIENT_ERRORS as exc:
        if task.request.retries < MAX_RETRIES and not task.request.is_eager:
            countdown = 5 * 2**task.request.retries
            lease = countdown + conf.get("QUEUED_BUILD_EXPIRES_SECONDS")
            IndexBuild.objects.filter(pk=build.pk).update(
                status=Status.QUEUED,
                error=words.RETRYING.english(error=exc),
                finished=None,
                lease_expires=timezone.now() + timedelta(seconds=lease),
            )
            raise task.retry(args=(), kwargs=retry_kwargs, exc=exc, countdown=countdown) from exc
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
    if build.model_id != embed.vectors_id(embed.active_model_ref()):
        request_rebuild(IndexBuild.Trigger.MODEL)
        return
    changed = [IndexBuild.Trigger.CONTENT, IndexBuild.Trigger.EXAMPLE]
    late = build.coalesced.filter(trigger__in=changed, created__gt=build.started)
    if late.exists():
        request_rebuild(IndexBuild.Trigger.CONTENT, countdown=conf.get("REBUILD_DEBOUNCE_SECONDS"))


@shared_task(name="site_assistant.tasks.purge_question_log")
def purge_question_log(days: int | None = None) -> int:
    """Delete logged questions older than LOG_RETENTION_DAYS (privacy); return how many.

    Also sweeps the training pairs kept with models for visitors' questions.
    """
    from .questions import purge

    deleted, swept = purge(days)
    if swept:
        logger.info("removed %d visitor question(s) from training pairs kept with models", swept)
    return deleted


# --- chunked builds ------------------------------------------------------------------


_said_no_chord = False


def _fanout(app):
    """``_fan_out``, unless ``app`` cannot run a chord: its merge waits for every chunk's
    result, so a Celery app with no result backend (CELERY_RESULT_BACKEND) refuses it
    ("Starting chords requires a result backend"). A big build then runs in this
    worker, as with BUILD_CHUNK_SIZE 0, and the log says why, once a process."""
    global _said_no_chord
    from celery.backends.base import DisabledBackend

    if app.conf.task_always_eager or not isinstance(app.backend, DisabledBackend):
        return _fan_out
    if not _said_no_chord:
        _said_no_chord = True
        logger.warning(
            "builds run in one worker: this Celery app has no result backend, which handing a "
            "big build to several workers in chunks (BUILD_CHUNK_SIZE) needs; set "
            "CELERY_RESULT_BACKEND (the broker's Redis will do) to spread them"
        )
    return None


def _fan_out(build: IndexBuild, chunks: list[list[str]], model_ref: str) -> None:
    """A chord: one embed_chunk task per chunk, then merge_chunks (in-process when eager)."""
    total = len(chunks)
    cache.delete(_chunks_key(build.pk))
    header = [
        embed_chunk.s(build.pk, number, total, texts, model_ref)
        for number, texts in enumerate(chunks, 1)
    ]
    chord(header)(merge_chunks.s(build.pk).on_error(chunks_failed.si(build.pk)))


def _chunks_key(build_id: int) -> str:
    return f"site_assistant:build:{build_id}:chunks-done"


def _count_chunk(build_id: int) -> int:
    """How many chunks of the build are done (0 when the cache does not answer)."""
    key = _chunks_key(build_id)
    try:
        cache.add(key, 0, timeout=24 * 3600)
        return cache.incr(key)
    except Exception:
        return 0


@shared_task(bind=True, name="site_assistant.tasks.embed_chunk", acks_late=True)
def embed_chunk(
    self, build_id: int, number: int, total: int, texts: list[str], model_ref: str
) -> dict:
    """Embed chunk ``number`` of ``total`` of a chunked build into the EmbeddingCache.

    A chunk that fails marks the whole build failed with its error (the live
    index keeps serving) and frees the lock; the other chunks then stop.
    """
    from . import build as builds

    host = self.request.hostname or "in-process"
    try:
        done = builds.embed_chunk(build_id, texts, model_ref)
    except Exception as exc:
        error = f"Chunk {number}/{total} failed on {host}: {type(exc).__name__}: {exc}"
        if builds.fail_chunked(build_id, error):
            release(build_id)
        raise
    if done is None:
        return {"build": build_id, "chunk": number, "host": host, "skipped": "not running"}
    builds.chunk_done(build_id, _count_chunk(build_id), total)
    logger.info(
        "search build #%s: chunk %d/%d embedded %d of %d texts on %s",
        build_id,
        number,
        total,
        done["embedded"],
        done["texts"],
        host,
    )
    return {"build": build_id, "chunk": number, "host": host, **done}


@shared_task(
    bind=True, name="site_assistant.tasks.merge_chunks", acks_late=True, ignore_result=True
)
def merge_chunks(self, results: list[dict], build_id: int) -> dict:
    """After every chunk: one version from the cached vectors, published and made live."""
    from . import build as builds

    cache.delete(_chunks_key(build_id))
    build = IndexBuild.objects.filter(pk=build_id, status=Status.RUNNING).first()
    if build is None:
        return {"build": build_id, "skipped": "not running"}
    hosts = sorted({r.get("host", "") for r in results if isinstance(r, dict)})
    logger.info("search build #%s: merging %d chunks from %s", build_id, len(results), hosts)
    try:
        builds.merge_build(build)
    finally:
        release(build.pk)
    _follow_up(build)
    return {"build": build.pk, "status": build.status, "version": build.version, "hosts": hosts}


@shared_task(name="site_assistant.tasks.chunks_failed", ignore_result=True)
def chunks_failed(build_id: int) -> None:
    """The chord's error callback: a chunk failed (if it could not say so itself)."""
    from . import build as builds

    cache.delete(_chunks_key(build_id))
    error = words.CHUNK_FAILED.english(meanwhile=builds.meanwhile())
    if builds.fail_chunked(build_id, error):
        release(build_id)
