"""Stripe events about the agencies' invoices."""

from invoices.sync import invoice_upsert
from webhooks.handlers import upsert_for_agency
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
    return upsert_for_agency(event, invoice_upsert)
