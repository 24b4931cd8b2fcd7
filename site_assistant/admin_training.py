"""Admin for fine-tuning: TrainingRun ("Train on site content").

Imported at the end of ``site_assistant/admin.py``. A run is started with a POST
button on the Training runs list; its page refreshes itself while the run
is queued or running (status, stage, progress), then shows the dev metrics
of the base and the tuned model and the activation decision.
"""

import json
from pathlib import Path

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import embed, rebuilds, stored_words
from .models import IndexBuild, NotQueued, Passage, TrainingRun
from .tasks import no_worker_now, training_note
from .templatetags.search_admin import (
    BackToTheListAfterDelete,
    CardsOnAPhone,
    NamesItsFields,
    SaysMigrationsPending,
    date_column,
    number,
    percent,
    titled,
)
from .training.metrics import METRIC_NAMES
from .training.time_left import (  # the run's time left: the pages here, a waiting build
    PHASE_STEPS,
    time_left_on_page,
)

# The run's recorded settings, in words: (label, what it means). Keys not
# listed here are shown by name.
PARAM_HELP = {
    "epochs": (_("Epochs"), _("passes over the training questions")),
    "batch_size": (_("Batch size"), _("questions compared with each other at each step")),
    "learning_rate": (_("Learning rate"), _("how far each step moves the model")),
    "max_steps": (
        _("Step limit"),
        _("stop after this many steps (-1: no limit, the epochs decide)"),
    ),
    "seed": (_("Seed"), _("the same seed makes the same questions and the same split")),
    "refit": (
        _("Refit on everything"),
        _("after the comparison, train once more on every section, the test questions' too"),
    ),
    "activate": (_("Activate if better"), _("serve the trained model if it ranks better")),
    "requested_by": (_("Requested by"), _("the staff member who pressed the button")),
}


def _param_value(value) -> str:
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if value in (None, ""):
        return "–"
    return str(value)


# Where an activated run's model is, and the build that failed it ("failed", "stop_failed").
ServedState = tuple[str, "IndexBuild | None"]


def failure_in_words(run: TrainingRun) -> str:
    """What a failed run's page says of its error: the error, or, for a run whose process
    was found gone (training.tasks.abandon_stale_runs), which process it was (a worker
    killed, or a web process restarted) and, when no worker runs now, that a new run
    would wait for one and how to start one (as the Training runs list says)."""
    from .training.tasks import ABANDONED

    if run.status != TrainingRun.Status.FAILED or not run.error.startswith(ABANDONED):
        return stored_words.say(run.error, stored_words.TRAINING_ERRORS)
    if (run.runner or {}).get("worker"):
        said = gettext(
            "Lost: the worker running it stopped before it finished (killed, out of memory, "
            "or its host restarted). No model was switched on."
        )
    else:
        said = gettext(
            "Lost: the web process running it stopped before it finished (a server restart?). "
            "No model was switched on."
        )
    silent = no_worker_now()
    if silent:
        return " ".join([said, silent, gettext("A new run waits, queued, until a worker runs.")])
    return " ".join([said, gettext("Start a new run.")])


def duration_words(seconds: float) -> str:
    """ "45 s", "2 min 05 s", "1 h 03 min": how long, to the second under an hour."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    words = clock_words()
    if hours:
        return words["hours"] % {"hours": hours, "minutes": f"{minutes:02d}"}
    if minutes:
        return words["minutes"] % {"minutes": minutes, "seconds": f"{secs:02d}"}
    return words["seconds"] % {"seconds": secs}


def clock_words() -> dict:
    """The words of a run's clock, in the owner's language: ``duration_words`` and
    ``elapsed_words`` say them, and the run's page (training-status.js) counts on with them."""
    return {
        "hours": gettext("%(hours)s h %(minutes)s min"),
        "minutes": gettext("%(minutes)s min %(seconds)s s"),
        "seconds": gettext("%(seconds)s s"),
        "running": gettext("running for %(time)s"),
        "queued": gettext("queued for %(time)s"),
    }


def elapsed(run: TrainingRun, now=None) -> tuple[str, int] | None:
    """("queued" or "running", seconds since) for a run that goes on, else None.

    The page counts on from it every second between two polls, so the owner sees
    the run is alive while a long step keeps its progress where it is.
    """
    from django.utils import timezone

    if run.status == TrainingRun.Status.RUNNING and run.started:
        state, since = "running", run.started
    elif run.status == TrainingRun.Status.QUEUED and run.created:
        state, since = "queued", run.created
    else:
        return None
    return state, max(0, int(((now or timezone.now()) - since).total_seconds()))


def elapsed_words(run: TrainingRun, now=None) -> str:
    """ "running for 2 min 05 s" ("" once the run has finished)."""
    found = elapsed(run, now)
    if not found:
        return ""
    return clock_words()[found[0]] % {"time": duration_words(found[1])}


def _percent(value) -> str:
    return percent(number(100 * float(value), 1))


def guard_passed(run: TrainingRun) -> bool:
    """Whether the trained model beat the base model (activated, or would have been:
    a run started not to activate records "not activated (…), though …")."""
    decision = run.decision or ""
    return decision.startswith("activated") or ", though" in decision


