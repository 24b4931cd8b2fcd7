import pytest

pytestmark = pytest.mark.celery


def test_a_real_worker_on_real_redis_round_trips_a_task(celery_worker):
    from bambicim.celery import ping

    result = ping.delay("hello from the test")
    assert result.get(timeout=30) == "hello from the test"


def test_a_worker_process_warms_the_search_up_when_it_starts(celery_worker, tmp_path):
    """Models load at worker start (worker_process_init), not inside the first task. Its
    log is in the test's tmp_path (pytest deletes it a few runs later), not left in /tmp."""
    from pathlib import Path

    log = Path(celery_worker.log_path)
    assert log.parent == tmp_path
    assert "search warmed up" in log.read_text()


def test_beat_schedules_only_tasks_a_worker_knows_and_the_privacy_purge_daily():
    """A misspelt task name in the schedule is sent every night and run by nobody:
    the 30-day promise of the Privacy page would silently not be kept."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from bambicim.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    unknown = [e["task"] for e in schedule.values() if e["task"] not in app.tasks]
    assert not unknown, unknown
    for task in (
        "site_assistant.tasks.purge_question_log",
        "bambicim.tasks.purge_contact_messages",
    ):
        purges = [e for e in schedule.values() if e["task"] == task]
        assert len(purges) == 1, task
        assert purges[0]["schedule"].remaining_estimate(timezone.now()) <= timedelta(days=1)
