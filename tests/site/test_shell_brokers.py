"""A REDIS_URL or CELERY_BROKER_URL exported in the developer's shell (for `make run` or
`make worker`) is not the suite's: `pytest` alone put every test on that Redis (tasks not
eager, the throttle's counts shared with the site), and tests failed far from the cause.
The run starts again without them and says so in one line (tests/conftest.py)."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_a_broker_exported_in_the_shell_is_not_the_suites():
    # A port nothing listens on: a test that used it would fail.
    elsewhere = "redis://127.0.0.1:9/0"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(REDIS_URL=elsewhere, CELERY_BROKER_URL=elsewhere, CELERY_RESULT_BACKEND=elsewhere)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/shell_brokers_probe.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "1 passed" in run.stdout, run.stdout[-3000:]
    said = [line for line in run.stderr.splitlines() if line.startswith("tests: ")]
    assert said == [
        "tests: ignoring REDIS_URL, CELERY_BROKER_URL, CELERY_RESULT_BACKEND from the "
        "environment; the suite uses its own Redis "
        f"(TEST_REDIS_URL={env.get('TEST_REDIS_URL', 'redis://127.0.0.1:6379/15')}): "
        "starting again without"
    ], run.stderr[-3000:]
