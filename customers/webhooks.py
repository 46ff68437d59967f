"""Stripe events about the agencies' subscriptions and payment methods."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agencies.models import Agency
from customers.billing_events import subscription_event
from customers.models import Subscription
from customers.mrr import mrr_movement_record
from customers.sync import payment_method_upsert, subscription_upsert
from webhooks.handlers import upsert_for_agency
from webhooks.models import WebhookEvent
from webhooks.registry import handles


@handles(
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
)
def subscription_changed(event: WebhookEvent) -> str | None:
    def upsert_and_record_mrr(
        *, agency: Agency, data: Mapping[str, Any], as_of: datetime
    ) -> Subscription | None:
        subscription = subscription_upsert(agency=agency, data=data, as_of=as_of)
        if subscription is not None:
            mrr_movement_record(subscription, event)
        return subscription

    return upsert_for_agency(event, upsert_and_record_mrr, then=subscription_event)


@handles("payment_method.attached", "payment_method.updated", "payment_method.detached")
def payment_method_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(
        event,
        payment_method_upsert,
        unknown="payment method {id} is not mirrored for a customer of agency {agency}",
    )
