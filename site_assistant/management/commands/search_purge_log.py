"""``manage.py search_purge_log [--days N] [--no-input]``: delete logged questions older
than N days.

And visitors' questions left in the training pairs kept with models. Fewer days than
LOG_RETENTION_DAYS deletes questions the site would still keep: it asks first.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ... import conf
from ...models import Question
from ...questions import purge


class Command(BaseCommand):
    help = (
        "Delete logged questions older than SITE_ASSISTANT['LOG_RETENTION_DAYS'] (default 30) days."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Keep this many days (default: LOG_RETENTION_DAYS = {conf.get('LOG_RETENTION_DAYS')}).",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask before deleting questions younger than LOG_RETENTION_DAYS.",
        )

    def handle(self, *args, days=None, interactive=True, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        retention = conf.get("LOG_RETENTION_DAYS")
        kept = retention if days is None else days
        if interactive and kept < retention and not self._confirmed(kept, retention):
            self.stdout.write("Nothing deleted.")
            return
        deleted, swept = purge(days)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} question(s) older than {kept} days.")
        )
        if swept:
            self.stdout.write(
                f"Removed {swept} visitor question(s) from the training pairs kept with models."
            )

    def _confirmed(self, days: int, retention: int) -> bool:
        """Whether the person at the terminal wants questions the site would keep deleted."""
        early = Question.objects.filter(
            created__lt=timezone.now() - timedelta(days=days),
            created__gte=timezone.now() - timedelta(days=retention),
        ).count()
        if not early:
            return True
        question = (
            f"This deletes {early} question(s) asked in the last {retention} days "
            f"(LOG_RETENTION_DAYS), which the site keeps for the owner's review, "
            f"besides those older."
        )
        try:
            answer = input(f"{question} Type 'yes' to delete them: ")
        except EOFError:  # no one at a terminal (cron, a pipe)
            raise CommandError(
                f"{question} Add --no-input to delete them without asking."
            ) from None
        return answer.strip().lower() == "yes"
