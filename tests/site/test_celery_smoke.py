import pytest

pytestmark = pytest.mark.celery


def test_a_real_worker_on_real_redis_round_trips_a_task(celery_worker):
    from bambicim.celery import ping

    result = ping.delay("hello from the test")
    assert result.get(timeout=30) == "hello from the test"
