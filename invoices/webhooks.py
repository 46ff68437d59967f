"""Stripe events about the agencies' invoices."""

from agencies.sync import agency_for_stripe_account
from invoices.sync import invoice_upsert
from webhooks.models import WebhookEvent
from webhooks.registry import handles


@handles(
    "invoice.created",
    "invoice.finalized",
    "invoice.updated",
    "invoice.sent",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
)
def invoice_changed(event: WebhookEvent) -> str | None:
    agency = agency_for_stripe_account(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    data = event.data_object
    if invoice_upsert(agency=agency, data=data, as_of=event.stripe_created) is None:
        return f"customer {data.get('customer')} is not a customer of agency {agency.pk}"
    return None
