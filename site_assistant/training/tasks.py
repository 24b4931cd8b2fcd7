"""Celery task behind the admin's "Train on site content" button.

Thin: it records the run on its TrainingRun row (status, progress, stage,
metrics, decision) and calls ``finetune.run_training`` — the same code path
as ``manage.py search_finetune``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import re
import socket
import threading
import time
from datetime import timedelta

import psutil
from celery import shared_task
from django import db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import conf, rebuilds
from .. import stored_words as words
from ..broker import broker_connection, not_sent_because, send_failed, why_not_sent
from ..models import TrainingRun
from . import config
from .time_left import PACE

logger = logging.getLogger(__name__)

Status = TrainingRun.Status
# Parameters the admin (or a caller) may set on a run, with the card's defaults.
PARAMS = config.defaults()
# Not TrainConfig fields: how the run uses the trained model.
RUN_OPTIONS = {"refit": True}
# A running run's metrics: its pace (see _Progress); a finished run's are its results.


def this_process() -> dict:
    """Who runs a run: host, pid and the process's start time (a pid alone can be reused)."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "process_started": psutil.Process().create_time(),
    }


def runner_stopped(runner: dict) -> bool:
    """True when ``runner`` was a process on this host that is gone.

    A runner on another host (a worker elsewhere) cannot be checked from here:
    the timeout covers it.
    """
    if not runner or runner.get("host") != socket.gethostname():
        return False
    try:
        process = psutil.Process(int(runner["pid"]))
        return abs(process.create_time() - float(runner["process_started"])) > 1e-3
    except psutil.NoSuchProcess:
        return True
    except (KeyError, TypeError, ValueError, psutil.Error):
        return False


ABANDONED = "Abandoned: the process running it stopped"  # how abandon_stale_runs says it


def abandon_stale_runs() -> int:
    """Fail runs whose process has stopped (a web server restarted under its
    training thread, a killed worker) or that have been queued or running too
    long: they must not show progress forever or block new runs."""
    now = timezone.now()
    stopped = [
        run.pk
        for run in TrainingRun.objects.filter(status=Status.RUNNING).only("pk", "runner")
        if runner_stopped(run.runner)
    ]
    abandoned = TrainingRun.objects.filter(pk__in=stopped, status=Status.RUNNING).update(
        status=Status.FAILED,
        error="Abandoned: the process running it stopped before it finished "
        "(a server restart?). Start a new run.",
        finished=now,
    )
    cutoff = now - timedelta(seconds=conf.get("TRAINING_TIMEOUT_SECONDS"))
    return abandoned + TrainingRun.objects.filter(
        Q(status=Status.RUNNING, started__lt=cutoff) | Q(status=Status.QUEUED, created__lt=cutoff)
    ).update(
        status=Status.FAILED,
        error=words.RUN_TOOK_TOO_LONG.english(),
        finished=now,
    )


def start_training(user=None, params: dict | None = None, activate: bool = True) -> TrainingRun:
    """A queued TrainingRun, enqueued after commit; the active run if one is under way."""
    abandon_stale_runs()
    active = TrainingRun.objects.filter(status__in=[Status.QUEUED, Status.RUNNING]).first()
    if active is not None:
        return active
    unknown = set(params or {}) - set(PARAMS) - set(RUN_OPTIONS)
    if unknown:
        raise ValueError(f"unknown training parameters: {sorted(unknown)}")
    run = TrainingRun.objects.create(
        params={
            **PARAMS,
            **RUN_OPTIONS,
            **(params or {}),
            "activate": activate,
            "requested_by": getattr(user, "username", "") or "",
        },
        stage="queued",
    )
    transaction.on_commit(lambda: _enqueue(run), robust=True)
    return run


def _enqueue(run: TrainingRun) -> None:
    if train_on_site.app.conf.task_always_eager and conf.get("TRAIN_IN_BACKGROUND_WITHOUT_BROKER"):
        # No broker (make run): an eager task would hold the owner's request for
        # minutes (and outlive a server's timeout); a thread lets the admin page
        # return at once and follow the run's progress like a worker's.
        threading.Thread(
            target=_train_in_background, args=(run.pk,), name=f"training-run-{run.pk}", daemon=True
        ).start()
        return
    try:
        with broker_connection(train_on_site.app) as connection:
            result = train_on_site.apply_async(
                kwargs={"run_id": run.pk},
                connection=connection,
                retry=False,
                **({"queue": queue} if (queue := conf.get("TRAINING_QUEUE")) else {}),
            )
    except Exception as exc:
        logger.warning("training run #%s: %s", run.pk, exc)
        send_failed()
        TrainingRun.objects.filter(pk=run.pk, status=Status.QUEUED).update(
            status=Status.FAILED,
            not_queued=not_sent_because(exc),
            error=words.RUN_NOT_QUEUED.english(why=why_not_sent(exc))[:5000],
            finished=timezone.now(),
        )
        return
    TrainingRun.objects.filter(pk=run.pk, task_id="").update(task_id=result.id or "")
    try:  # the task queue answers again: the rebuilds it did not take go now
        rebuilds.retry_unqueued()
    except Exception:
        logger.exception("site_assistant: could not retry unqueued builds")


