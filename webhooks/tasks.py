"""Celery tasks: thin wrappers around webhooks.services."""

import logging
from datetime import timedelta

from celery import shared_task

from webhooks.services import webhook_event_process, webhook_events_stale

logger = logging.getLogger(__name__)

# An event still pending this long after it arrived lost its task (broker down, worker killed).
STALE_AFTER = timedelta(minutes=10)


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
    webhook_event_process(event_id)


@shared_task(acks_late=True)
def requeue_stale_events() -> int:
    """Enqueue again every event left pending or failed; scheduled by CELERY_BEAT_SCHEDULE."""
    event_ids = webhook_events_stale(older_than=STALE_AFTER)
    for event_id in event_ids:
        process_event.delay(event_id)
    if event_ids:
        logger.warning("Re-enqueued %d stale webhook events: %s", len(event_ids), event_ids)
    return len(event_ids)
