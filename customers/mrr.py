"""Monthly recurring revenue: what a subscription is worth a month, and how each Stripe
event moved that (new, expansion, contraction, churn, reactivation).

The definitions the Revenue page writes out:
- a subscription counts while it is active or past due and its collection is not paused;
  trials, incomplete, unpaid, paused and ended ones count nothing;
- it is worth its price's amount × quantity a month; a yearly price counts a twelfth
  (rounded down to the minor unit); other intervals count nothing;
- one canceled at period end counts until the period ends (Stripe's deleted event then).

A movement is read from its event alone: `updated` carries the old values in
`data.previous_attributes`, `created` starts from nothing, `deleted` ends at nothing from
what the subscription was last worth. So events recorded in any order, and twice, add up
to the same movements, and the subscription row keeps its own rule (an older event never
overwrites it).
"""

import logging
from collections.abc import Mapping
from typing import Any

from customers.models import MrrMovement, Subscription
from customers.sync import subscription_fields
from webhooks.mirror import stripe_time
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)

COUNTING_STATUSES = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
# A subscription that starts counting from these has never counted before.
STARTING_STATUSES = (Subscription.Status.TRIALING, Subscription.Status.INCOMPLETE)
CREATED = "customer.subscription.created"
UPDATED = "customer.subscription.updated"
DELETED = "customer.subscription.deleted"


def monthly_value(fields: Mapping[str, Any]) -> int:
    """What a subscription (the mirror's fields) counts in MRR, in minor units."""
    if fields["status"] not in COUNTING_STATUSES or fields["collection_paused"]:
        return 0
    amount = (fields["unit_amount"] or 0) * (fields["quantity"] or 1)
    if fields["interval"] == "year":
        return amount // 12
    return amount if fields["interval"] == "month" else 0


def mrr_movement_record(subscription: Subscription, event: WebhookEvent) -> MrrMovement | None:
    """Record how a customer.subscription.created / updated / deleted event moved the
    subscription's MRR, once per event (a redelivery records nothing). None for other events
    and for changes that leave the MRR as it was (a new card, a past due payment)."""
    if event.type not in (CREATED, UPDATED, DELETED):
        return None
    data = event.data_object
    after = subscription_fields(data)
    if event.type == CREATED:
        before: dict[str, Any] = {**after, "status": Subscription.Status.INCOMPLETE}
        before_value = 0
    elif event.type == UPDATED:
        previous = (event.payload.get("data") or {}).get("previous_attributes") or {}
        before = subscription_fields({**data, **previous})
        before_value = monthly_value(before)
    else:
        before, before_value = _before_the_end(subscription, data, event)
    after_value = monthly_value(after)
    if after_value == before_value:
        return None
    movement = MrrMovement(
        agency_id=subscription.agency_id,
        subscription=subscription,
        stripe_event_id=event.stripe_id,
        kind=_kind(before["status"], before_value, after_value),
        currency=after["currency"] or before["currency"] or subscription.currency,
        mrr_before=before_value,
        mrr_after=after_value,
        occurred_at=event.stripe_created or stripe_time(event.payload["created"]),
    )
    # ignore_conflicts: a redelivered (or concurrently processed) event records nothing.
    MrrMovement.objects.bulk_create([movement], ignore_conflicts=True)
    logger.info(
        "MRR %s of %s for event %s: %s → %s",
        movement.kind,
        subscription.stripe_id,
        event.stripe_id,
        before_value,
        after_value,
    )
    return movement


def _before_the_end(
    subscription: Subscription, data: Mapping[str, Any], event: WebhookEvent
) -> tuple[dict[str, Any], int]:
    """What a deleted subscription was worth just before: after the latest earlier movement
    we recorded; without one, as its last state says (a trial if it ended on its trial,
    else active, with its price and pause)."""
    ended_at = event.stripe_created or stripe_time(event.payload["created"])
    last = (
        subscription.mrr_movements.filter(occurred_at__lte=ended_at)
        .exclude(stripe_event_id=event.stripe_id)
        .order_by("-occurred_at", "-pk")
        .first()
    )
    ended_on_trial = data.get("trial_end") and (data.get("ended_at") or 0) <= data["trial_end"]
    status = Subscription.Status.TRIALING if ended_on_trial else Subscription.Status.ACTIVE
    before = subscription_fields({**data, "status": status})
    if last is not None:
        return before, last.mrr_after
    return before, monthly_value(before)


def _kind(before_status: str, before: int, after: int) -> str:
    if before == 0:
        starting = before_status in STARTING_STATUSES
        return MrrMovement.Kind.NEW if starting else MrrMovement.Kind.REACTIVATION
    if after == 0:
        return MrrMovement.Kind.CHURN
    return MrrMovement.Kind.EXPANSION if after > before else MrrMovement.Kind.CONTRACTION
