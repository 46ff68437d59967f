"""Celery tasks: thin wrappers around webhooks.services."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from webhooks import services

logger = logging.getLogger(__name__)

# A processing task acks its message once done (a worker killed mid-task leaves it to be
# delivered again) and retries what raised, with growing, jittered waits.
PROCESSING = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**PROCESSING)
def process_event(event_id: int) -> None:
    """Mirror one stored Stripe event; safe to run any number of times."""
    services.webhook_event_process(event_id)


@shared_task(**PROCESSING)
def process_pending_events(slot: int = 0) -> int:
    """Process the pending events intake announced in `slot` (and any other), oldest
    first, until none is left: one task for many events, so what a task costs the broker
    and the worker is paid once per batch instead of once per event."""
    return services.webhook_events_drain(slot)


@shared_task(acks_late=True)
def requeue_stale_events() -> int:
    """Enqueue again every event left pending or failed, and a drain if announced events
    wait longer than a sweep interval; scheduled by CELERY_BEAT_SCHEDULE."""
    event_ids = services.webhook_events_requeue(
        older_than=timedelta(seconds=settings.WEBHOOK_STALE_AFTER_SECONDS)
    )
    if event_ids:
        logger.warning("Re-enqueued %d stale webhook events: %s", len(event_ids), event_ids)
    interval = timedelta(seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS)
    if services.webhook_events_nudge(older_than=interval):
        logger.warning("Webhook events waited over %s for their drain: enqueued one", interval)
    return len(event_ids)
