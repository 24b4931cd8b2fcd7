#!/usr/bin/env python
"""``REDIS_URL=redis://… python bench/heartbeat_sqlite.py``: do the workers' heartbeat
writes cost visitors anything on SQLite? (docs/operations.md, "Is a worker running?")

A web process logs a visitor's question (one ``INSERT`` into the question log through
the ORM, as the API does) every 5 ms, on a scratch SQLite file with the site's own
settings (WAL, ``synchronous=NORMAL``, ``BEGIN IMMEDIATE``, a 20 s busy timeout), in
three phases of BENCH_SECONDS (60) each, one after the other:

- ``no worker``: the inserts alone (what the machine's load does to them);
- ``worker, 60 s window``: a real Celery worker (``--pool=solo``) on REDIS_URL and the
  same file, writing its heartbeat every 15 s (WORKER_SILENT_SECONDS 60, the default
  until it became 12: a beat every 3 s, between this phase and the next);
- ``worker, 4 s window``: the same with a heartbeat every second, 15 times as often.

For each phase: the inserts, their median, 99th percentile and longest time in ms, how
many took over 50 ms, how many failed ("database is locked" or any other error); with a
worker, the heartbeats it wrote meanwhile (its row read every 0.1 s), and the inserts
made within 0.25 s of one: how many, the longest, how many over 50 ms. ``BENCH_SAVE=0`` leaves bench/results.json
as it is (section ``heartbeat_sqlite``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")
_SCRATCH = Path(tempfile.mkdtemp(prefix="bench-heartbeat-"))
os.environ["DATABASE_URL"] = f"sqlite:///{_SCRATCH / 'db.sqlite3'}"

import django  # noqa: E402

from bench import record  # noqa: E402  (a throwaway secret key when none is given)

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.worker_verdict import start_worker  # noqa: E402
from site_assistant.models import Question, WorkerHeartbeat  # noqa: E402

SLOW_MS = 50


def log_questions(seconds: float, hostname: str = "") -> dict:
    """Insert a question every 5 ms for ``seconds``: how long each took, what failed; with
    the ``hostname`` of a worker, when it beat (its row's ``seen``, read every 0.1 s: each
    value is one heartbeat's time) and which inserts were slow within 0.25 s of a beat."""
    took, failed, beats = [], {}, set()
    end, looked = time.monotonic() + seconds, 0.0
    while time.monotonic() < end:
        if hostname and time.monotonic() - looked > 0.1:
            looked = time.monotonic()
            beats.add(WorkerHeartbeat.objects.get(hostname=hostname).seen.timestamp())
        at, started = time.time(), time.perf_counter()
        try:
            Question.objects.create(text="how much does a landing page cost?", channel="api")
        except Exception as exc:  # noqa: BLE001 - what failed is the figure
            failed[str(exc)] = failed.get(str(exc), 0) + 1
        took.append((at, (time.perf_counter() - started) * 1000))
        time.sleep(0.005)
    ms = [t for _, t in took]
    near = [t for at, t in took if any(at - 0.25 <= b <= at + t / 1000 + 0.25 for b in beats)]
    figures = {
        "inserts": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p99_ms": round(statistics.quantiles(ms, n=100)[-1], 2),
        "max_ms": round(max(ms), 1),
        f"over_{SLOW_MS}_ms": sum(t > SLOW_MS for t in ms),
        "failed": failed,
    }
    if hostname:
        figures["heartbeats"] = len(beats) - 1  # the first value read was written before
        figures["inserts_near_a_heartbeat"] = len(near)
        figures["max_ms_near_a_heartbeat"] = round(max(near, default=0), 1)
        figures[f"over_{SLOW_MS}_ms_near_a_heartbeat"] = sum(t > SLOW_MS for t in near)
    return figures


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        sys.exit("set REDIS_URL (a Redis of your own): the worker needs a broker")
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    call_command("migrate", verbosity=0)
    assert connection.vendor == "sqlite"
    figures = {**record.stamp(), "seconds": seconds, "phases": {}}
    print(f"load {os.getloadavg()[0]:.1f}; {seconds:.0f} s a phase, {_SCRATCH}")
    phases = [("no worker", None), ("worker, 60 s window", 60), ("worker, 4 s window", 4)]
    for name, window in phases:
        worker = None
        if window:
            worker, hostname, log = start_worker(SEARCH_WORKER_SILENT_SECONDS=str(window))
        try:
            result = log_questions(seconds, hostname if window else "")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
                log.unlink()
        result["load"] = round(os.getloadavg()[0], 1)
        figures["phases"][name] = result
        print(f"  {name}: {result}")
    figures["load_at_end"] = record.load_average()
    shutil.rmtree(_SCRATCH, ignore_errors=True)
    if os.environ.get("BENCH_SAVE", "1") != "0":
        print("saved to", record.save("heartbeat_sqlite", figures))


if __name__ == "__main__":
    main()
