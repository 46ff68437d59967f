"""Stripe events about the agencies' subscriptions and payment methods."""

from agencies.sync import agency_for_stripe_account
from customers.sync import payment_method_upsert, subscription_upsert
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
    agency = agency_for_stripe_account(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    data = event.data_object
    if subscription_upsert(agency=agency, data=data, as_of=event.stripe_created) is None:
        return f"customer {data.get('customer')} is not a customer of agency {agency.pk}"
    return None


@handles("payment_method.attached", "payment_method.updated", "payment_method.detached")
def payment_method_changed(event: WebhookEvent) -> str | None:
    agency = agency_for_stripe_account(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    data = event.data_object
    if payment_method_upsert(agency=agency, data=data, as_of=event.stripe_created) is None:
        return f"payment method {data['id']} is not mirrored for a customer of agency {agency.pk}"
    return None