def first_right(run: TrainingRun) -> tuple[str, str] | None:
    """(tuned, base): the share of test questions whose right section came first."""
    dev = (run.metrics or {}).get("dev") or {}
    try:
        return _percent(dev["tuned"]["accuracy@1"]), _percent(dev["base"]["accuracy@1"])
    except (KeyError, TypeError, ValueError):
        return None


def result_in_words(run: TrainingRun, served: ServedState | None = None) -> tuple[str, str]:
    """(what happened, what to do next) for a finished run, in the owner's words.

    ("", "") while the run goes on. The figures behind it stay on the page
    ("How it was decided", "Scores on test questions"). ``served``: the run's
    ``_served_state``, when the caller has worked it out already.
    """
    Status = TrainingRun.Status
    unchanged = gettext("Visitors get the same answers as before.")
    if run.is_active:
        return "", ""
    new_run = gettext("“Train on site content” on the Training runs list starts a new run.")
    if run.status == Status.CANCELLED:
        return (
            gettext("Cancelled: no model was switched on.") + " " + unchanged,
            new_run,
        )
    if run.status == Status.FAILED:
        return (
            gettext("This run failed (the error is below): no model was switched on.")
            + " "
            + unchanged,
            new_run,
        )
    figures = first_right(run)
    shares = {"tuned": figures[0], "base": figures[1]} if figures else {}
    if not guard_passed(run):
        if figures:
            worse = gettext(
                "The trained model was not clearly better than the base model on test "
                "questions the training did not see: it found the right section first for "
                "%(tuned)s of them (the base model: %(base)s), so it was not switched on."
            )
        else:
            worse = gettext(
                "The trained model was not clearly better than the base model on test "
                "questions the training did not see, so it was not switched on."
            )
        return (
            worse % shares + " " + unchanged,
            gettext(
                "Nothing to do. Training again helps most after you add example questions for "
                "the questions visitors asked that went unanswered."
            ),
        )
    if figures:
        head = gettext(
            "The trained model did better than the base model on test questions the training "
            "did not see: it found the right section first for %(tuned)s of them (the base "
            "model: %(base)s)."
        )
    else:
        head = gettext(
            "The trained model did better than the base model on test questions the training "
            "did not see."
        )
    head = head % shares + " "
    if not run.activated:
        return (
            head + gettext("This run was started not to switch it on.") + " " + unchanged,
            gettext("“Serve this model” below switches it on."),
        )
    state, failed = served or _served_state(run)
    if state == "failed":
        return (
            head
            + gettext(
                "But the index build with it failed (Index build #%(number)s), so the model "
                "before it still answers your visitors."
            )
            % {"number": failed.pk},
            gettext(
                "Read why on “Index builds”, then press “Rebuild index now”: this model "
                "answers once a build with it has succeeded."
            ),
        )
    if state == "rebuilding":
        return (
            head
            + gettext(
                "The index is being rebuilt with it: it answers your visitors once that build "
                "has succeeded; until then the model before it answers."
            ),
            gettext(
                "Follow the build on “Index builds”; once it has succeeded, ask a few of your "
                "visitors’ questions in “Try a question”."
            ),
        )
    if state == "stopping":
        return (
            head
            + gettext(
                "It was switched off, but it answers your visitors until the index rebuilt "
                "with the model chosen instead has succeeded."
            ),
            gettext(
                "Follow the build on “Index builds”; once it has succeeded, the other model "
                "answers."
            ),
        )
    if state == "stop_failed":
        return (
            head
            + gettext(
                "It was switched off, but the index build without it failed (Index build "
                "#%(number)s), so it still answers your visitors."
            )
            % {"number": failed.pk},
            gettext(
                "Read why on “Index builds”, then press “Rebuild index now”: the model chosen "
                "instead answers once a build with it has succeeded."
            ),
        )
    if state == "live":
        return (
            head + gettext("It now answers your visitors (the index was rebuilt with it)."),
            gettext(
                "Ask a few of your visitors’ questions in “Try a question” and check the "
                "answers. If they seem worse, “Serve the base model” on the Training runs list "
                "switches back; this model is kept and can be served again."
            ),
        )
    return (
        head
        + gettext("It answered visitors until it was switched off (another model is served now)."),
        gettext("“Serve this model” below switches it back on."),
    )


def _refit_note(refit) -> str:
    """The refit's own figures: the model served was trained again, not the one compared."""
    if not isinstance(refit, dict):
        return ""
    return format_html(
        "<p>{}</p>",
        gettext(
            "Having done better, it was trained again with the test questions' sections "
            "included, on %(pairs)s pairs, %(steps)s steps, %(seconds)s s of training: that is "
            "the model switched on (the scores above are the first one's, the only one with "
            "questions it did not see)."
        )
        % _trained_on(refit),
    )


def _recorded(found: dict, name: str, places: int) -> str:
    """A figure a run recorded, as the reader's language writes it ("141,4" in German,
    ``stored_words.figure``); "?" where it recorded none."""
    value = found.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    return stored_words.figure(value, places, grouping=True)


def _trained_on(found: dict) -> dict:
    """The pairs, steps and seconds of a training (the run's or its refit's), in figures."""
    return {
        "pairs": _recorded(found, "pairs", 0),
        "steps": _recorded(found, "steps", 0),
        "seconds": _recorded(found, "train_seconds", 1),
    }


