"""The figures of the owner's overview (the app's page in the admin).

What is served (index version, model, passages), the last build, and the
questions of the last seven days: how many, the share answered, and how
many questions in the log wait for the owner (unanswered, not helpful).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import embed, services
from .models import IndexBuild, Question

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
        "fine_tuned": embed.fine_tuned_model_active(),
        "last_build": last_build,
        "last_build_at": (last_build.finished or last_build.started or last_build.created)
        if last_build
        else None,
        "week_questions": total,
        "week_answered": week["answered_count"],
        "week_answered_percent": round(100 * week["answered_count"] / total) if total else None,
        "unanswered": Question.objects.filter(answered=False).count(),
        "not_helpful": Question.objects.filter(helpful=False).count(),
    }
