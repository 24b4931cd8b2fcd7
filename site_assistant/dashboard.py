"""The figures of the owner's overview (the app's page in the admin).

What is served (index version, model, passages), the last build, and the
questions of the last seven days (and of each site, on a project of several
Wagtail sites): how many, the share answered, and how
many questions in the log wait for the owner: unanswered or not helpful,
until an example question is saved for them (the Questions list's
"✓ example saved"; its "waiting for a fix" filters list these), and how many
there are in all. Questions in another language were never searched, so
there is nothing to fix: they are counted apart. The served model's files when
they are damaged on disk (``embed.damage``, what /health/ reads as ``"intact"``): which
file, what it does to visitors, and what to do. The template files the app reads itself
(TEMPLATE_INCLUDE) written since the live index read the site (``templates_changed``).
And, before all that, whether this app's
migrations are all applied: until they are, only that.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, ngettext

from . import declined_review, embed, examples, schema, sections, services
from .models import DECLINED, OTHER_LANGUAGE, UNANSWERED, ExampleQuestion, IndexBuild, Question
from .onnx_encoder import INT8_FILE
from .sources import templates

WEEK = timedelta(days=7)

logger = logging.getLogger(__name__)


def model_damage() -> list[dict]:
    """The served model's files that would not serve a process started now as they serve
    this one (``embed.damage``): ``{"problem", "effect", "fix", "on_disk"}`` each, the file
    named inside the model's folder (or INDEX_DIR), never the folder (``on_disk``: the
    problem with its full path, for the operator's command); [] when none, or when no
    index is served (the overview says so already)."""
    from .index import IndexNotReady, load_current

    try:
        ref = load_current().model_ref or embed.active_model_ref()
        problems = embed.damage(ref)
        int8_serves = problems and any(
            embed.precision(ref, role) == "int8" for role in ("passage", "query")
        )
    except IndexNotReady:
        return []
    except Exception:  # the overview is shown all the same; the log says why
        logger.exception("overview: the model's files could not be checked")
        return []
    tokenizer = Path(ref) / "tokenizer.json"
    effects = {
        "tokenizer": gettext("every rebuild fails until it is put back"),
        "int8": gettext(
            "a process started now (a restart, a new worker) answers with the fp32 copy "
            "instead: the same answers, a little slower"
        ),
        "no_export": gettext(
            "a process started now makes it first (about a minute, visitors get "
            "“I’m almost ready to answer” meanwhile); manage.py search_export_onnx makes it now"
        ),
        "export": gettext(
            "a process started now (a restart, a new worker) answers with the slower "
            "fallback, about 0.45 GB more memory each, or not at all"
        ),
    }
    put_back = gettext(
        "put it back from a backup (copy it beside the old one, then rename it into place; "
        "never copy over it)"
    )
    # An int8 copy made again serves only once its agreement is measured again, and a
    # fp32 export made again leaves the int8 copy made of the old one unused.
    remake_int8 = gettext(
        "run manage.py search_export_onnx --force --int8, then manage.py search_evaluate "
        "--compare-encoders --record (the int8 copy serves only once it is measured again)"
    )
    remake = remake_int8 if int8_serves else gettext("run manage.py search_export_onnx --force")
    put_back_or = gettext("%(put_back)s, or %(remake)s; then restart the site")
    fixes = {
        "tokenizer": gettext("%(put_back)s; no command makes it again") % {"put_back": put_back},
        "no_export": gettext("run manage.py search_export_onnx, then restart the site"),
        "export": put_back_or % {"put_back": put_back, "remake": remake},
        "int8": put_back_or % {"put_back": put_back, "remake": remake_int8},
    }

    def kind_of(problem: str) -> str:
        if problem.startswith(f"{tokenizer} "):
            return "tokenizer"
        if embed.NO_EXPORT in problem:
            return "no_export"
        return "int8" if INT8_FILE in problem else "export"

    found = []
    for problem in problems:
        kind = kind_of(problem)
        found.append(
            {
                "problem": embed.without_folders(problem, ref),
                "effect": effects[kind],
                "fix": fixes[kind],
                "on_disk": problem,
            }
        )
    return found


def _parsed(value: str) -> datetime | None:
    moment = parse_datetime(value or "")
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


# A busy log's figures (Question.objects.busy) are counted at most this often: they
# read a week of it and every question waiting for review (0.5 s at a million).
BUSY_SECONDS = 60


# What To review counts: each list it links to (the Questions list's "needs attention"
# filters), and the ones of those lists that wait for no fix (fixed, judged). Read from the
# log's rows waiting for review, with ``has_example`` (QuestionQuerySet.with_example).
_UNFIXED = Q(has_example=False, unanswerable=False)
REVIEWED = {
    # "Unanswered, waiting for a fix" and "Not helpful, waiting for a fix": the big numbers.
    "unanswered": UNANSWERED & _UNFIXED,
    "not_helpful": Q(helpful=False) & _UNFIXED,
    "other_language": OTHER_LANGUAGE,
    # Fixed or not: what the Questions list's "Unanswered" and "Not helpful" show.
    "unanswered_all": UNANSWERED,
    "not_helpful_all": Q(helpful=False),
    # What those lists hold besides the waiting ones: fixed, and judged ones the site
    # does not answer (Fix this answer; in the Not helpful list, not in Unanswered).
    "unanswered_fixed": UNANSWERED & Q(has_example=True),
    "not_helpful_fixed": Q(helpful=False, has_example=True),
    "unanswered_judged": DECLINED,
    "not_helpful_judged": Q(helpful=False, unanswerable=True, has_example=False),
}


def _review_figures() -> dict:
    """Each of REVIEWED in questions, as the lists it links to show them, a row a
    question (``name``: the distinct ``Question.text_key`` of its asks: case, spacing and
    the final ?!. aside), and in asks, the log's rows (``name_asks``): "5 waiting for a
    fix (asked 12 times)" opens a list of 5 rows whose Times asked add up to 12.

    One query: the rows waiting for review grouped by their key (one hash of the log's
    rows, not a sort per count as COUNT(DISTINCT …) is), then the groups counted."""
    Question.objects.fill_text_keys()  # those a process from before the column logged
    waiting = Question.objects.filter(Q(answered=False) | Q(helpful=False) | OTHER_LANGUAGE)
    per_question = (
        waiting.with_example()
        .order_by()
        .values("text_key")
        .annotate(**{f"{name}_n": Count("id", filter=rows) for name, rows in REVIEWED.items()})
    )
    counted = per_question.aggregate(
        **{name: Count("text_key", filter=Q(**{f"{name}_n__gt": 0})) for name in REVIEWED},
        **{f"{name}_asks": Sum(f"{name}_n") for name in REVIEWED},
    )
    return {name: value or 0 for name, value in counted.items()}


def _log_figures(now: datetime) -> dict:
    # Questions in another language were not searched: counted apart, and left out of
    # the share answered (a German site's German questions read as unanswered ones).
    week = Question.objects.filter(created__gte=now - WEEK).aggregate(
        week_total=Count("id"),
        week_answered=Count("id", filter=Q(answered=True)),
        week_other_language=Count("id", filter=OTHER_LANGUAGE),
    )
    review = _review_figures()
    # Several Wagtail sites (a question asked on another than the default one): the
    # week's questions of each, read with the week's (site > "" reads its index).
    by_site = []
    if Question.objects.filter(site__gt="").exists():
        by_site = list(
            Question.objects.filter(created__gte=now - WEEK)
            .values("site")
            .annotate(
                total=Count("id"),
                answered=Count("id", filter=Q(answered=True)),
                other_language=Count("id", filter=OTHER_LANGUAGE),
            )
            .order_by("site")
        )
    return {**week, **review, "week_by_site": by_site}


def log_figures(now: datetime | None = None) -> dict:
    """The week's questions and the review counts. On a busy log they are kept for
    BUSY_SECONDS, and counted again at once when an example question is added,
    removed or switched on or off (the To review counts depend on them)."""
    now = now or timezone.now()
    if Question.objects.busy() is None:
        return _log_figures(now)
    examples = ExampleQuestion.objects.aggregate(
        count=Count("id"), active=Count("id", filter=Q(active=True)), last=Max("id")
    )
    # (":questions": the review counts as questions; those kept before were asks.)
    key = "site_assistant:overview:questions:{count}:{active}:{last}".format(**examples)
    counted = cache.get(key)
    if counted is None:
        counted = _log_figures(now)
        cache.set(key, counted, BUSY_SECONDS)
    return counted


def _waiting(questions: int, rows: int) -> str:
    """ "waiting for a fix (asked 12 times)", beside the count of questions, as ``_fixed``."""
    if questions >= rows:
        return ngettext("waiting for a fix", "waiting for a fix", questions)
    return ngettext(
        "waiting for a fix (asked %(times)s times)",
        "waiting for a fix (asked %(times)s times)",
        questions,
    ) % {"times": rows}


def _fixed(questions: int, rows: int) -> str:
    """ "1 fixed (asked 10 times)": questions, and the rows of the log they are when more."""
    if questions >= rows:
        return ngettext("%(count)s fixed", "%(count)s fixed", questions) % {"count": questions}
    return ngettext(
        "%(count)s fixed (asked %(times)s times)",
        "%(count)s fixed (asked %(times)s times)",
        questions,
    ) % {"count": questions, "times": rows}


def _judged(questions: int, rows: int) -> str:
    """ "1 the site doesn’t answer (asked 3 times)", as ``_fixed``."""
    if questions >= rows:
        return ngettext(
            "%(count)s the site doesn’t answer", "%(count)s the site doesn’t answer", questions
        ) % {"count": questions}
    return ngettext(
        "%(count)s the site doesn’t answer (asked %(times)s times)",
        "%(count)s the site doesn’t answer (asked %(times)s times)",
        questions,
    ) % {"count": questions, "times": rows}


def _besides(fixed: tuple[int, int], judged: tuple[int, int]) -> str:
    """ "the 2 fixed and the 1 the site doesn’t answer": a list's rows that wait for no fix,
    each (questions, rows), in questions (``_fixed``, ``_judged``)."""
    if fixed[1] and judged[1]:
        return gettext("the %(fixed)s and the %(judged)s") % {
            "fixed": _fixed(*fixed),
            "judged": _judged(*judged),
        }
    if fixed[1]:
        return gettext("the %(fixed)s") % {"fixed": _fixed(*fixed)}
    if judged[1]:
        return gettext("the %(judged)s") % {"judged": _judged(*judged)}
    return ""


def templates_changed(last_build: IndexBuild | None) -> list[str]:
    """The template files the app reads itself (``TEMPLATE_INCLUDE``) written since the
    live index began reading the site, as paths from BASE_DIR
    ("templates/pages/about.html"): the owner edited them, and visitors are answered
    from their old text until a build reads them. [] without a live index, and while a
    build is queued or running (it reads the files as they are when it gets to them).
    Read only here, on the overview: a look at each file's time, no visitor waits."""
    from .index import IndexNotReady, load_current

    if last_build is not None and last_build.is_active:
        return []
    try:
        current = load_current()
        read = _parsed(current.content_read) or _parsed(current.created)
        changed = templates.changed_since(read) if read else []
    except IndexNotReady:
        return []
    except Exception:  # the overview is shown all the same; the log says why
        logger.exception("overview: the template files could not be checked")
        return []
    root = templates.base_dir()
    return [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in changed]


