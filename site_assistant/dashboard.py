"""The figures of the owner's overview (the app's page in the admin).

What is served (index version, model, passages), the last build, and the
questions of the last seven days: how many, the share answered, and how
many questions in the log wait for the owner: unanswered or not helpful,
until an example question is saved for them (the Questions list's
"✓ example saved"). Questions in another language were never searched, so
there is nothing to fix: they are counted apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import embed, sections, services
from .models import OTHER_LANGUAGE, UNANSWERED, IndexBuild, Question

WEEK = timedelta(days=7)


def _parsed(value: str) -> datetime | None:
    moment = parse_datetime(value or "")
    if moment is not None and timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def figures(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    status = services.index_status()
    week = Question.objects.filter(created__gte=now - WEEK).aggregate(
        total=Count("id"), answered_count=Count("id", filter=Q(answered=True))
    )
    total = week["total"]
    # One query; whether an example is saved is asked only of the rows counted here.
    unfixed = Q(has_example=False)
    waiting = Question.objects.filter(Q(answered=False) | Q(helpful=False) | OTHER_LANGUAGE)
    review = waiting.with_example().aggregate(
        unanswered=Count("id", filter=UNANSWERED & unfixed),
        not_helpful=Count("id", filter=Q(helpful=False) & unfixed),
        other_language=Count("id", filter=OTHER_LANGUAGE),
    )
    last_build = (
        IndexBuild.objects.exclude(status=IndexBuild.Status.COALESCED).order_by("-pk").first()
    )
    return {
        "index": {
            **status,
            "created_at": _parsed(status.get("created", "")),
        }
        if status
        else None,
        "withdrawn": services.withdrawn_now() if status else [],
        "index_problem": services.index_problem(),
        "fine_tuned": embed.fine_tuned_model_active(),
        "last_build": last_build,
        "last_build_at": (last_build.finished or last_build.started or last_build.created)
        if last_build
        else None,
        "week_questions": total,
        "week_answered": week["answered_count"],
        "week_answered_percent": round(100 * week["answered_count"] / total) if total else None,
        "lost_examples": len(sections.lost_examples()) if status else 0,
        **review,
    }
