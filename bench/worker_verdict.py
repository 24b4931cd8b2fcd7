#!/usr/bin/env python
"""``REDIS_URL=redis://… python bench/worker_verdict.py [N]``: what it costs a /health/
request to know whether a Celery worker runs (docs/operations.md, "Health checks").

Starts one real worker (``celery -A bambicim worker --pool=solo``) on REDIS_URL and
the site's database, waits for its first heartbeat, then times N (200) of each:

- the heartbeat read /health/ does (site_assistant.heartbeat.silence: one aggregate query);
- ``app.control.ping(timeout=BROKER_TIMEOUT_SECONDS)``, as waiting_for_a_worker sends it
  (the broadcast waits out its whole timeout for more replies), N/20 of them;
- ``control.ping(limit=1)``: back at the first reply (but the full timeout when no
  worker answers, which is the case a health check is for).

The median and 95th percentile in ms. Run ``manage.py migrate`` first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

import django  # noqa: E402

from bench import record  # noqa: E402, F401  (a throwaway secret key when none is given)

django.setup()

from bambicim.celery import app  # noqa: E402
from site_assistant import broker, conf, heartbeat  # noqa: E402
from site_assistant.models import WorkerHeartbeat  # noqa: E402


def timed(call, n: int) -> dict:
    took = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    return {
        "n": n,
        "median_ms": round(statistics.median(took), 2),
        "p95_ms": round(statistics.quantiles(took, n=20)[-1], 2) if n >= 20 else None,
    }


def start_worker(**env) -> tuple[subprocess.Popen, str, Path]:
    """A real worker (``--pool=solo``) on a queue of its own, with ``env`` besides the
    environment, once its first heartbeat is written: (process, hostname, log file)."""
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    hostname = f"{queue}@{os.uname().nodename}"
    log = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])
    env = {**os.environ, "CELERY_QUEUE": queue, **env}
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bambicim", "worker", "-Q", queue]
            + ["--pool=solo", "--loglevel=INFO", f"--hostname={hostname}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while not WorkerHeartbeat.objects.filter(hostname=hostname).exists():
        assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.5)
    return worker, hostname, log


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    if not os.environ.get("REDIS_URL"):
        sys.exit("set REDIS_URL (a Redis of your own): the worker and the pings need a broker")
    worker, hostname, log = start_worker()
    try:
        timeout = float(conf.get("BROKER_TIMEOUT_SECONDS"))
        print(f"load {os.getloadavg()[0]:.1f}, one worker up, BROKER_TIMEOUT_SECONDS {timeout}")
        assert heartbeat.silence(eager=False).get("workers"), "the worker was not heard"
        print("  heartbeat read:", timed(lambda: heartbeat.silence(eager=False), n))

        def ping(**kw):
            with broker.broker_connection(app) as connection:
                assert app.control.ping(timeout=timeout, connection=connection, **kw)

        print("  control.ping:", timed(ping, max(2, n // 20)))
        print("  control.ping(limit=1):", timed(lambda: ping(limit=1), n))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        WorkerHeartbeat.objects.filter(hostname=hostname).delete()
        log.unlink()


if __name__ == "__main__":
    main()
