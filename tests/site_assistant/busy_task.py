"""A task that keeps a real worker busy, for the heartbeat tests: ``celery_workers(
include="tests.site_assistant.busy_task")`` starts a worker that knows it.

``busy(seconds)`` computes in pure Python for that long (the interpreter's lock taken
back every few milliseconds, as a build's parsing and tokenizing do), in the worker's
main thread under ``--pool=solo``: the heartbeat's thread must still write its beats."""

import time

from celery import shared_task


@shared_task(name="tests.busy")
def busy(seconds: float) -> int:
    end = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < end:
        sum(i * i for i in range(10_000))
        rounds += 1
    return rounds