def served_threshold(run: TrainingRun) -> str:
    """What answer threshold the live index uses, beside the run's suggested one, and why
    they differ: an index build calibrates its own (site_assistant.answerability) unless
    the settings fix one; the model's suggestion serves only an index without either."""
    from . import conf, index, services

    try:
        version = index.load_current()
    except services.IndexNotReady:
        return ""
    used = services.min_score(version)
    suggested = (run.metrics or {}).get("recommended_min_score")
    live = _live(run)
    calibrated = version.calibration.get("min_score")
    if conf.get("MIN_SCORE") is not None:
        why = gettext('fixed in the site’s settings (SITE_ASSISTANT["MIN_SCORE"])')
    elif isinstance(calibrated, int | float) and used == calibrated:
        why = gettext(
            "set when the index was built, from questions about something else: most of "
            "them score below it on this site. That calibration, not the training’s "
            "suggestion, decides"
        )
    elif suggested is not None and live and round(used, 3) == suggested:
        why = gettext("the training’s suggestion above (the index set none of its own)")
    else:
        why = gettext("the default (the index set none of its own; rebuilding it sets one)")
    if live:
        said = gettext(
            "The index answering your visitors now (built with this model) uses %(score)s: %(why)s."
        )
    else:
        said = gettext(
            "The index answering your visitors now (built with another model) uses %(score)s: "
            "%(why)s."
        )
    return format_html("<p>{}</p>", said % {"score": stored_words.figure(used, 4), "why": why})


def _last_took() -> str:
    """How long the last run that succeeded here took, in words ("" before one has)."""
    last = (
        TrainingRun.objects.filter(
            status=TrainingRun.Status.SUCCEEDED, started__isnull=False, finished__isnull=False
        )
        .order_by("-finished")
        .first()
    )
    return duration_words((last.finished - last.started).total_seconds()) if last else ""


# Seconds a training step takes, to estimate a run before this site has finished one,
# as the run's page times them (the steps after the first: seconds_left). On a 2-core
# server with the training alone: about 4 s, a run from the button on the demo site
# with one worker (steps 41 to 80 of its 80). While other work shares the cores:
# 14.8 s at load average 10 (`make bench-speed PARTS=training`, seconds_a_step;
# docs/benchmarks.md).
SECONDS_A_STEP = (4.0, 14.8)
# Making the pairs, loading the model and the first, slow batch, in steps' time
# (24.1 + 32.1 s at 14.8 s a step, the bench's phases_s): 4.
SET_UP_STEPS = 4


def planned_steps() -> dict | None:
    """The steps a run started now with the button's settings will do, a range, counted
    without making its pairs (None: no passages to make them from).

    Making them in the owner's GET took 2.16 s in a fresh process on the demo site,
    loaded scikit-learn into the web process and grew with the site (docs/admin.md,
    "Training runs"): this counts rows instead. Each passage yields what the pair
    generator's own parameters say (``questions_a_passage``), plus the questions people
    wrote (the owner's example questions, visitors' marked helpful).
    {"sections": n, "written": n, "batch": n, "first": (fewest, most), "refit": (fewest,
    most)}:
    the training's steps on all but the test sections' share (DEV_FRACTION), then the
    refit's on every pair, if the new version does better."""
    from .examples import split_link
    from .models import ExampleQuestion, Question
    from .training.config import TrainConfig
    from .training.pairs.generate import questions_a_passage
    from .training.pairs.make import DEV_FRACTION
    from .training.tasks import PARAMS

    sections = Passage.objects.count()
    if not sections:
        return None
    # A question people wrote trains only if it links to a section the index holds (or,
    # without an anchor, to its page): as training.pairs.owner finds it, but by link alone.
    held = set(Passage.objects.values_list("url", "anchor").distinct())
    pages = {url for url, _anchor in held}
    links = [
        split_link(link)
        for link in (
            *ExampleQuestion.objects.answering().values_list("url", flat=True),
            *Question.objects.trainable().exclude(top_url="").values_list("top_url", flat=True),
        )
    ]
    written = sum(
        1 for url, anchor in links if (url, anchor) in held or not anchor and url in pages
    )
    config = TrainConfig(**PARAMS)
    pairs = [written + sections * each for each in questions_a_passage()]
    return {
        "sections": sections,
        "written": written,
        "batch": config.batch_size,
        "first": tuple(config.steps(round(n * (1 - DEV_FRACTION))) for n in pairs),
        "refit": tuple(config.steps(n) for n in pairs),
    }


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


