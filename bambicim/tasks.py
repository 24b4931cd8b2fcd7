from celery import shared_task

from . import retention


@shared_task(name="bambicim.tasks.purge_contact_messages")
def purge_contact_messages(days: int = retention.CONTACT_MESSAGE_RETENTION_DAYS) -> int:
    """Nightly: forget contact messages older than the Privacy page allows."""
    return retention.purge_contact_messages(days)
