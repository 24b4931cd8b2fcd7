import pytest

pytestmark = pytest.mark.celery


def test_a_real_worker_on_real_redis_round_trips_a_task(celery_worker):
    from bambicim.celery import ping

    result = ping.delay("hello from the test")
    assert result.get(timeout=30) == "hello from the test"


def test_a_worker_process_warms_the_search_up_when_it_starts(celery_worker):
    """Models load at worker start (worker_process_init), not inside the first task."""
    from pathlib import Path

    log = Path(celery_worker.log_path).read_text()
    assert "search warmed up" in log
