"""``manage.py search_rebuild [--sync] [--model base|PATH]``: rebuild the search index."""

import logging
import sys
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router
from django.utils import translation

from site_assistant.models import IndexBuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the site's pages, templates and registered models. "
        "By default the build is queued for a Celery worker (or runs eagerly without a broker); "
        "--sync runs it here with a progress bar; -v2 also prints the build's debug notes "
        "(e.g. which matched templates no page uses)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Run the build in this process, with a progress bar.",
        )
        parser.add_argument(
            "--model",
            metavar="base|PATH",
            help="Serve this model from now on and build with it: 'base' for the configured "
            "model (turns a fine-tuned one off), or a sentence-transformers model folder "
            "(a training run's, to serve it again).",
        )

    def handle(self, *args, sync=False, model=None, verbosity=1, **options):
        connection = connections[router.db_for_write(IndexBuild)]
        if IndexBuild._meta.db_table not in connection.introspection.table_names():
            raise CommandError(
                "The database has no site_assistant tables yet: run `manage.py migrate` first."
            )
        with _debug_notes(verbosity >= 2):
            self._handle(sync, model)

    def _handle(self, sync, model):
        from site_assistant import embed
        from site_assistant.rebuilds import claim_or_coalesce, request_rebuild, take_over

        trigger = IndexBuild.Trigger.COMMAND
        if model is not None:
            try:
                embed.set_active_model(None if model == "base" else model)
            except ValueError as exc:
                raise CommandError(f"--model: {exc}") from None
            trigger = IndexBuild.Trigger.MODEL
            self.stdout.write(f"Serving {embed.model_id(embed.active_model_ref())} from now on.")

        if not sync:
            build = request_rebuild(trigger)
            build.refresh_from_db()
            if build.status == IndexBuild.Status.COALESCED:
                self.stdout.write(
                    f"Build #{build.coalesced_into_id} is already {build.coalesced_into.status}; "
                    f"your request is recorded as #{build.pk} (coalesced)."
                )
            else:
                self.stdout.write(f"Build #{build.pk}: {build.get_status_display()}.")
                if build.status == IndexBuild.Status.FAILED:
                    raise CommandError(f"Build #{build.pk} failed: {build.error}")
                if build.status == IndexBuild.Status.UNQUEUED:
                    raise CommandError(f"Build #{build.pk} was not started: {build.error}")
            return

        build = claim_or_coalesce(trigger)
        if (
            build.status == IndexBuild.Status.COALESCED
            and build.coalesced_into.status == IndexBuild.Status.QUEUED
        ):
            # Queued for a worker that has not started it (none may be running:
            # `make serve` must not stop here for QUEUED_BUILD_EXPIRES_SECONDS).
            taken = take_over(build.coalesced_into_id)
            if taken is not None:
                self.stdout.write(
                    f"Build #{taken.pk} was queued and no worker had started it: it runs here."
                )
                build = taken
        if build.status == IndexBuild.Status.COALESCED and model is not None:
            # site_assistant.tasks._follow_up: that build ends by building again with this model.
            self.stdout.write(
                f"Build #{build.coalesced_into_id} is already {build.coalesced_into.status}; "
                "the index is built with this model once that build is done."
            )
            return
        if build.status == IndexBuild.Status.COALESCED:
            raise CommandError(
                f"Build #{build.coalesced_into_id} is already {build.coalesced_into.status}: "
                "wait for it to finish (manage.py search_stats shows it)."
            )
        self._run(build)

    def _run(self, build):
        from tqdm import tqdm

        from site_assistant.build import explain, run_build
        from site_assistant.rebuilds import release

        # The stage, the percent done and the time so far: no rate ("%/s" means
        # nothing for stages) and no time left (stages differ too much to guess it).
        bar = tqdm(
            total=100,
            desc="Indexing",
            file=self.stderr._out,
            leave=True,
            bar_format="{desc}{percentage:3.0f}% |{bar}| {elapsed}",  # tqdm adds ": " to desc
        )

        def progress(percent, stage):
            # The percent first, then the stage (set_description redraws the bar): the
            # other way round drew "done: 96%" (sync's percent) as the bar's last line.
            bar.update(percent - bar.n)
            bar.set_description(f"Indexing, {stage}")

        try:
            # A warning the build logs to the console goes above the bar, not onto its line.
            with _above_the_bar(build.pk):
                run_build(build, progress)
        except Exception as exc:
            # Nothing to index, a full or read-only disk: the message says what to do. Any
            # other failure's traceback (not on the console: _above_the_bar) is --traceback's.
            explained = explain(exc)
            said = explained or f"{type(exc).__name__}: {exc}"
            raise CommandError(f"Build #{build.pk} failed: {said}") from (
                None if explained else exc
            )
        finally:
            release(build.pk)
            bar.close()
        # Sitemap URLs on other hosts; SKIP_OTHER_LANGUAGE_PAGES: a bilingual site's pages
        # of the other language (a sitemap not read failed the build: its error says so).
        # In English, as the rest of the line (the admin says them in the owner's language).
        with translation.override("en"):
            notes = (
                build.other_hosts_left_out(),
                build.other_language_left_out(),
                build.reading_as_other_language(),
            )
        skipped = "".join(f"; {note}" for note in notes if note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Build #{build.pk} succeeded in {build.duration.total_seconds():.1f} s: "
                f"version {build.version}, model {build.model_id}, {build.pages} pages, "
                f"{build.passages} passages ({build.embedded} embedded, {build.reused} reused, "
                f"{build.removed} removed){skipped}."
            )
        )


@contextmanager
def _debug_notes(show: bool):
    """With -v2, the app's debug-level log lines are emitted for this command."""
    logger = logging.getLogger("site_assistant")
    previous = logger.level
    if show:
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.setLevel(previous)


@contextmanager
def _above_the_bar(build_pk: int):
    """Log lines written to the console go above the progress bar, each once.

    The build's own "failed" line is left to the CommandError, which says the same: the
    owner read it twice. Log files and other handlers still receive it.

    The root logger is redirected too, for the records no handler of the site's writes
    (they would reach ``logging.lastResort``, onto the bar's line); when it had no console
    handler of its own (Django's default LOGGING, a ``startproject`` site's), the records
    a logger below it printed already are not printed again: every error page a build
    met ("Internal Server Error: /sitemap.xml" and its traceback) was written twice."""
    from tqdm.contrib.logging import logging_redirect_tqdm

    loggers = _console_loggers()
    root_printed = any(_to_console(handler) for handler in logging.root.handlers)
    printed = [logger.name for logger in loggers if logger is not logging.root]

    def not_printed_below(record) -> bool:
        return not any(
            record.name == name or record.name.startswith(f"{name}.") for name in printed
        )

    def not_the_failure(record) -> bool:
        return getattr(record, "failed_build", None) != build_pk

    before = {logger.name: list(logger.handlers) for logger in loggers}
    with logging_redirect_tqdm(loggers):
        if not root_printed:
            logging.root.handlers[-1].addFilter(not_printed_below)  # the one tqdm added
        for logger in loggers:  # the console handlers tqdm put in place of the site's
            for handler in logger.handlers:
                if handler not in before[logger.name]:
                    handler.addFilter(not_the_failure)
        yield


def _to_console(handler) -> bool:
    return type(handler) is logging.StreamHandler and handler.stream in (sys.stdout, sys.stderr)


def _console_loggers() -> list[logging.Logger]:
    """The root logger and every other one with a handler writing to the console (a
    site's LOGGING may give "django" or "site_assistant" their own)."""
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
        and any(_to_console(handler) for handler in logger.handlers)
    ]
    return [logging.root, *loggers]
