"""Mirror the agency's Stripe invoices (subscription renewals and one-off invoices)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from agencies.models import Agency
from agency_billing.stripe_client import account_options, stripe_client
from customers.sync import customer_for_stripe_id
from invoices.models import Invoice
from webhooks.mirror import mirror_upsert, stripe_id_of, stripe_time


def invoice_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> Invoice | None:
    """Mirror an Invoice (API 2026-10-28 shape: the subscription is under
    `parent.subscription_details`), creating the row if it is new. Returns None when the
    customer is not one of the agency's."""
    customer = customer_for_stripe_id(
        agency=agency, stripe_customer_id=stripe_id_of(data.get("customer"))
    )
    if customer is None:
        return None
    fields = {**_invoice_fields(data), "agency": agency, "customer": customer}
    return mirror_upsert(
        Invoice.objects.all(),
        lookup={"stripe_id": data["id"]},
        fields=fields,
        as_of=as_of,
        read_back=lambda: _invoice_read_back(agency, data["id"]),
    )


def _invoice_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    subscription_details = (data.get("parent") or {}).get("subscription_details") or {}
    fields = {
        "stripe_subscription_id": stripe_id_of(subscription_details.get("subscription")) or "",
        "number": data.get("number") or "",
        "status": data["status"],
        "currency": data["currency"],
        "total": data.get("total") or 0,
        "amount_due": data.get("amount_due") or 0,
        "amount_paid": data.get("amount_paid") or 0,
        "amount_remaining": data.get("amount_remaining") or 0,
        "hosted_invoice_url": data.get("hosted_invoice_url") or "",
        "invoice_pdf": data.get("invoice_pdf") or "",
        "due_date": stripe_time(data.get("due_date")),
        "paid_at": stripe_time((data.get("status_transitions") or {}).get("paid_at")),
        "stripe_created": stripe_time(data["created"]),
    }
    error = _payment_error(data)
    if error is not None:
        fields["last_payment_error"] = error
    return fields


def _payment_error(data: Mapping[str, Any]) -> str | None:
    """What the last failed attempt said; "" once paid; None to keep what we had."""
    if data["status"] == Invoice.Status.PAID:
        return ""
    error = data.get("last_payment_error") or data.get("last_finalization_error")
    if not error:
        return None
    return (error.get("message") or error.get("code") or error.get("type") or "")[:500]


def _invoice_read_back(agency: Agency, invoice_id: str) -> Invoice | None:
    invoice = stripe_client().v1.invoices.retrieve(
        invoice_id, options=account_options(agency.stripe_account_id or "")
    )
    return invoice_upsert(agency=agency, data=invoice.to_dict(), as_of=timezone.now())