def _train_in_background(run_id: int) -> None:
    try:
        train_on_site.apply(kwargs={"run_id": run_id})
    finally:
        db.connections.close_all()  # this thread's own connections


class Cancelled(Exception):
    """The owner cancelled the run (its row says so): stop at this step."""


def cancel(run_id: int, user=None) -> bool:
    """Mark a queued or running run cancelled; its process stops at its next step check.

    Returns False when the run had already finished (nothing to cancel).
    """
    who = getattr(user, "get_username", lambda: "")() or words.THE_OWNER.english()
    return bool(
        TrainingRun.objects.filter(pk=run_id, status__in=[Status.QUEUED, Status.RUNNING]).update(
            status=Status.CANCELLED,
            stage="cancelled",
            decision=words.CANCELLED.english(who=who),
            metrics={},  # its pace (no result)
            finished=timezone.now(),
        )
    )


# A training's step as its stage says it ("training: step 7/78", "refit: step 40/98").
STEP = re.compile(r"\b(?:(\w+): )?step (\d+)/(\d+)")
# The pace is that of the last RECENT_STEPS steps: a slow start (a first batch, a minute
# the cores were busy elsewhere) counts only while it is recent.
RECENT_STEPS = 10
# Steps after a training's first before its pace is said: two, timed on their own (the
# first step's time holds the slow first batch), so the time left shows from step 3 on,
# a first estimate (time_left.SURE_AFTER_STEPS) until the pace rests on more steps. Three
# said nothing for about the first 2 minutes of a run on a loaded server (set-up 56 s,
# then 15 s a step).
PACE_AFTER_STEPS = 2


class _Progress:
    """Saves progress on the run at most twice a second, and stops a cancelled run.

    From the first training step on it also saves the run's pace in its metrics
    (``PACE``): the training ("training" or "refit"), its last step and how many it
    has, and when each of its last few steps ended, from which the admin estimates
    the time left (site_assistant.training.time_left.seconds_left), and the most
    steps a pace of the run was timed over ("timed"). The set-up before
    the first step (loading the model, making pairs) and the evaluations between
    the trainings say nothing of the steps to come, and are left out of it."""

    def __init__(self, run_id: int, clock=time.time):
        self.run_id, self.last, self.clock = run_id, 0.0, clock
        self.pace: dict | None = None
        self.params: dict | None = None

    def _record_left(self, wall: float, before: tuple) -> None:
        """The time left at this step (``PACE`` "left"), the one figure the run's page
        and a waiting build's note count down from: steady against the previous
        figure (site_assistant.training.time_left.steady_left)."""
        from .time_left import paced_seconds, steady_left

        if self.params is None:
            self.params = (
                TrainingRun.objects.filter(pk=self.run_id).values_list("params", flat=True).first()
                or {}
            )
        shown, shown_at = before
        estimate = paced_seconds(self.pace, self.params)
        if isinstance(shown, (int, float)) and shown_at:
            estimate = steady_left(estimate, shown, wall - shown_at)
        self.pace["left"] = round(estimate, 1)

    def __call__(self, fraction: float, stage: str):
        wall = self.clock()
        if step := STEP.search(stage):
            phase, done, of = step.group(1) or "training", int(step.group(2)), int(step.group(3))
            if self.pace is None or self.pace.get("phase") != phase:
                # A new training: its own steps; the last one's pace stays until then.
                self.pace = {
                    **(self.pace or {}),
                    "phase": phase,
                    "recent": [],
                    "first_of": (self.pace or {}).get("of", of),
                }
            before = (self.pace.get("left"), self.pace.get("at"))
            recent = self.pace["recent"]
            recent.append([done, round(wall, 3)])
            del recent[: -(RECENT_STEPS + 1)]
            self.pace.update(step=done, of=of, at=round(wall, 3))
            if len(recent) > PACE_AFTER_STEPS:
                timed = max(1, recent[-1][0] - recent[0][0])
                self.pace["seconds_a_step"] = round((recent[-1][1] - recent[0][1]) / timed, 3)
                # The most steps a pace of this run rested on: a refit's first steps are
                # not a first estimate after a training of ten (time_left.SURE_AFTER_STEPS).
                self.pace["timed"] = max(timed, self.pace.get("timed", 0))
            if "seconds_a_step" in self.pace:  # the last training's, until this one has its own
                self._record_left(wall, before)
        now = time.monotonic()
        if now - self.last < 0.5 and fraction < 1:
            return
        self.last = now
        saved = TrainingRun.objects.filter(pk=self.run_id, status=Status.RUNNING).update(
            progress=max(0, min(100, int(fraction * 100))),
            stage=stage[:100],
            **({"metrics": {PACE: self.pace}} if self.pace else {}),
        )
        if (
            not saved
            and TrainingRun.objects.filter(pk=self.run_id, status=Status.CANCELLED).exists()
        ):
            raise Cancelled(f"training run #{self.run_id} was cancelled")