def start_estimate() -> dict:
    """How long a run started now will take, and where the figure comes from:
    {"text": "About 10 minutes", "why": "Worked out from …"}, two sentences for the page (no
    brackets inside brackets, each term said); {} when there is nothing to go by.

    The last run that succeeded here, if there is one (this server, this site);
    else the steps this run will do at the seconds a step measured elsewhere
    (``SECONDS_A_STEP``), a range."""
    last = (
        TrainingRun.objects.filter(
            status=TrainingRun.Status.SUCCEEDED, started__isnull=False, finished__isnull=False
        )
        .order_by("-finished")
        .first()
    )
    if last is not None:
        took = (last.finished - last.started).total_seconds()
        minutes = _minutes(took)
        return {
            "text": ngettext("About %(minutes)d minute", "About %(minutes)d minutes", minutes)
            % {"minutes": minutes},
            "why": gettext(
                "Worked out from the last run here, Training #%(number)s, which took "
                "%(took)s; a run takes longer while the server is busy with other work"
            )
            % {"number": last.pk, "took": duration_words(took)},
        }
    planned = planned_steps()
    if planned is None:
        return {}
    first, refit = planned["first"], planned["refit"]
    besides = SET_UP_STEPS + sum(PHASE_STEPS.values())
    fast = _minutes((first[0] + refit[0] + besides) * SECONDS_A_STEP[0])
    slow = _minutes((first[1] + refit[1] + besides) * SECONDS_A_STEP[1])
    if fast < slow:
        text = gettext("About %(fast)d to %(slow)d minutes") % {"fast": fast, "slow": slow}
    else:
        text = ngettext("About %(minutes)d minute", "About %(minutes)d minutes", fast) % {
            "minutes": fast
        }
    why = gettext(
        "Worked out from the steps the run will take, a step being one batch of %(batch)d "
        "practice questions, which come from %(sections)d sections of the site and "
        "%(written)d questions people wrote: it learns in %(first)s steps, then %(refit)s "
        "more if the new version does better and is trained once more on every section, "
        "and making the questions, loading the model and testing it take about as long "
        "as %(besides)d steps more; the range depends on how busy the server is, a step "
        "taking %(quiet)s s on a 2-core server that runs only the training and up to "
        "%(busy)s s while other work shares its cores; once a run has finished here, the "
        "estimate comes from how long it took"
    )
    return {
        "text": text,
        "why": why
        % {
            "batch": planned["batch"],
            "sections": planned["sections"],
            "written": planned["written"],
            "first": _span(first),
            "refit": _span(refit),
            "besides": besides,
            "quiet": f"{SECONDS_A_STEP[0]:.1f}",
            "busy": f"{SECONDS_A_STEP[1]:.1f}",
        },
    }


def _span(steps: tuple[int, int]) -> str:
    if steps[0] < steps[1]:
        return gettext("%(fewest)d to %(most)d") % {"fewest": steps[0], "most": steps[1]}
    return str(steps[0])


def _started_note(run: TrainingRun) -> str:
    """What "Yes, start training" did, by the run's own status: not "Training #1
    (Queued) started"."""
    if run.status == TrainingRun.Status.QUEUED:
        return gettext(
            "Training #%(number)s is queued: it starts as soon as it can, and this page "
            "updates as it runs."
        ) % {"number": run.pk}
    if run.status == TrainingRun.Status.RUNNING:
        return gettext("Training #%(number)s started: this page updates while it runs.") % {
            "number": run.pk
        }
    # The status as its label says it: lowercased, German's "Eingereiht" or a noun read wrong.
    return gettext("Training #%(number)s: %(status)s.") % {
        "number": run.pk,
        "status": run.get_status_display(),
    }


def _active_runs():
    return TrainingRun.objects.filter(
        status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]
    )


