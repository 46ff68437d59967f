"""Store Stripe events and process them exactly once.

Intake stores the raw event (unique Stripe id) and nothing else; processing runs later in a
Celery task, under a lock on the event row, and records the outcome on the row.
"""

import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from typing import Any

import redis
import stripe
from django.conf import settings
from django.db import DatabaseError, DataError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from webhooks import tasks
from webhooks.mirror import row_insert_unless_taken
from webhooks.models import WebhookEvent
from webhooks.registry import handler_for

logger = logging.getLogger(__name__)

# Events in these states are done: processing them again changes nothing.
DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)
# The sweeper stops re-enqueuing an event after this many attempts; replay it by hand.
MAX_SWEPT_ATTEMPTS = 25
# Column sizes: an event's field longer than its column is a reason to ignore the event.
_TYPE_MAX = WebhookEvent._meta.get_field("type").max_length
_ACCOUNT_MAX = WebhookEvent._meta.get_field("account").max_length
_API_VERSION_MAX = WebhookEvent._meta.get_field("api_version").max_length
# The last second Python's datetime can hold (9999-12-31 23:59:59 UTC).
_LAST_TIMESTAMP = 253_402_300_799


def webhook_event_receive(
    *, payload: Mapping[str, Any], endpoint: str, body: str
) -> tuple[WebhookEvent, bool]:
    """Store a verified Stripe event (`payload`, parsed from `body`) and, once the row is
    committed, enqueue its processing. Returns (event, created); a repeated Stripe event id,
    even one delivered concurrently, returns the stored row with created=False and changes
    nothing (but enqueues again an event whose first enqueue failed).

    An event whose fields do not fit our columns, or whose JSON PostgreSQL cannot store, is
    stored anyway, marked ignored with the reason (the raw body kept when the JSON cannot
    be), so a signed event is never lost. Raises DatabaseError only when the row could not
    be stored: the caller must not answer 2xx then."""
    fields = _event_fields(payload, endpoint)
    # What jsonb refuses only arrives as a \\u escape, which most bodies do not contain.
    unstorable = "\\u" in body and _json_unstorable(payload)
    unfit = _unfit_reasons(payload, json_unstorable=unstorable)
    if unfit:
        fields.update(_ignored("; ".join(unfit)))
    if unstorable:
        fields.update(payload={}, raw_body=body)
    try:
        event, created = _event_insert(fields)
    except DataError as error:
        # Nothing we foresaw, and PostgreSQL refused it: keep the event as evidence.
        logger.warning("PostgreSQL refused Stripe event %s: %s", payload["id"], error)
        fields.update(payload={}, raw_body=body, **_ignored(f"PostgreSQL refused it: {error}"))
        event, created = _event_insert(fields)
    if event.status == WebhookEvent.Status.PENDING and (created or event.enqueue_failed_at):
        retry = event.enqueue_failed_at is not None
        enqueue = partial(webhook_event_enqueue, event.pk, after_failure=retry, drain=True)
        transaction.on_commit(enqueue)
    return event, created


def webhook_event_enqueue(
    event_id: int, *, after_failure: bool = False, drain: bool = False
) -> bool:
    """Hand the event to the broker: as a task of its own, or (`drain`, intake's way) by
    announcing it to a drain of the pending events, one task for many (with tasks run in
    process, CELERY_TASK_ALWAYS_EAGER, the event is processed here and now either way). If
    the broker fails, record it on the row (the sweeper enqueues it on its next run) and
    return False: a stored event is never lost because the broker was down.
    `after_failure`: the event's last enqueue failed; clear that once the broker took it."""
    try:
        if drain and not _tasks_in_process():
            webhook_events_drain_announce(event_id)
        else:
            tasks.process_event.delay(event_id)
    except Exception as error:  # noqa: BLE001 - whatever the broker raised, the row is safe
        logger.error("Could not enqueue webhook event %s: %s", event_id, error)
        with contextlib.suppress(DatabaseError):  # then the staleness sweep finds it
            WebhookEvent.objects.filter(pk=event_id).update(
                enqueue_failed_at=timezone.now(),
                last_error=f"could not enqueue: {type(error).__name__}: {error}"[:2000],
            )
        return False
    if after_failure:
        WebhookEvent.objects.filter(pk=event_id).update(enqueue_failed_at=None)
    return True


