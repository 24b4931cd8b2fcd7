"""How long the site keeps what visitors send (the Privacy page's promises)."""

import datetime

from django.utils import timezone

from .models import ContactMessage

CONTACT_MESSAGE_RETENTION_DAYS = 365  # "kept for up to 12 months"


def purge_contact_messages(
    days: int = CONTACT_MESSAGE_RETENTION_DAYS, dry_run: bool = False
) -> int:
    """Delete contact messages older than ``days``; return how many (would) go."""
    if days < 1:
        raise ValueError("days must be at least 1")
    old = ContactMessage.objects.filter(created__lt=timezone.now() - datetime.timedelta(days=days))
    count = old.count()
    if not dry_run:
        old.delete()
    return count
