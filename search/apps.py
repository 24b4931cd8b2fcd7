import os
from pathlib import Path

from django.apps import AppConfig
from django.core import checks


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Site assistant"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Model signals are connected by search.register() for each registered
        # model (search/signals.py); the tasks module registers the Celery tasks.
        checks.register(check_index_dir, checks.Tags.compatibility)
        # The owner's example questions are part of the index (questions.faiss).
        from . import signals
        from .models import ExampleQuestion

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