def _event_insert(fields: dict[str, Any]) -> tuple[WebhookEvent, bool]:
    # One INSERT … ON CONFLICT DO NOTHING: it commits by itself (no BEGIN/COMMIT round
    # trips) and meets a duplicate id without an error. Inside a caller's transaction a
    # savepoint keeps a DataError from aborting it.
    event = WebhookEvent(**fields)
    nested = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    with nested:
        stored = row_insert_unless_taken(event)
    if not stored:
        logger.info("Stripe event %s delivered again; already stored", event.stripe_id)
        return WebhookEvent.objects.get(stripe_id=event.stripe_id), False
    logger.info("Stored Stripe event %s (%s, %s)", event.stripe_id, event.type, event.status)
    return event, True


def _event_fields(payload: Mapping[str, Any], endpoint: str) -> dict[str, Any]:
    """The columns of an event, each cut to what fits (what did not fit is a reason to
    ignore the event, from _unfit_reasons)."""
    account, api_version = payload.get("account"), payload.get("api_version")
    return {
        "stripe_id": _text(payload["id"]),
        "type": _text(payload["type"])[:_TYPE_MAX],
        "endpoint": endpoint,
        "account": _text(account)[:_ACCOUNT_MAX] if isinstance(account, str) else "",
        "livemode": payload.get("livemode") is True,
        "api_version": (
            _text(api_version)[:_API_VERSION_MAX] if isinstance(api_version, str) else ""
        ),
        "stripe_created": _created_time(payload["created"]),
        "payload": payload,
    }


def _ignored(reason: str) -> dict[str, Any]:
    return {
        "status": WebhookEvent.Status.IGNORED,
        "last_error": reason[:2000],
        "processed_at": timezone.now(),
    }


def _created_time(created: int) -> datetime | None:
    if not 0 <= created <= _LAST_TIMESTAMP:
        return None
    return datetime.fromtimestamp(created, tz=UTC)


def _unfit_reasons(payload: Mapping[str, Any], *, json_unstorable: bool) -> list[str]:
    """Why the event cannot be stored or applied as Stripe sent it (empty: it can)."""
    reasons = []
    if _created_time(payload["created"]) is None:
        reasons.append(f"created {payload['created']} is not a time")
    if len(payload["type"]) > _TYPE_MAX:
        reasons.append(f"the type is longer than {_TYPE_MAX} characters")
    for key, limit in (("account", _ACCOUNT_MAX), ("api_version", _API_VERSION_MAX)):
        value = payload.get(key)
        if value is not None and not (isinstance(value, str) and len(value) <= limit):
            reasons.append(f"{key} is not a string of at most {limit} characters")
    if payload.get("livemode") not in (None, True, False):
        reasons.append("livemode is not true or false")
    if json_unstorable:
        reasons.append("the payload holds a NUL character or a lone surrogate")
    return reasons


