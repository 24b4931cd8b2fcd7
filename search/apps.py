import os
from pathlib import Path

from django.apps import AppConfig
from django.core import checks


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Ask Bambi (site search)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_index_dir, checks.Tags.compatibility)
        # The Celery tasks: search.tasks also makes its task the queue that
        # search.rebuilds hands queued builds to.
        from . import signals, tasks  # noqa: F401
        from .models import ExampleQuestion
        from .sources import models as model_source

        # Saving or deleting a row of a registered model (registered before
        # now or later) or an example question (part of the index:
        # questions.faiss) schedules a rebuild.
        model_source.watch(signals.connect, signals.disconnect)
        signals.connect(ExampleQuestion)


def check_index_dir(app_configs=None, **kwargs):
    """Warn when SEARCH["INDEX_DIR"] cannot be created or written."""
    from . import conf

    path = Path(conf.get("INDEX_DIR"))
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not os.access(existing, os.W_OK):
        return [
            checks.Warning(
                f"SEARCH['INDEX_DIR'] ({path}) is not writable: index builds will fail.",
                hint="Point SEARCH['INDEX_DIR'] (or SEARCH_INDEX_DIR) at a writable folder.",
                id="search.W001",
            )
        ]
    return []
