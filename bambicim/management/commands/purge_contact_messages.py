"""Delete contact messages older than the retention period (12 months)."""

from django.core.management.base import BaseCommand, CommandError

from bambicim import retention


class Command(BaseCommand):
    help = "Delete contact messages older than --days (default 365), as the Privacy page promises."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=retention.CONTACT_MESSAGE_RETENTION_DAYS)
        parser.add_argument("--dry-run", action="store_true", help="Only count, delete nothing.")

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        count = retention.purge_contact_messages(days, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"{count} contact message(s) older than {days} days would be deleted."
            )
        else:
            self.stdout.write(f"Deleted {count} contact message(s) older than {days} days.")