def give_memory_back() -> None:
    """After a run the process goes on serving (a web process without a broker, a
    worker): drop the models the run loaded to compare and hand the memory
    training freed back to the system. After a 10-step run in a serving
    process (``make bench-speed PARTS=training``): RSS 2.00 GB → 1.01 GB, 0.46 GB
    before the run; what stays is mostly torch, imported once."""
    from .. import embed, index

    live = index.live_model_ref()
    embed.forget_models_except(embed.active_model_ref(), live)
    gc.collect()
    # glibc keeps freed memory for the process unless asked; others have no such call.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@shared_task(name="site_assistant.training.tasks.train_on_site", ignore_result=True)
def train_on_site(run_id: int) -> dict:
    """Make pairs, fine-tune, evaluate base and tuned, activate only if better.

    The outcome is on the TrainingRun row, not in a result backend: sending a
    task whose result is kept first subscribes to it there, and a result
    backend that is down (the broker's Redis, on a site with one REDIS_URL)
    held the owner's request for its 20 reconnects.
    """
    try:
        return _train(run_id)
    finally:
        give_memory_back()


def _train(run_id: int) -> dict:
    from .finetune import TrainConfig, run_training

    claimed = TrainingRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING,
        started=timezone.now(),
        progress=0,
        stage="starting",
        # A worker's (not a web process's thread): its page names the worker when it is lost.
        runner={**this_process(), "worker": not train_on_site.request.is_eager},
    )
    if not claimed:
        return {"run": run_id, "skipped": "not queued"}
    run = TrainingRun.objects.get(pk=run_id)
    params = {**PARAMS, **{k: v for k, v in run.params.items() if k in PARAMS}}
    refit = bool(run.params.get("refit", RUN_OPTIONS["refit"]))
    try:
        meta = run_training(
            config=TrainConfig(**params),
            activate=bool(run.params.get("activate", True)),
            seed=params["seed"],
            progress=_Progress(run_id),
            show_progress_bar=False,
            refit=refit,
        )
    except Cancelled:
        logger.info("training run #%s cancelled by the owner: stopped", run_id)
        return {"run": run_id, "cancelled": True}
    except Exception as exc:
        logger.exception("training run #%s failed", run_id)
        TrainingRun.objects.filter(pk=run_id, status=Status.RUNNING).update(
            status=Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:5000],
            metrics={},  # its pace (no result)
            finished=timezone.now(),
        )
        return {"run": run_id, "error": str(exc)}
    TrainingRun.objects.filter(pk=run_id).update(
        status=Status.SUCCEEDED,
        model_dir=meta.get("served_model_dir") or meta["model_dir"],
        activated=meta["activated"],
        decision=meta["decision"],
        metrics={
            "dev": meta["metrics"],
            "pairs": meta["pairs"],
            "pairs_trained": meta.get("pairs_trained"),
            "steps": meta["steps"],
            "epochs": meta.get("epochs"),
            "train_seconds": meta["train_seconds"],
            "recommended_min_score": meta["served_min_score"],
            # The model served after a refit: trained again on every section.
            **(
                {"refit": {k: meta["refit"].get(k) for k in ("pairs", "steps", "train_seconds")}}
                if meta.get("refit")
                else {}
            ),
        },
        progress=100,
        stage="done",
        finished=timezone.now(),
    )
    return {"run": run_id, "activated": meta["activated"], "model_dir": meta["model_dir"]}
