import os
from pathlib import Path

from django.apps import AppConfig
from django.core import checks


class SearchConfig(AppConfig):
    name = "site_assistant"
    verbose_name = "Site assistant"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_index_dir, checks.Tags.compatibility)
        run_tasks_in_process_without_a_broker()
        # The Celery tasks: site_assistant.tasks also makes its task the queue that
        # site_assistant.rebuilds hands queued builds to.
        from . import index, publish, signals, tasks  # noqa: F401
        from .models import ExampleQuestion
        from .sources import models as model_source

        # Saving or deleting a row of a registered model (registered before
        # now or later) or an example question (part of the index:
        # questions.faiss) schedules a rebuild.
        model_source.watch(signals.connect, signals.disconnect)
        signals.connect(ExampleQuestion)
        # Every load of the live index first looks for a version published to
        # SITE_ASSISTANT["STORAGE"] (nothing to do with the default storage).
        index.set_refresh(publish.refresh)


def run_tasks_in_process_without_a_broker():
    """A project that configures no Celery broker gets its builds run in-process.

    Celery's fallback would be an AMQP broker on localhost that nobody runs: every
    content change would wait on a connection that fails. With a broker set
    (CELERY_BROKER_URL through the project's Celery app) nothing changes.
    """
    from celery import current_app

    if not current_app.conf.broker_url:
        current_app.conf.task_always_eager = True
        current_app.conf.task_eager_propagates = True


def check_index_dir(app_configs=None, **kwargs):
    """Warn when SITE_ASSISTANT["INDEX_DIR"] cannot be created or written."""
    from . import conf

    path = Path(conf.get("INDEX_DIR"))
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        return [
            checks.Warning(
                f"SITE_ASSISTANT['INDEX_DIR'] ({path}) is not writable: index builds will fail.",
                hint="Point SITE_ASSISTANT['INDEX_DIR'] (or SEARCH_INDEX_DIR) at a writable folder.",
                id="site_assistant.W001",
            )
        ]
    return []
