"""How long the site keeps what visitors send (the Privacy page's promises)."""

import datetime
import logging

from django.core.cache import cache
from django.utils import timezone

from .models import ContactMessage

CONTACT_MESSAGE_RETENTION_DAYS = 365  # "kept for up to 12 months"
# Without beat or cron, a message sent purges expired ones, at most once a day.
PURGE_DUE_KEY = "bambicim:contact-purge-due"

logger = logging.getLogger(__name__)


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


def purge_contact_messages_when_due() -> None:
    """``purge_contact_messages`` unless this process ran it in the last day; never raises."""
    try:
        if cache.add(PURGE_DUE_KEY, 1, timeout=24 * 3600):
            purge_contact_messages()
    except Exception:
        logger.exception("could not purge old contact messages")
