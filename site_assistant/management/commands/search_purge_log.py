"""``manage.py search_purge_log [--days N]``: delete logged questions older than N days.

And visitors' questions left in the training pairs kept with models.
"""

from django.core.management.base import BaseCommand, CommandError

from ... import conf
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

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        kept = conf.get("LOG_RETENTION_DAYS") if days is None else days
        deleted, swept = purge(days)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} question(s) older than {kept} days.")
        )
        if swept:
            self.stdout.write(
                f"Removed {swept} visitor question(s) from the training pairs kept with models."
            )
