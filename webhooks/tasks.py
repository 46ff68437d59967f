"""Celery tasks: thin wrappers around webhooks.services."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from webhooks import services

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def process_event(event_id: int) -> None:
    """Mirror one stored Stripe event; safe to run any number of times."""
    services.webhook_event_process(event_id)


@shared_task(acks_late=True)
def requeue_stale_events() -> int:
    """Enqueue again every event left pending or failed; scheduled by CELERY_BEAT_SCHEDULE."""
    event_ids = services.webhook_events_requeue(
        older_than=timedelta(seconds=settings.WEBHOOK_STALE_AFTER_SECONDS)
    )
    if event_ids:
        logger.warning("Re-enqueued %d stale webhook events: %s", len(event_ids), event_ids)
    return len(event_ids)
