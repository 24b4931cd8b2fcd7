"""Is a Celery worker running? Each worker says so in the database; /health/ reads it.

A worker, once ready (Celery's ``worker_ready``, connected in site_assistant.tasks,
so any project's Celery app that loads the app's tasks does it), writes its row of
WorkerHeartbeat at once and then every quarter of WORKER_SILENT_SECONDS from a
thread of its main process (a thread, not the worker's timer: a solo-pool worker
running an hour-long build still beats). A clean shutdown (``worker_shutdown``)
marks its row stopped.

``silence()`` is /health/'s verdict: one aggregate query over a few rows, no
broker round trip. Degraded when a worker was heard from once and none has been
since WORKER_SILENT_SECONDS (or the last one stopped), and, before any worker has
written its first heartbeat, once a build or training run has waited that long
past its start: no worker has started ("No worker has started: …"). A site whose
worker is only starting, with nothing queued, is not degraded; nor is any site
without a broker (tasks run in-process).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django import db
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from . import conf
from .broker import WORKER_COMMAND_PLACEHOLDER, until_a_worker_starts
from .models import IndexBuild, TrainingRun, WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of workers not heard from for this long are deleted when a worker starts
# (a container's hostname is new at each deploy).
FORGET_AFTER = timedelta(days=7)

_stopping = threading.Event()


def window() -> float:
    """WORKER_SILENT_SECONDS; 0: no heartbeat is written or judged."""
    return float(conf.get("WORKER_SILENT_SECONDS") or 0)


def every() -> float:
    """How often a worker writes its heartbeat: a quarter of the window, at least 1 s."""
    return max(1.0, window() / 4)


def beat(hostname: str, started=None) -> None:
    """The worker's row says it was seen now (and, given ``started``, that it runs again).
    A beat racing the shutdown leaves ``stopped`` as ``stop`` set it."""
    now = timezone.now()
    if started is None and WorkerHeartbeat.objects.filter(hostname=hostname).update(seen=now):
        return
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"started": started or now, "seen": now, "stopped": None}
    )


def start(hostname: str, also=None) -> None:
    """The worker is ready: its first heartbeat now, then one every ``every()`` seconds,
    each followed by ``also()`` (site_assistant.tasks: what the task queue did not take
    is sent again once it answers)."""
    if not window():
        return
    WorkerHeartbeat.objects.filter(seen__lt=timezone.now() - FORGET_AFTER).delete()
    beat(hostname, started=timezone.now())
    _stopping.clear()
    threading.Thread(
        target=_beat_on, args=(hostname, also), name="site-assistant-heartbeat", daemon=True
    ).start()


def _beat_on(hostname: str, also=None) -> None:
    failing = False
    while not _stopping.wait(every()):
        try:
            beat(hostname)
            failing = False
        except Exception as exc:  # the database away a moment: beat again next time
            if not failing:
                logger.warning("worker heartbeat not written: %r", exc)
            failing = True
        try:
            if also is not None and not failing:
                also()
        except Exception:
            logger.exception("site_assistant: after the worker's heartbeat")
        finally:
            db.connections.close_all()  # this thread's own; none held while it sleeps


def stop(hostname: str) -> None:
    """The worker shuts down cleanly: /health/ need not wait out the window to say so."""
    _stopping.set()
    if window():
        WorkerHeartbeat.objects.filter(hostname=hostname).update(stopped=timezone.now())


def silence(eager: bool, command: str = WORKER_COMMAND_PLACEHOLDER) -> dict:
    """/health/'s part on the workers' heartbeats: ``{}`` when there is nothing to judge
    (no broker, WORKER_SILENT_SECONDS 0, no worker ever heard from and nothing waiting
    for one), else ``workers`` (how many were heard from within the window) and, when
    none was, ``silent``: why, naming ``command`` as what starts one
    (site_assistant.broker.worker_command)."""
    if eager or not window():
        return {}
    now = timezone.now()
    fresh = Q(seen__gte=now - timedelta(seconds=window()), stopped__isnull=True)
    heard = WorkerHeartbeat.objects.aggregate(last=Max("seen"), workers=Count("pk", filter=fresh))
    if heard["last"] is None:
        return _never_started(now, command)
    quiet = (now - heard["last"]).total_seconds()
    if heard["workers"]:
        return {"workers": heard["workers"], "heard_s_ago": round(max(quiet, 0.0), 1)}
    last = WorkerHeartbeat.objects.filter(seen=heard["last"]).first()
    if last is not None and last.stopped:
        why = gettext("the last one (%(host)s) shut down %(ago)s ago") % {
            "host": last.hostname,
            "ago": ago(now - last.stopped),
        }
    elif last is not None:
        why = gettext(
            "the last one (%(host)s) was heard from %(ago)s ago and has not written its "
            "heartbeat since (killed, or its host gone?)"
        ) % {"host": last.hostname, "ago": ago(now - heard["last"])}
    else:
        why = gettext(
            "the last one was heard from %(ago)s ago and has not written its heartbeat "
            "since (killed, or its host gone?)"
        ) % {"ago": ago(now - heard["last"])}
    return {
        "workers": 0,
        "heard_s_ago": round(quiet, 1),
        "silent": gettext("No worker is running: %(why)s. %(then)s")
        % {"why": why, "then": until_a_worker_starts(command)},
    }


def _never_started(now, command: str) -> dict:
    """No worker has ever written its heartbeat: ``silent`` once queued work has waited
    WORKER_SILENT_SECONDS past its start (a rebuild's debounce counts as not started)."""
    late = now - timedelta(seconds=window())
    # A queued build's lease is its countdown plus QUEUED_BUILD_EXPIRES_SECONDS.
    due_by = late + timedelta(seconds=conf.get("QUEUED_BUILD_EXPIRES_SECONDS"))
    queued = IndexBuild.objects.filter(status=IndexBuild.Status.QUEUED).filter(
        Q(lease_expires__lt=due_by) | Q(lease_expires__isnull=True, created__lt=late)
    )
    build = queued.order_by("created").first()
    run = (
        TrainingRun.objects.filter(status=TrainingRun.Status.QUEUED, created__lt=late)
        .order_by("created")
        .first()
    )
    if build is None and run is None:
        return {}
    if build is not None and (run is None or build.created <= run.created):
        what, since = gettext("rebuild #%(number)s") % {"number": build.pk}, build.created
    else:
        what, since = gettext("training run #%(number)s") % {"number": run.pk}, run.created
    return {
        "workers": 0,
        "silent": gettext(
            "No worker has started: %(what)s was asked for %(ago)s ago and no worker has "
            "ever written its heartbeat here. %(then)s"
        )
        % {"what": what, "ago": ago(now - since), "then": until_a_worker_starts(command)},
    }


def ago(delta: timedelta) -> str:
    """``delta`` in words: "40 s", "3 min", "2 h"."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return gettext("%(count)s s") % {"count": seconds}
    if seconds < 7200:
        return gettext("%(count)s min") % {"count": seconds // 60}
    return gettext("%(count)s h") % {"count": seconds // 3600}
