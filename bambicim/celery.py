"""The Celery app. With no REDIS_URL, settings make every task run eagerly."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bambicim.settings")

app = Celery("bambicim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="bambicim.ping")
def ping(value="pong"):
    """A trivial round-trip, used to check that a worker answers."""
    return value


@worker_process_init.connect
def warm_up_search(**kwargs):
    """Load the search index and its encoder when a worker process starts, not in a task."""
    from site_assistant import services

    services.warm_up()