def answered_percent(answered: int, total: int, other_language: int) -> int | None:
    """The share of ``total`` questions answered, in percent, those in another language
    left out (they were never searched: the overview counts them apart); None when
    none was searched."""
    searched = total - other_language
    return round(100 * answered / searched) if searched > 0 else None


def latest_build() -> IndexBuild | None:
    """The newest build that ran or waits to (a request merged into another is no build)."""
    return IndexBuild.objects.exclude(status=IndexBuild.Status.COALESCED).order_by("-pk").first()


def figures(now: datetime | None = None) -> dict:
    """The overview's figures; with this app's migrations not all applied (code newer
    than its tables, site_assistant.schema) only ``migrations_pending``, the note that
    says so: every figure below reads tables a pending migration may change."""
    behind = schema.pending()
    if behind:
        return {"migrations_pending": schema.owner_note(behind)}
    now = now or timezone.now()
    status = services.index_status()
    counted = log_figures(now)
    total = counted["week_total"]
    # (A busy log's figures counted before this one was: none left out.)
    other = counted.get("week_other_language", 0)
    # Each in questions, as the list it links to shows them (a row a question), and in
    # asks (``name_asks``): the overview said "12 unanswered" of a list of 5 rows.
    review = {name: counted[name] for name in REVIEWED}
    review |= {f"{name}_asks": counted[f"{name}_asks"] for name in REVIEWED}
    review["unanswered_waiting_said"] = _waiting(review["unanswered"], review["unanswered_asks"])
    review["not_helpful_waiting_said"] = _waiting(review["not_helpful"], review["not_helpful_asks"])
    # What each list ("… in all") holds besides those waiting, said: the owner read
    # "1 waiting · 2 in all" of 3 unanswered questions (one fixed, one judged).
    # Each figure in questions, and the times they were asked when more: the owner fixed
    # one question and read "10 fixed" of its ten repeats.
    said = {
        name: (review[name], review[f"{name}_asks"])
        for name in (
            "unanswered_fixed",
            "unanswered_judged",
            "not_helpful_fixed",
            "not_helpful_judged",
        )
    }
    review["unanswered_besides"] = _besides(said["unanswered_fixed"], (0, 0))
    review["unanswered_judged_said"] = _judged(*said["unanswered_judged"])
    review["not_helpful_besides"] = _besides(said["not_helpful_fixed"], said["not_helpful_judged"])
    last_build = latest_build()
    return {
        "index": {
            **status,
            "created_at": _parsed(status.get("created", "")),
        }
        if status
        else None,
        "withdrawn": services.withdrawn_now() if status else [],
        "index_problem": services.index_problem(),
        "index_dir": services.looked_in(),
        "model_damage": model_damage(),
        "fine_tuned": embed.fine_tuned_model_active(),
        "last_build": last_build,
        "last_build_at": (last_build.finished or last_build.started or last_build.created)
        if last_build
        else None,
        "week_questions": total,
        "week_answered": counted["week_answered"],
        # Of the questions searched: those in another language were not (counted apart).
        "week_other_language": other,
        "week_searched": total - other,
        "week_answered_percent": answered_percent(counted["week_answered"], total, other),
        # The same as one site's row of week_by_site, for a line that says all three.
        "week": {
            "total": total,
            "percent": answered_percent(counted["week_answered"], total, other),
            "other_language": other,
        },
        "lost_examples": len(sections.lost_examples()) if status else 0,
        "templates_changed": templates_changed(last_build) if status else [],
        "switched_off_gone": len(examples.switched_off_gone()),
        # [{"pk", "question", "section", "score"}]: declining ones the last build may answer.
        "may_answer": [
            {
                "pk": example.pk,
                "question": example.question,
                "section": sections.named(example.review["answers"]["link"], ""),
                "link": example.review["answers"]["link"],
                "score": example.review["answers"]["score"],
            }
            for example in declined_review.may_answer_now()
        ]
        if status
        else [],
        # [{"site": hostname, "" for the default, "total", "answered", "other_language",
        # "percent"}]; [] for one site.
        "week_by_site": [
            {
                **row,
                "other_language": row.get("other_language", 0),
                "percent": answered_percent(
                    row["answered"], row["total"], row.get("other_language", 0)
                ),
            }
            for row in counted.get("week_by_site", [])
        ],
        **review,
    }
