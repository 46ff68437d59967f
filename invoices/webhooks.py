"""Stripe events about the agencies' invoices, their payments, refunds and disputes."""

from customers.billing_events import invoice_event
from invoices.sync import (
    application_fee_upsert,
    charge_upsert,
    dispute_upsert,
    invoice_upsert,
    refund_upsert,
)
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
    # then: the subscription's side (past due with Stripe's message, renewals, Activity).
    return upsert_for_agency(event, invoice_upsert, then=invoice_event)


@handles("charge.succeeded", "charge.updated", "charge.refunded")
def charge_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(
        event, charge_upsert, unknown="charge {id} paid no invoice of agency {agency} yet"
    )


@handles("refund.created", "refund.updated", "refund.failed")
def refund_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(event, refund_upsert)


@handles(
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)
def dispute_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(event, dispute_upsert)


@handles("application_fee.created", "application_fee.refunded")
def application_fee_changed(event: WebhookEvent) -> str | None:
    """A platform event: the fee Stripe charged on an agency's payment, or gave back of it."""
    fee = event.data_object
    if application_fee_upsert(data=fee) is None:
        return f"application fee {fee.get('id')} is on no invoice we mirror yet"
    return None