def _json_unstorable(value: Any) -> bool:
    """Whether a string in the JSON (key or value) holds what PostgreSQL's jsonb refuses: a
    NUL character or a lone surrogate (half of a UTF-16 pair)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or not _encodes(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _text(value: str) -> str:
    """`value` as PostgreSQL text can hold it: NUL and lone surrogates become U+FFFD (the
    event is then ignored for its payload, see _json_unstorable)."""
    if _encodes(value) and "\x00" not in value:
        return value
    return "".join(
        "\ufffd" if char == "\x00" or "\ud800" <= char <= "\udfff" else char for char in value
    )


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def webhook_event_process(event_id: int) -> WebhookEvent | None:
    """Run the handler for one stored event, once. Under a lock on the event row: an event
    already processed or ignored is left alone; otherwise the outcome (processed, or ignored
    with the handler's reason) and the attempt are recorded. If the handler raises, its
    writes are rolled back; an error no retry can mend (Stripe no longer has the object,
    data that does not fit our columns) settles the event as ignored with the reason;
    any other marks it failed with the error and propagates so the caller can retry."""
    try:
        with transaction.atomic():
            event = _event_claim(event_id)
            if event is None:
                return _event_not_claimed(event_id)
            _dispatch(event)
            return event
    except Exception as error:
        reason = _permanent(error)
        if reason is None:
            _record_failure(event_id, error)
            raise
        return _record_settled(event_id, reason)


# Drains run side by side, up to settings.WEBHOOK_DRAINS, each announced by its own key in
# Redis (its slot): an event is announced in slot `event id % WEBHOOK_DRAINS`. A slot's key is
# set while its drain task is queued or running and has not yet made its last look for
# pending events; intake enqueues a drain only when it sets the key. The key expires, so a
# drain task lost with its broker is replaced by the next event's intake (or the sweeper).
DRAIN_KEY = "webhooks:drain-announced:{slot}"
DRAIN_KEY_SECONDS = 60
# Events one drain task takes before it hands over to a new task (a warm shutdown of the
# worker waits for the running task; the broker sees the queue move).
DRAIN_BATCH = 500


def drain_key(slot: int) -> str:
    return DRAIN_KEY.format(slot=slot)


def webhook_events_drain_announce(event_id: int = 0, *, force: bool = False) -> None:
    """Make sure a drain task will take the pending events: enqueue one for the event's
    slot unless that slot's drain is queued or running already and has not yet made its
    last look (`force`: enqueue one anyway). Raises whatever Redis or the broker raised."""
    client, slot = _redis(), event_id % settings.WEBHOOK_DRAINS
    if client.set(drain_key(slot), "1", nx=True, ex=DRAIN_KEY_SECONDS) or force:
        try:
            tasks.process_pending_events.delay(slot)
        except Exception:
            with contextlib.suppress(redis.RedisError):  # the next intake announces again
                client.delete(drain_key(slot))
            raise


def webhook_events_drain(slot: int = 0, *, batch: int = DRAIN_BATCH) -> int:
    """A drain task's work: process pending events (any slot's: drains share the queue)
    until none is left, or hand over to a new task after `batch` events; return how many
    were taken.

    Why no announced event is left behind: intake commits its event, then sets its slot's
    key or finds it set. Whoever set it enqueued that slot's drain, and the key is cleared
    only by that drain once it found no pending event, and it then looks once more: so an
    event whose intake found the key set is taken by that last look, if not before."""
    taken, cleared = 0, False
    while True:
        found = webhook_events_process_pending(limit=batch - taken)
        taken += found
        if taken >= batch:
            tasks.process_pending_events.delay(slot)  # the key stays set: it clears it
            return taken
        if cleared and not found:
            return taken
        _redis().delete(drain_key(slot))
        cleared = True


def webhook_events_nudge(*, older_than: timedelta) -> bool:
    """Enqueue a drain if an announced event has waited longer than `older_than`: its
    drain task was lost (a worker killed mid-task, the broker restarted). Returns whether.
    With tasks run in process no event waits, so there is nothing to do."""
    waiting = WebhookEvent.objects.filter(
        status=WebhookEvent.Status.PENDING,
        received_at__lt=timezone.now() - older_than,
        enqueue_failed_at__isnull=True,
    )
    if _tasks_in_process() or not waiting.exists():
        return False
    webhook_events_drain_announce(force=True)
    return True


def _tasks_in_process() -> bool:
    return bool(tasks.process_event.app.conf.task_always_eager)


@cache
def _redis() -> redis.Redis:
    """The broker's Redis, where the drain keys live (one client per process, thread-safe)."""
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=5, socket_timeout=5
    )


def webhook_events_process_pending(*, limit: int) -> int:
    """Process pending events, oldest first and each in its own transaction, until none is
    left or `limit` were taken; return how many were taken. Concurrent callers take
    different events: an event being processed is locked, and the others skip it. An event
    whose handler fails is settled or marked failed as by webhook_event_process, then
    enqueued on its own, whose task retries it with backoff."""
    for taken in range(limit):
        event = None
        try:
            with transaction.atomic():
                event = _event_claim(None)
                if event is None:
                    return taken
                _dispatch(event)
        except Exception as error:
            if event is None:  # no event was taken: the database itself failed
                raise
            reason = _permanent(error)
            if reason is None:
                _record_failure(event.pk, error)
                webhook_event_enqueue(event.pk)  # its own task retries it, with backoff
            else:
                _record_settled(event.pk, reason)
    return limit


# One statement locks the event and records it processed, unless it is done already. The
# row lock is held until the transaction ends: a concurrent run of the same event waits, then
# finds it done. If the handler raises, the transaction (this update too) is rolled back. An
# event not stored as Stripe sent it keeps intake's reason (see _never_applied).
_CLAIM_SQL = """
    UPDATE {table} SET
        status = %s,
        attempts = attempts + 1,
        last_error = CASE WHEN stripe_created IS NULL OR raw_body <> '' THEN last_error ELSE '' END,
        processed_at = %s
    WHERE id = {event} AND status NOT IN ({done})
    RETURNING {columns}
"""
# The oldest pending event no other transaction holds (the partial index
# webhook_event_pending is this queue).
_NEXT_PENDING_SQL = "(SELECT id FROM {table} WHERE status = %s ORDER BY id LIMIT 1{lock})"


