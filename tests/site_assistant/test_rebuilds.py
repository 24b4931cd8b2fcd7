"""rebuilds: one build at a time (a database lock), coalesced requests, the queue."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from site_assistant import rebuilds, tasks
from site_assistant.models import IndexBuild
from site_assistant.rebuilds import claim_or_coalesce, release_stale_locks, request_rebuild


@pytest.mark.django_db
def test_the_database_refuses_a_second_active_build():
    IndexBuild.objects.create(status="queued", lock="index")
    with pytest.raises(IntegrityError), transaction.atomic():
        IndexBuild.objects.create(status="queued", lock="index")


@pytest.mark.django_db
def test_a_request_while_a_build_is_active_is_coalesced_into_it(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = request_rebuild("admin")
        second = request_rebuild("api")
    assert first.status == "queued" and first.lock == "index"
    assert second.status == "coalesced" and second.coalesced_into == first
    assert second.lock is None
    assert len(callbacks) == 1  # only the real build is enqueued
    # Done as it is made: it finishes when it is created, not before.
    second.refresh_from_db()
    assert second.finished == second.created


@pytest.mark.django_db
def test_a_stale_lock_of_a_dead_worker_is_released(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "LOCK_TIMEOUT_SECONDS": 60}
    dead = IndexBuild.objects.create(status="running", lock="index")
    IndexBuild.objects.filter(pk=dead.pk).update(started=timezone.now() - timedelta(minutes=5))
    assert release_stale_locks() == 1
    dead.refresh_from_db()
    assert dead.status == "failed" and dead.lock is None and "Abandoned" in dead.error
    assert claim_or_coalesce("command").status == "queued"


@pytest.mark.django_db
def test_the_task_module_is_the_queue_builds_are_handed_to():
    """site_assistant.apps imports site_assistant.tasks at start-up, which names its task."""
    assert rebuilds._queue is tasks._enqueue


@pytest.mark.django_db
def test_without_a_queue_a_requested_build_fails_and_frees_the_lock(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(rebuilds, "_queue", None)
    with django_capture_on_commit_callbacks(execute=True):
        build = request_rebuild("command")
    build.refresh_from_db()
    assert build.status == "failed" and build.lock is None
    assert "site_assistant.tasks was never imported" in build.error
    assert claim_or_coalesce("command").status == "queued"


@pytest.mark.django_db
def test_a_running_build_renews_its_lease_and_a_lapsed_one_is_marked_lost(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "BUILD_LEASE_SECONDS": 30}
    build = IndexBuild.objects.create(status="running", lock="index", started=timezone.now())
    from site_assistant.build import Heartbeat

    with Heartbeat(build) as heartbeat:
        build.refresh_from_db()
        assert build.lease_expires > timezone.now() + timedelta(seconds=25)
        assert not heartbeat.lost
    assert release_stale_locks() == 0
    IndexBuild.objects.filter(pk=build.pk).update(
        lease_expires=timezone.now() - timedelta(seconds=1)
    )
    assert release_stale_locks() == 1
    build.refresh_from_db()
    assert build.status == "failed" and build.lock is None and "Worker lost" in build.error
    assert claim_or_coalesce("command").status == "queued"


@pytest.mark.django_db
def test_a_queued_build_no_worker_takes_expires(settings):
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "QUEUED_BUILD_EXPIRES_SECONDS": 600}
    queued = claim_or_coalesce("api", countdown=10)
    remaining = (queued.lease_expires - timezone.now()).total_seconds()
    assert 600 < remaining <= 610
    assert claim_or_coalesce("admin").status == "coalesced"
    IndexBuild.objects.filter(pk=queued.pk).update(
        lease_expires=timezone.now() - timedelta(seconds=1)
    )
    assert claim_or_coalesce("admin").status == "queued"
    queued.refresh_from_db()
    assert queued.status == "failed" and "Expired" in queued.error


@pytest.mark.django_db
def test_old_build_rows_are_pruned_but_failures_the_live_build_and_active_ones_stay(
    own_index_dir, settings
):
    """Every content change and every nightly build adds a row: months of them."""
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_FAILED_BUILDS_DAYS": 30}
    now = timezone.now()

    def made(days_ago, **fields):
        build = IndexBuild.objects.create(**fields)
        IndexBuild.objects.filter(pk=build.pk).update(created=now - timedelta(days=days_ago))
        return build.pk

    live = made(90, status="succeeded", version="v-20260101T000000000000-m")
    (own_index_dir / "CURRENT").write_text("v-20260101T000000000000-m")
    old = [made(60 - n, status="succeeded") for n in range(20)]
    old += [made(50, status="coalesced", coalesced_into_id=old[0])]
    old_failure = made(45, status="failed", error="disk full")
    recent_failure = made(10, status="failed", error="model missing")
    waiting = made(70, status="unqueued", trigger="content")
    running = made(0, status="running", lock=rebuilds.LOCK)
    newest = [made(1, status="succeeded") for _ in range(3)]

    assert rebuilds.prune_builds(keep=3) == len(old) + 2  # and the old failure, newest[0]
    assert set(IndexBuild.objects.values_list("pk", flat=True)) == {
        live,
        recent_failure,
        waiting,
        running,
        *newest[1:],  # with the running one, the newest three
    }
    assert old_failure not in IndexBuild.objects.values_list("pk", flat=True)
    settings.SITE_ASSISTANT = {**settings.SITE_ASSISTANT, "KEEP_BUILDS": None}
    made(400, status="succeeded")
    assert rebuilds.prune_builds() == 0
