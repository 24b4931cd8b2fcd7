"""How long a training run has left, in words: from the pace of its last steps (the
process running it records it, site_assistant.training.tasks), steady as it counts down.

Read by the run's admin page, a build waiting behind the run (site_assistant.tasks) and
the process that records the figure, so it sits below them all.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext, ngettext

from ..models import TrainingRun

# Where the run's process keeps its pace among the run's metrics.
PACE = "pace"

# A run whose worker records no pace of its steps (older code) gives an estimate
# from this progress on, at its pace since it started.
ESTIMATE_FROM_PROGRESS = 10
# The refit trains on every pair, the test sections' fifth too (DEV_FRACTION): a
# quarter more steps than the first training (78, then 98 on the demo site).
REFIT_STEPS_A_STEP = 1 / (1 - 0.2)
# What a run does besides its steps, in steps' time (the phase's seconds over the
# seconds a step took in the same run, so it follows the server's load as the steps
# do): comparing the base and the trained model on the test questions (84.3 s at
# 14.8 s a step: 6), loading the model again and the refit's slow first batch
# (2), the refit's answer threshold, the site embedded once with its model, a fifth
# of the comparison's embedding (2), and what the run does once decided (1: with a
# worker it queues the index build). Measured with `make bench-speed
# PARTS=training` (phases_s; docs/benchmarks.md).
PHASE_STEPS = {"evaluating": 6, "refit_setup": 2, "threshold": 2, "activating": 1}
# How far from the figure shown (counted down since) a new estimate of the time left
# must be, above or below, to be shown: steps that took 4 to 20 s by turns moved a
# ten-step pace, and the time left read 28, 24, 24, 26, 27, 28 minutes 15 s apart. A
# quarter above, and any estimate below taken at once, held the figure a fifth short
# for the rest of a run whose steps went from 4 to 15 s (the server got busy): it
# counted down at the clock's pace, the estimate too, and the gap never grew to a
# quarter. 15 %: 2.3 times the spread of a ten-step pace of steps of 15 s +-35 %.
PACE_CHANGED = 0.15
# A pace timed over fewer steps than this (training.tasks.RECENT_STEPS, its window) is
# a first estimate: said so, and rounded up to 5 minutes past 10 (two steps of a run
# whose steps take 11 to 20 s by turns may be a third off).
SURE_AFTER_STEPS = 10


def pace_of(run: TrainingRun) -> dict | None:
    """The pace the run's process recorded (training.tasks._Progress), once it has
    timed enough steps to go by (training.tasks.PACE_AFTER_STEPS after a training's
    first), else None."""
    pace = (run.metrics or {}).get(PACE)
    try:
        if float(pace["seconds_a_step"]) > 0 and pace["phase"] and int(pace["of"]) > 0:
            return pace
    except (KeyError, TypeError, ValueError):
        pass
    return None


def seconds_left(run: TrainingRun, now: float) -> float | None:
    """The run's time left: the figure its process recorded at its last step
    (``PACE`` "left", see ``paced_seconds`` and training.tasks._Progress), less the
    time since that step, so it counts down between steps and never jumps back up by
    the jitter of a step's time. A run recorded without it: ``paced_seconds`` at that
    step. None before its steps have a pace (see ``pace_of``)."""
    pace = pace_of(run)
    if pace is None:
        return None
    left = pace.get("left")
    if not isinstance(left, (int, float)):
        left = paced_seconds(pace, run.params or {})
    return max(0.0, float(left) - max(0.0, now - float(pace.get("at") or now)))


def paced_seconds(pace: dict, params: dict) -> float:
    """The run's time left at its last step, at the pace of its last steps: the steps
    still to do in this training (and the refit's, if one may follow) and the phases
    between and after them in steps' time (PHASE_STEPS)."""
    per_step, of = float(pace["seconds_a_step"]), int(pace["of"])
    steps = max(0, of - int(pace.get("step") or 0)) + PHASE_STEPS["activating"]
    if pace["phase"] == "refit":
        steps += PHASE_STEPS["threshold"]
    else:
        steps += PHASE_STEPS["evaluating"]
        if params.get("refit", True) and params.get("activate", True):
            max_steps = int(params.get("max_steps") or -1)
            refit = max_steps if max_steps > 0 else round(of * REFIT_STEPS_A_STEP)
            steps += PHASE_STEPS["refit_setup"] + refit + PHASE_STEPS["threshold"]
    return steps * per_step


def steady_left(estimate: float, shown: float | None, since: float) -> float:
    """What to show as the time left, from ``estimate`` (``paced_seconds`` now) and the
    figure ``shown`` ``since`` seconds ago: that figure less the time gone by, unless
    the estimate is more than PACE_CHANGED above or below it (the pace really changed:
    a busier or a quieter server, not one slow or fast batch)."""
    if shown is None:
        return estimate
    counted_down = max(0.0, shown - max(0.0, since))
    if counted_down and abs(estimate / counted_down - 1) <= PACE_CHANGED:
        return counted_down
    return estimate


def time_left(run: TrainingRun, now=None) -> str:
    """An estimate of the whole run's remaining time, in words ("" if unknown).

    From the pace of its last steps once it has one (``seconds_left``): the set-up
    before the first step and the evaluations between the trainings are left out
    of that pace (a pace from the run's start grew by a minute every few seconds
    while the model loaded; one over every step since the first still said 19
    minutes at step 41 of 80 when its steps took 4 to 5 s). A pace of fewer than
    SURE_AFTER_STEPS steps is said as a first estimate. Before it has a pace, nothing
    (its page says it is working one out: ``time_left_on_page``), not the last run's
    time less this one's (a step takes 4 s on a quiet 2-core server, 14.8 s on a busy
    one). A run whose worker records no pace (older code): its progress over its time
    since it started.
    """
    from django.utils import timezone

    if not run.is_active or not run.started or not 0 < run.progress < 100:
        return ""
    now = now or timezone.now()
    paced = seconds_left(run, now.timestamp())
    if paced is not None:
        timed = pace_of(run).get("timed")
        return left_words(paced, first=isinstance(timed, int) and timed < SURE_AFTER_STEPS)
    if not (run.metrics or {}).get("pace") and run.progress >= ESTIMATE_FROM_PROGRESS:
        elapsed = (now - run.started).total_seconds()
        return left_words(elapsed / run.progress * (100 - run.progress))
    return ""


def time_left_on_page(run: TrainingRun, now=None) -> str:
    """What a run's page (and its status JSON) says of its time left: ``time_left``, or,
    from its start until its steps have a pace, that it is being worked out (its box
    said nothing for the first minutes, as if no estimate were coming)."""
    left = time_left(run, now)
    if (
        left
        or run.status != TrainingRun.Status.RUNNING
        or not run.started
        or run.progress >= 100
        or pace_of(run) is not None
    ):
        return left
    return gettext("estimating the time left from the first steps…")


def left_words(seconds: float, first: bool = False) -> str:
    """ "about 3 minutes left (estimate)": a run's, or a build's (its page works it out).
    ``first``: from the pace of a run's first few steps, "about 25 minutes left (first
    estimate)", past 10 minutes rounded up to 5: not a figure to the minute from two
    steps, and one the figure to the minute after it steps down from, not up to."""
    if seconds < 60:
        return gettext("less than a minute left (estimate)")
    minutes = round(seconds / 60)
    if not first:
        return ngettext(
            "about %(minutes)d minute left (estimate)",
            "about %(minutes)d minutes left (estimate)",
            minutes,
        ) % {"minutes": minutes}
    if minutes > 10:
        minutes = 5 * math.ceil(minutes / 5)
    return ngettext(
        "about %(minutes)d minute left (first estimate)",
        "about %(minutes)d minutes left (first estimate)",
        minutes,
    ) % {"minutes": minutes}
