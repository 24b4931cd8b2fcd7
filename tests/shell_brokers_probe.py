"""Not collected by the suite (not ``test_*.py``): ``tests/site/test_shell_brokers.py`` runs
``pytest tests/shell_brokers_probe.py`` with brokers exported, and this test says what the
tests of that run see."""

import os
import subprocess
import sys


def test_the_run_has_none_of_the_shells_brokers():
    from django.conf import settings

    from bambicim.celery import app

    assert os.environ["REDIS_URL"] == "", os.environ["REDIS_URL"]
    assert "CELERY_BROKER_URL" not in os.environ and "CELERY_RESULT_BACKEND" not in os.environ
    assert app.conf.broker_url == "memory://" and app.conf.task_always_eager
    assert "throttle" not in settings.CACHES, settings.CACHES
    # A process a test starts: none either.
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(repr(os.environ.get('REDIS_URL')))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert child.stdout.strip() == "''"
