"""Store Stripe events and process them exactly once.

Intake stores the raw event (unique Stripe id) and nothing else; processing runs later in a
Celery task, under a lock on the event row, and records the outcome on the row.
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from webhooks.models import WebhookEvent
from webhooks.registry import handler_for

logger = logging.getLogger(__name__)

# Events in these states are done: processing them again changes nothing.
DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)
# The sweeper stops re-enqueuing an event after this many attempts; replay it by hand.
MAX_SWEPT_ATTEMPTS = 25


def webhook_event_receive(
    *, payload: Mapping[str, Any], endpoint: str
) -> tuple[WebhookEvent, bool]:
    """Store a verified Stripe event. Returns (event, created); a repeated Stripe event id,
    even one delivered concurrently, returns the stored row with created=False and changes
    nothing."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                stripe_id=payload["id"],
                type=payload["type"],
                endpoint=endpoint,
                account=payload.get("account") or "",
                livemode=bool(payload.get("livemode")),
                api_version=payload.get("api_version") or "",
                stripe_created=datetime.fromtimestamp(payload["created"], tz=UTC),
                payload=payload,
            )
    except IntegrityError:
        logger.info("Stripe event %s delivered again; already stored", payload["id"])
        return WebhookEvent.objects.get(stripe_id=payload["id"]), False
    logger.info("Stored Stripe event %s (%s)", event.stripe_id, event.type)
    return event, True


def webhook_event_process(event_id: int) -> WebhookEvent | None:
    """Run the handler for one stored event, once. Under a lock on the event row: an event
    already processed or ignored is left alone; otherwise the outcome (processed, or ignored
    with the handler's reason) and the attempt are recorded. If the handler raises, its
    writes are rolled back, the event is marked failed with the error, and the error
    propagates so the caller can retry."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
            if event is None:
                logger.warning("Webhook event %s does not exist; nothing to process", event_id)
                return None
            if event.status in DONE:
                logger.info("Stripe event %s is already %s", event.stripe_id, event.status)
                return event
            _dispatch(event)
            return event
    except Exception as error:
        _record_failure(event_id, error)
        raise


def _dispatch(event: WebhookEvent) -> None:
    handler = handler_for(event.type)
    reason = handler(event) if handler else f"no handler for {event.type}"
    event.attempts += 1
    event.status = WebhookEvent.Status.IGNORED if reason else WebhookEvent.Status.PROCESSED
    event.last_error = reason or ""
    event.processed_at = timezone.now()
    event.save(update_fields=["attempts", "status", "last_error", "processed_at"])
    if reason:
        logger.info("Stripe event %s (%s) ignored: %s", event.stripe_id, event.type, reason)
    else:
        logger.info("Stripe event %s (%s) processed", event.stripe_id, event.type)


def _record_failure(event_id: int, error: Exception) -> None:
    logger.exception("Processing webhook event %s failed", event_id)
    WebhookEvent.objects.filter(pk=event_id).exclude(status__in=DONE).update(
        status=WebhookEvent.Status.FAILED,
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )


def webhook_events_stale(*, older_than: timedelta) -> list[int]:
    """Ids of events still pending or failed `older_than` after they arrived (and not given
    up on): the sweeper enqueues them again, so the broker is never the only copy."""
    return list(
        WebhookEvent.objects.filter(
            status__in=(WebhookEvent.Status.PENDING, WebhookEvent.Status.FAILED),
            received_at__lt=timezone.now() - older_than,
            attempts__lt=MAX_SWEPT_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)
    )


def webhook_event_replay(event_id: int) -> WebhookEvent | None:
    """Process an event again, whatever its status. Mirror upserts are idempotent and
    ordered by the event's time, so replaying an old event never undoes newer state."""
    WebhookEvent.objects.filter(pk=event_id).update(status=WebhookEvent.Status.PENDING)
    return webhook_event_process(event_id)
