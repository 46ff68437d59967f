"""Emitting Stripe events: stored with the change that caused them, delivered after commit."""

import copy
import logging
from typing import Any

import stripe

from stripe_sandbox import clock
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxEvent
from stripe_sandbox.operation import current

logger = logging.getLogger(__name__)


def emit(
    event_type: str,
    obj: dict[str, Any],
    *,
    account: str,
    previous_attributes: dict[str, Any] | None = None,
) -> SandboxEvent:
    """Store an event of `event_type` carrying a copy of `obj`.

    `account` is the connected account ("" for platform events, which then carry no
    `account` key). Must run inside `sandbox_operation()`: the event is delivered when it ends.
    """
    operation = current()
    if operation is None:
        raise RuntimeError("sandbox events must be emitted inside sandbox_operation()")
    event_id = new_id("evt")
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = copy.deepcopy(previous_attributes)
    payload: dict[str, Any] = {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": clock.now(),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": operation.request_id, "idempotency_key": operation.idempotency_key},
        "type": event_type,
    }
    if account:
        payload["account"] = account
    event = SandboxEvent.objects.create(
        stripe_id=event_id,
        account=account,
        type=event_type,
        data=payload,
        created=payload["created"],
    )
    operation.event_ids.append(event_id)
    logger.info("sandbox emitted %s %s (account=%s)", event_type, event_id, account or "-")
    return event


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old value of every top-level key that changed."""
    return {key: before.get(key) for key in after if before.get(key) != after.get(key)}