def _event_claim(event_id: int | None) -> WebhookEvent | None:
    """The event (None: the oldest pending one), locked and already marked processed (this
    transaction's outcome unless the handler says otherwise), or None if it is done or does
    not exist."""
    meta, quote = WebhookEvent._meta, connection.ops.quote_name
    done = [str(status) for status in DONE]
    table = quote(meta.db_table)
    if event_id is None:
        skip_locked = connection.features.has_select_for_update_skip_locked
        event_sql = _NEXT_PENDING_SQL.format(
            table=table, lock=" FOR UPDATE SKIP LOCKED" if skip_locked else ""
        )
        event_params: list[Any] = [WebhookEvent.Status.PENDING]
    else:
        event_sql, event_params = "%s", [event_id]
    sql = _CLAIM_SQL.format(
        table=table,
        event=event_sql,
        done=", ".join(["%s"] * len(done)),
        columns=", ".join(quote(field.column) for field in meta.concrete_fields),
    )
    params = [WebhookEvent.Status.PROCESSED, timezone.now(), *event_params, *done]
    return next(iter(WebhookEvent.objects.raw(sql, params)), None)


def _event_not_claimed(event_id: int) -> WebhookEvent | None:
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if event is None:
        logger.warning("Webhook event %s does not exist; nothing to process", event_id)
    else:
        logger.info("Stripe event %s is already %s", event.stripe_id, event.status)
    return event


def _dispatch(event: WebhookEvent) -> None:
    """Apply the claimed event; if it must be ignored, record why (its row says processed
    until then)."""
    handler = handler_for(event.type)
    reason = _never_applied(event) or (
        handler(event) if handler else f"no handler for {event.type}"
    )
    if reason:
        event.status = WebhookEvent.Status.IGNORED
        event.last_error = reason[:2000]
        event.save(update_fields=["status", "last_error"])
        logger.info("Stripe event %s (%s) ignored: %s", event.stripe_id, event.type, reason)
    else:
        logger.info("Stripe event %s (%s) processed", event.stripe_id, event.type)


def _never_applied(event: WebhookEvent) -> str | None:
    """Why the event must not be applied whatever its type, or None."""
    live_deployment = settings.STRIPE_MODE == "live"
    if event.livemode != live_deployment:
        mode = "live" if event.livemode else "test"
        return f"a {mode}-mode event is never applied by a {settings.STRIPE_MODE} deployment"
    if event.stripe_created is None or event.raw_body:
        return event.last_error or "the event was not stored as Stripe sent it"
    return None


def _permanent(error: Exception) -> str | None:
    """The reason to settle an event that raised `error`, when retrying cannot help."""
    if isinstance(error, stripe.InvalidRequestError) and error.http_status == 404:
        return f"Stripe no longer has the object: {error.user_message or error}"
    if isinstance(error, DataError):
        return f"Stripe's data does not fit our mirror: {error}"
    return None


def _record_settled(event_id: int, reason: str) -> WebhookEvent | None:
    logger.warning("Webhook event %s ignored: %s", event_id, reason)
    WebhookEvent.objects.filter(pk=event_id).exclude(status__in=DONE).update(
        status=WebhookEvent.Status.IGNORED,
        attempts=F("attempts") + 1,
        last_error=reason[:2000],
        processed_at=timezone.now(),
    )
    return WebhookEvent.objects.filter(pk=event_id).first()


def _record_failure(event_id: int, error: Exception) -> None:
    logger.exception("Processing webhook event %s failed", event_id)
    WebhookEvent.objects.filter(pk=event_id).exclude(status__in=DONE).update(
        status=WebhookEvent.Status.FAILED,
        attempts=F("attempts") + 1,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )


def webhook_events_requeue(*, older_than: timedelta) -> list[int]:
    """Enqueue again every event still pending or failed `older_than` after it arrived, or
    whose enqueue failed (at once: the broker is back if this runs), unless given up on.
    So the broker is never the only copy of work to do. Returns the ids enqueued."""
    stale = WebhookEvent.objects.filter(
        Q(received_at__lt=timezone.now() - older_than) | Q(enqueue_failed_at__isnull=False),
        status__in=(WebhookEvent.Status.PENDING, WebhookEvent.Status.FAILED),
        attempts__lt=MAX_SWEPT_ATTEMPTS,
    ).order_by("received_at")
    return [
        event_id
        for event_id, failed_at in stale.values_list("pk", "enqueue_failed_at")
        if webhook_event_enqueue(event_id, after_failure=failed_at is not None)
    ]


def webhook_event_replay(event_id: int) -> WebhookEvent | None:
    """Process an event again, whatever its status. Mirror upserts are idempotent and
    ordered by the event's time, so replaying an old event never undoes newer state."""
    WebhookEvent.objects.filter(pk=event_id).update(status=WebhookEvent.Status.PENDING)
    return webhook_event_process(event_id)
