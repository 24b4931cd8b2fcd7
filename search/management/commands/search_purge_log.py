"""``manage.py search_purge_log [--days N]``: delete logged questions older than N days."""

from django.core.management.base import BaseCommand, CommandError

from ... import conf
from ...questions import purge_old_questions


class Command(BaseCommand):
    help = "Delete logged questions older than SEARCH['LOG_RETENTION_DAYS'] (default 30) days."

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
        deleted = purge_old_questions(days)
        self.stdout.write(
            self.style.SUCCESS(f"Deleted {deleted} question(s) older than {kept} days.")
        )
