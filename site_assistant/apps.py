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
        checks.register(check_answer_settings)
        checks.register(check_approx_settings)
        run_tasks_in_process_without_a_broker()
        # The Celery tasks: site_assistant.tasks also makes its task the queue that
        # site_assistant.rebuilds hands queued builds to.
        from . import index, publish, signals, tasks, wagtail_signals  # noqa: F401
        from .models import ExampleQuestion
        from .sources import models as model_source

        # Saving or deleting a row of a registered model (registered before
        # now or later) or an example question (part of the index:
        # questions.faiss) schedules a rebuild.
        model_source.watch(signals.connect, signals.disconnect)
        signals.connect(ExampleQuestion)
        # On a Wagtail site, publishing, unpublishing, moving or deleting a page
        # and changing its privacy schedule one too (nothing without Wagtail).
        wagtail_signals.connect()
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


def check_answer_settings(app_configs=None, **kwargs):
    """Errors for the settings that decide "not sure": a quantile or threshold
    outside (0, 1), or a list of off-topic questions that cannot be read or is empty."""
    from . import conf

    errors = []
    for name in ("OFF_TOPIC_QUANTILE", "MIN_SCORE"):
        value = conf.get(name)
        if value is None and name == "MIN_SCORE":
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            errors.append(
                checks.Error(
                    f"SITE_ASSISTANT[{name!r}] must be a number between 0 and 1, not {value!r}.",
                    hint="See the SITE_ASSISTANT table in docs/configuration.md.",
                    id="site_assistant.E001",
                )
            )
    path = conf.get("OFF_TOPIC_QUESTIONS")
    if path:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            lines, problem = [], f"cannot be read ({exc.__class__.__name__})"
        else:
            problem = "has no question"
        if not any(line.strip() and not line.lstrip().startswith("#") for line in lines):
            errors.append(
                checks.Error(
                    f"SITE_ASSISTANT['OFF_TOPIC_QUESTIONS'] ({path}) {problem}: "
                    "every build calibrates its answer threshold on it.",
                    hint="A UTF-8 text file, one question a line, or unset for the shipped list.",
                    id="site_assistant.E002",
                )
            )
    return errors


def check_approx_settings(app_configs=None, **kwargs):
    """An error for an approximate-index setting the builds and every query would
    refuse (APPROX_INDEX, APPROX_THRESHOLD, APPROX_NPROBE, APPROX_EF_SEARCH,
    APPROX_HNSW_M): said at start, not as a failed question."""
    from django.core.exceptions import ImproperlyConfigured

    from . import ann

    try:
        ann.settings()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="See the SITE_ASSISTANT table in docs/configuration.md.",
                id="site_assistant.E003",
            )
        ]
    return []
