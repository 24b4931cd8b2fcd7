"""Delete contact messages older than the retention period (12 months)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bambicim.models import ContactMessage


class Command(BaseCommand):
    help = "Delete contact messages older than --days (default 365), as the Privacy page promises."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--dry-run", action="store_true", help="Only count, delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        old = ContactMessage.objects.filter(created__lt=cutoff)
        count = old.count()
        if dry_run:
            self.stdout.write(
                f"{count} contact message(s) older than {days} days would be deleted."
            )
            return
        old.delete()
        self.stdout.write(f"Deleted {count} contact message(s) older than {days} days.")