@admin.register(TrainingRun)
class TrainingRunAdmin(
    SaysMigrationsPending, BackToTheListAfterDelete, CardsOnAPhone, NamesItsFields, admin.ModelAdmin
):
    # Serve, Serve the base model and Train (once the run activates its model) set off an
    # index build, and a run's pages show the build that serves its model: while a build
    # cannot run, its pages say to migrate first (Serve switched the model, then failed).
    every_view_also_reads = rebuilds.TABLES
    list_display = [
        "__str__",
        "status",
        "progress_display",
        "stage_display",
        "first_right_display",
        "activated_display",
        "created_display",
        "duration_display",
    ]
    list_filter = [
        ("status", titled(pgettext_lazy("list filter", "status"))),
        ("activated", titled(pgettext_lazy("list filter", "activated"))),
    ]
    change_list_template = "admin/site_assistant/trainingrun/change_list.html"
    change_form_template = "admin/site_assistant/trainingrun/change_form.html"
    # Status, stage and progress are in the box above the fields (updated in place).
    readonly_fields = [
        "decision_display",
        "metrics_table",
        "model_dir",
        "activated_display",
        "params_display",
        "error_display",
        "task_id",
        "requested_at",
        "started_at",
        "finished_at",
    ]
    # Named by their model in English only ("Model dir", "Task id").
    field_labels = {"model_dir": _("Model folder"), "task_id": _("Task")}
    # The settings are the trainer's terms (learning rate, step limit, seed): folded
    # under "Technical details". The model's folder and the task's id mean nothing to
    # the owner: kept for a developer in a collapsed section at the end.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "decision_display",
                    "metrics_table",
                    "activated_display",
                    "error_display",
                    "requested_at",
                    "started_at",
                    "finished_at",
                ]
            },
        ),
        (
            _("Technical details"),
            {
                "classes": ["collapse"],
                "fields": ["params_display"],
                "description": _(
                    "The training's settings, each with what it means; every run "
                    "from the button uses the same ones."
                ),
            },
        ),
        (
            _("For developers"),
            {
                "classes": ["collapse"],
                "fields": ["model_dir", "task_id"],
                "description": _(
                    "Where the trained model is kept and the Celery task that "
                    "ran the training, for a developer reading the logs."
                ),
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # runs are started with the button, not typed in

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (
            obj and obj.status in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)
        )

    created_display = date_column("created", _("Requested"))
    # On a run's page, whose box counts on while it runs: the time itself ("7 Dec 2026,
    # 10:21:35 UTC"), not "2 seconds ago" as the page was drawn, beside "running for 44 s".
    requested_at = date_column("created", _("Requested"), clock=True)
    started_at = date_column("started", _("Started"), clock=True)
    finished_at = date_column("finished", _("Finished"), clock=True)

    @admin.display(description=_("Activated"))
    def activated_display(self, run, served: ServedState | None = None):
        """Yes/No once decided; nothing while the run is going (not a premature ❌).
        ``served``: the run's ``_served_state``, when worked out already."""
        if run.is_active:
            return gettext("not decided yet")
        if run.status != TrainingRun.Status.SUCCEEDED:
            return gettext("No")
        if not run.activated:
            return gettext("No (not better than the model served)")
        return SERVED_STATES[(served or _served_state(run))[0]]

    @admin.display(description=_("Settings"))
    def params_display(self, run):
        params = run.params or {}
        known = [key for key in PARAM_HELP if key in params]
        rows = [(*PARAM_HELP[key], _param_value(params[key])) for key in known]
        rows += [
            (key, "", _param_value(value)) for key, value in params.items() if key not in PARAM_HELP
        ]
        if not rows:
            return "–"
        return format_html(
            '<table class="search-admin__params"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            gettext("Setting"),
            gettext("Value"),
            gettext("What it means"),
            format_html_join(
                "",
                '<tr><th scope="row">{}</th><td>{}</td><td class="help">{}</td></tr>',
                ((label, value, meaning) for label, meaning, value in rows),
            ),
        )

    @admin.display(description=_("Progress"))
    def progress_display(self, run):
        return format_html(
            '<progress max="100" value="{}" aria-label="{}">{}</progress> {}',
            run.progress,
            gettext("Training progress"),
            percent(run.progress),
            percent(run.progress),
        )

    @admin.display(description=_("stage"), ordering="stage")
    def stage_display(self, run):
        return run.stage_words()

    @admin.display(description=_("Right section first (base → trained)"))
    def first_right_display(self, run):
        """The share of test questions answered by the right section, in percent."""
        figures = first_right(run)
        return f"{figures[1]} → {figures[0]}" if figures else "–"

    @admin.display(description=TrainingRun._meta.get_field("error").verbose_name)
    def error_display(self, run):
        """The error as the box above says it: in the owner's language when the app wrote it."""
        return failure_in_words(run) or "–"

    @admin.display(description=_("How it was decided"))
    def decision_display(self, run):
        if not run.decision:
            return "–"
        if "ndcg@10" not in run.decision:
            return run.decision_words()
        return format_html(
            '<p>{}</p><p class="help">{}</p>',
            run.decision_words(),
            gettext(
                "ndcg@10: a score from 0 to 1 of how high the right section ranks among the "
                "first ten results (1: always first); %(percent)s low: the smallest gain the "
                "comparison is %(percent)s sure of (it must be above 0); natural questions: "
                "test questions worded as visitors write them."
            )
            % {"percent": "95%"},
        )

    @admin.display(description=_("Duration"))
    def duration_display(self, run):
        if run.started and run.finished:
            return duration_words((run.finished - run.started).total_seconds())
        return "–"

    @admin.display(description=_("Scores on test questions"))
    def metrics_table(self, run):
        dev = (run.metrics or {}).get("dev") or {}
        base, tuned = dev.get("base") or {}, dev.get("tuned") or {}
        if not base or not tuned:
            return "–"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((m, _recorded(base, m, 4), _recorded(tuned, m, 4)) for m in METRIC_NAMES if m in base),
        )
        note = format_html(
            "<p>{}</p>{}{}",
            gettext(
                "Trained on %(pairs)s pairs (a question made from the site with the passage "
                "that answers it), %(steps)s steps, %(seconds)s s of training. Answer threshold "
                "the training suggested for the trained model: %(threshold)s (from 0 to 1; set "
                "between the scores of its test questions and of nonsense questions)."
            )
            % {
                **_trained_on(run.metrics),
                # To three places, as the training records it (finetune.recommend_min_score).
                "threshold": _recorded(run.metrics, "recommended_min_score", 3)
                if run.metrics.get("recommended_min_score") is not None
                else "–",
            },
            _refit_note(run.metrics.get("refit")),
            served_threshold(run),
        )
        return format_html(
            '<p class="help">{}</p>'
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>{}",
            gettext(
                "Questions made from sections the training did not see, asked of both models; "
                "each score is from 0 to 1 (1: always right). accuracy@1: the share whose right "
                "section came first; accuracy@3: among the first three."
            ),
            gettext("metric"),
            gettext("base"),
            gettext("tuned"),
            rows,
            note,
        )

    def get_urls(self):
        train = path(
            "train/",
            self.admin_site.admin_view(self.train_view),
            name="site_assistant_trainingrun_train",
        )
        serve_base = path(
            "serve-base/",
            self.admin_site.admin_view(self.serve_base_view),
            name="site_assistant_trainingrun_serve_base",
        )
        cancel = path(
            "<int:run_id>/cancel/",
            self.admin_site.admin_view(self.cancel_view),
            name="site_assistant_trainingrun_cancel",
        )
        status = path(
            "<int:run_id>/status/",
            self.admin_site.admin_view(self.status_view),
            name="site_assistant_trainingrun_status",
        )
        serve = path(
            "<int:run_id>/serve/",
            self.admin_site.admin_view(self.serve_view),
            name="site_assistant_trainingrun_serve",
        )
        return [train, serve_base, cancel, status, serve, *super().get_urls()]

    def status_view(self, request, run_id):
        """GET: the run's status as JSON, polled by its page (no full reload)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = TrainingRun.objects.filter(pk=run_id).first()
        if run is None:
            return JsonResponse({"error": gettext("No such training run.")}, status=404)
        served = _served_state_if_activated(run)
        return JsonResponse(
            {
                "id": run.pk,
                "status": run.status,
                "status_display": run.get_status_display(),
                "active": run.is_active,
                "progress": run.progress,
                # "40%", "40 %" in German: the percent as the page's own template writes it.
                "progress_words": percent(run.progress),
                "stage": run.stage,
                "stage_words": run.stage_words(),
                "decision": run.decision_words(),
                "error": failure_in_words(run),
                "activated": self.activated_display(run, served),
                "rebuilding": _rebuilding(run, served),
                "time_left": time_left_on_page(run),
                "elapsed": elapsed_words(run),
                "elapsed_seconds": (elapsed(run) or (None, None))[1],
                "waiting": training_note(run),
            }
        )

    def cancel_view(self, request, run_id):
        """Staff who may train: GET asks to confirm, POST cancels a queued or running run.

        A page of its own, not a script's confirm(): it works without JavaScript
        and under a strict Content-Security-Policy.
        """
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm("site_assistant.add_trainingrun"):
            raise PermissionDenied
        from .training.tasks import cancel

        run_url = reverse("admin:site_assistant_trainingrun_change", args=[run_id])
        if request.method == "GET":
            run = TrainingRun.objects.filter(pk=run_id).first()
            if run is None or not run.is_active:
                messages.info(
                    request,
                    gettext("Training #%(number)s is not running: nothing to cancel.")
                    % {"number": run_id},
                )
                return HttpResponseRedirect(run_url)
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Cancel %(run)s?") % {"run": run},
                "opts": self.model._meta,
                "run": run,
                "run_url": run_url,
            }
            return TemplateResponse(
                request, "admin/site_assistant/trainingrun/cancel_confirm.html", context
            )

        if cancel(run_id, request.user):
            messages.success(
                request,
                gettext(
                    "Training #%(number)s cancelled: it stops at its next step and activates "
                    "nothing."
                )
                % {"number": run_id},
            )
        else:
            messages.info(
                request,
                gettext("Training #%(number)s had already finished: nothing to cancel.")
                % {"number": run_id},
            )
        return HttpResponseRedirect(run_url)

    def train_view(self, request):
        """Staff who may train: GET (or a POST without ``confirm``) asks to confirm, saying
        in words what a run does, what it leaves and how long it will take; a POST with
        ``confirm`` creates a run and enqueues it. A page of its own, as Cancel's."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not request.user.has_perm("site_assistant.add_trainingrun"):
            raise PermissionDenied
        from .training.finetune import missing_extra
        from .training.tasks import start_training

        problem = missing_extra()
        if problem:
            messages.error(request, problem)
            return HttpResponseRedirect(reverse("admin:site_assistant_trainingrun_changelist"))
        already = _active_runs().first()
        if already is None and not Passage.objects.exists():
            # The run would fail a few seconds in with "no passages to make pairs from".
            messages.error(
                request,
                format_html(
                    gettext(
                        "There is nothing to train on yet: the index holds no passages of the "
                        'site. Press "Rebuild index now" on <a href="{}">Index builds</a>, then '
                        "train once the build has succeeded."
                    ),
                    reverse("admin:site_assistant_indexbuild_changelist"),
                ),
            )
            return HttpResponseRedirect(reverse("admin:site_assistant_trainingrun_changelist"))
        if request.method == "GET" or "confirm" not in request.POST:
            if already is not None:
                messages.info(request, gettext("%(run)s is already under way.") % {"run": already})
                return HttpResponseRedirect(
                    reverse("admin:site_assistant_trainingrun_change", args=[already.pk])
                )
            return self._train_confirm(request)
        run = start_training(user=request.user, activate=request.POST.get("activate", "1") == "1")
        run.refresh_from_db()
        if already is not None and run.pk == already.pk:
            messages.info(request, gettext("%(run)s is already under way.") % {"run": run})
        elif run.not_queued == NotQueued.CANNOT_SEND:
            # Not the queue's silence: this process cannot talk to it (no waiting mends it).
            messages.error(
                request,
                gettext("Could not start training (#%(number)s): %(error)s")
                % {"number": run.pk, "error": failure_in_words(run)},
            )
        elif run.not_queued:
            messages.error(
                request,
                gettext(
                    "Could not start training: the task queue is not answering, so nothing "
                    "was started (recorded as #%(number)s, failed). Please try again once it "
                    "is back."
                )
                % {"number": run.pk},
            )
        elif note := training_note(run):  # what its page says at this moment
            messages.warning(
                request,
                gettext("Training #%(number)s queued, not started. %(note)s")
                % {"number": run.pk, "note": note},
            )
        else:
            messages.success(request, _started_note(run))
        return HttpResponseRedirect(
            reverse("admin:site_assistant_trainingrun_change", args=[run.pk])
        )

    def _train_confirm(self, request):
        """The page that asks before a run starts: what it does, how long, its settings."""
        from .training.tasks import PARAMS, RUN_OPTIONS

        params = {**PARAMS, **RUN_OPTIONS, "activate": True}
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Train the assistant on your site?"),
            "opts": self.model._meta,
            "estimate": start_estimate(),
            "settings": self.params_display(TrainingRun(params=params)),
            "list_url": reverse("admin:site_assistant_trainingrun_changelist"),
            "examples_url": reverse("admin:site_assistant_examplequestion_changelist"),
        }
        return TemplateResponse(
            request, "admin/site_assistant/trainingrun/train_confirm.html", context
        )

    def serve_base_view(self, request):
        """POST only, staff who may train: switch a fine-tuned model off, rebuild with the base.

        The trained model's folder stays (``search_rebuild --model PATH`` serves it again).
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("site_assistant.add_trainingrun"):
            raise PermissionDenied
        from .rebuilds import LockBusy, serve_model

        if not embed.fine_tuned_model_active():
            messages.info(request, gettext("The base model is already the one being served."))
        else:
            try:
                build = serve_model(None, user=request.user, background=True)
            except LockBusy as exc:
                messages.error(
                    request,
                    gettext("Could not rebuild the index: %(error)s. Please try again.")
                    % {"error": exc},
                )
                return HttpResponseRedirect(reverse("admin:site_assistant_trainingrun_changelist"))
            messages.success(request, _serving_again(gettext("the base model"), build))
        return HttpResponseRedirect(reverse("admin:site_assistant_trainingrun_changelist"))

    def serve_view(self, request, run_id):
        """POST only, staff who may train: serve a finished run's model again (after
        "Serve the base model" or another run switched it off) and rebuild with it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("site_assistant.add_trainingrun"):
            raise PermissionDenied
        from .rebuilds import LockBusy, serve_model

        run = TrainingRun.objects.filter(pk=run_id).first()
        if run is None:
            messages.error(
                request, gettext("There is no training #%(number)s.") % {"number": run_id}
            )
            return HttpResponseRedirect(reverse("admin:site_assistant_trainingrun_changelist"))
        run_url = reverse("admin:site_assistant_trainingrun_change", args=[run.pk])
        if _serving(run):
            messages.info(
                request,
                gettext(
                    "The model trained by Training #%(number)s is already the one being served."
                )
                % {"number": run.pk},
            )
            return HttpResponseRedirect(run_url)
        if not _servable(run):
            messages.error(request, gettext("%(run)s left no model to serve.") % {"run": run})
            return HttpResponseRedirect(run_url)
        try:
            build = serve_model(embed.locate(run.model_dir), user=request.user, background=True)
        except ValueError as exc:  # the folder no longer holds a model
            messages.error(
                request,
                gettext("Could not serve the model trained by Training #%(number)s: %(error)s.")
                % {"number": run.pk, "error": exc},
            )
            return HttpResponseRedirect(run_url)
        except LockBusy as exc:
            messages.error(
                request,
                gettext("Could not rebuild the index: %(error)s. Please try again.")
                % {"error": exc},
            )
            return HttpResponseRedirect(run_url)
        trained = gettext("the model trained by Training #%(number)s") % {"number": run.pk}
        messages.success(request, _serving_again(trained, build))
        return HttpResponseRedirect(run_url)

    def changelist_view(self, request, extra_context=None):
        from .training.tasks import abandon_stale_runs

        abandon_stale_runs()  # a run whose process is gone is not listed as running
        extra_context = {
            **(extra_context or {}),
            "train_url": reverse("admin:site_assistant_trainingrun_train"),
            "serve_base_url": reverse("admin:site_assistant_trainingrun_serve_base"),
            "can_train": request.user.has_perm("site_assistant.add_trainingrun"),
            "any_active": _active_runs().exists(),
            "serving_model": embed.model_id(embed.active_model_ref()),
            "serving_run": _serving_run(),
            **_still_answering(),
            "fine_tuned_active": embed.fine_tuned_model_active(),
            "waiting_for_a_worker": training_note(),
            "last_took": _last_took(),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from .training.tasks import abandon_stale_runs

        abandon_stale_runs()
        run = self.get_object(request, object_id)
        active = bool(run) and run.is_active
        served = _served_state_if_activated(run) if run else None
        extra_context = {
            **(extra_context or {}),
            "run_active": active,
            # Activated, the index not yet rebuilt with it: the page keeps polling.
            "rebuilding": bool(run) and _rebuilding(run, served),
            "activated_text": self.activated_display(run, served) if run else "",
            "result": result_in_words(run, served) if run else ("", ""),
            "try_url": reverse("admin:site_assistant_question_try"),
            "list_url": reverse("admin:site_assistant_trainingrun_changelist"),
            "time_left": time_left_on_page(run) if run else "",
            "elapsed": elapsed(run) if run else None,
            "elapsed_text": elapsed_words(run) if run else "",
            "clock_words": json.dumps(clock_words(), ensure_ascii=False),
            "waiting": training_note(run) if run else "",
            "error_text": failure_in_words(run) if run else "",
            "status_url": reverse("admin:site_assistant_trainingrun_status", args=[run.pk])
            if run
            else "",
            "cancel_url": reverse("admin:site_assistant_trainingrun_cancel", args=[run.pk])
            if active and request.user.has_perm("site_assistant.add_trainingrun")
            else "",
            "serve_url": reverse("admin:site_assistant_trainingrun_serve", args=[run.pk])
            if run
            and _servable(run)
            and not _serving(run)
            and request.user.has_perm("site_assistant.add_trainingrun")
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)


def _serving_again(model: str, build: IndexBuild) -> str:
    """What "Serve this model" and "Serve the base model" say: which model, and that it
    answers once the build (linked, to follow it) is done, not a run's status in a
    possessive ("Serving Training #2 (Succeeded)'s model")."""
    return format_html(
        gettext(
            'Serving {model} again: it answers your visitors once <a href="{url}">index build '
            "#{number}</a> ({status}) has re-embedded the site with it."
        ),
        model=model,
        url=reverse("admin:site_assistant_indexbuild_change", args=[build.pk]),
        number=build.pk,
        status=build.get_status_display(),
    )


def _servable(run: TrainingRun) -> bool:
    """A finished run whose model folder is still there."""
    return (
        run.status == TrainingRun.Status.SUCCEEDED
        and bool(run.model_dir)
        and Path(embed.locate(run.model_dir)).is_dir()
    )


# What "Activated" says of an activated run, by ``_served_state``.
SERVED_STATES = {
    "off": _("Yes (no longer served)"),
    "stopping": _("Yes, switched off: served until the index is rebuilt without it"),
    "stop_failed": _("Yes, switched off, but still served: the index build without it failed"),
    "live": _("Yes, served now"),
    "failed": _("Yes, but the index build with it failed"),
    "rebuilding": _("Yes, served once the index is rebuilt with it"),
}


def _served_state(run: TrainingRun) -> ServedState:
    """Where an activated run's model is: "off" (another model is served), "live" (the
    index answers with it), "failed" (the build with it failed: that build, as well),
    "rebuilding" (served, the index not yet built with it), "stopping" (switched off,
    the live index still built with it until its rebuild is done) or "stop_failed"
    (switched off, and that rebuild failed)."""
    if not _serving(run):
        if not _live(run):
            return "off", None
        failed = _rebuild_failed(run)
        return ("stop_failed", failed) if failed else ("stopping", None)
    if _live(run):
        return "live", None
    failed = _rebuild_failed(run)
    return ("failed", failed) if failed else ("rebuilding", None)


def _served_state_if_activated(run: TrainingRun) -> ServedState | None:
    """``_served_state`` of a finished, activated run (None for any other), worked
    out once for a page or a status poll: it reads the live index's files and may
    query the builds."""
    if run.status == TrainingRun.Status.SUCCEEDED and run.activated:
        return _served_state(run)
    return None


def _rebuilding(run: TrainingRun, served: ServedState | None = None) -> bool:
    """Activated, and the live index is not yet built with the model chosen (this
    run's, or the one that switched it off): its page keeps polling. ``served``:
    the run's ``_served_state``, when worked out already."""
    return (
        run.status == TrainingRun.Status.SUCCEEDED
        and run.activated
        and (served or _served_state(run))[0] in ("rebuilding", "stopping")
    )


def _rebuild_failed(run: TrainingRun) -> IndexBuild | None:
    """The build that was to serve the run's model, when it failed: the newest build
    since the run finished (a request coalesced into another is not one)."""
    if run.finished is None:
        return None
    newest = (
        IndexBuild.objects.exclude(status=IndexBuild.Status.COALESCED)
        .filter(created__gte=run.finished)
        .order_by("-created", "-pk")
        .first()
    )
    return newest if newest is not None and newest.status == IndexBuild.Status.FAILED else None


def _live(run: TrainingRun) -> bool:
    """Whether the live index was built with this run's model (its rebuild is done)."""
    from . import index

    live = index.live_model_ref()
    return (
        bool(live)
        and bool(run.model_dir)
        and Path(live).resolve() == Path(embed.locate(run.model_dir)).resolve()
    )


def _run_of_model(ref: str) -> TrainingRun | None:
    """The newest finished run (of the last 50) whose model folder is ``ref``."""
    target = Path(ref).resolve()
    runs = TrainingRun.objects.filter(status=TrainingRun.Status.SUCCEEDED).exclude(model_dir="")
    return next(
        (
            run
            for run in runs.order_by("-pk")[:50]
            if Path(embed.locate(run.model_dir)).resolve() == target
        ),
        None,
    )


def _serving_run() -> TrainingRun | None:
    """The finished run whose model is served now, if one is."""
    if not embed.fine_tuned_model_active():
        return None
    return _run_of_model(embed.active_model_ref())


def _still_answering() -> dict:
    """While the live index is still built with another model than the one served
    (“Serve the base model” or “Serve this model” pressed, its rebuild not done):
    ``answering_model``, that model's name, and ``answering_run``, the run that
    trained it (None for the base model); else {}."""
    from . import index

    live = index.live_model_ref()
    if not live or Path(live).resolve() == Path(embed.active_model_ref()).resolve():
        return {}
    return {"answering_model": embed.model_id(live), "answering_run": _run_of_model(live)}


def _serving(run: TrainingRun) -> bool:
    """Whether the model served now is this run's (a run's folder is never the
    configured model's, so the base model served means False)."""
    return bool(run.model_dir) and (
        Path(embed.locate(run.model_dir)).resolve() == Path(embed.active_model_ref()).resolve()
    )
