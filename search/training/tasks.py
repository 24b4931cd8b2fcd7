"""Celery task behind the admin's "Train on site content" button."""

from celery import shared_task


@shared_task
def train_on_site(run_id: int) -> int:
    """Make pairs, fine-tune, evaluate and maybe activate; progress on TrainingRun."""
    raise NotImplementedError("train_on_site is being written (issue 5)")
