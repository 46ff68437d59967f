"""Stripe events about the agencies' subscriptions and payment methods."""

from customers.billing_events import subscription_event
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
    return upsert_for_agency(event, subscription_upsert, then=subscription_event)


@handles("payment_method.attached", "payment_method.updated", "payment_method.detached")
def payment_method_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(
        event,
        payment_method_upsert,
        unknown="payment method {id} is not mirrored for a customer of agency {agency}",
    )
