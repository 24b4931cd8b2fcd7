"""``pytest -p tests.worker_first``: the test process pauses 1.5 s after it sends a task
(``WORKER_FIRST_SECONDS``), as a loaded machine may, so an idle real worker has taken the
task before the sender reads its build back: what ``request_rebuild`` then says of a
build a worker was handed is "running", not "queued". Tests with the ``celery_workers``
fixture must pass either way."""

import os
import time

from kombu.messaging import Producer

_publish = Producer.publish
PAUSE = float(os.environ.get("WORKER_FIRST_SECONDS", "1.5"))


def publish(self, body, *args, **kwargs):
    result = _publish(self, body, *args, **kwargs)
    if (kwargs.get("headers") or {}).get("task"):  # a task, not a control message (ping)
        time.sleep(PAUSE)
    return result


Producer.publish = publish
