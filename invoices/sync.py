"""Mirror the agency's Stripe invoices (subscription renewals and one-off invoices), the card
payment behind each, its refunds and disputes, and the monthly revenue figures they add up to.

Every upsert is keyed by a Stripe id (or our own row's id, for refunds made here), idempotent,
and follows webhooks.mirror's ordering rule. Objects arrive in any order: a refund or dispute
seen before its invoice is kept with its charge id and linked when the invoice's payment is
learnt; an invoice paid by card reads its charge back once (fees, card, refunded amount).
"""

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from agencies.models import Agency
from agencies.sync import agency_for_stripe_account
from agency_billing.money import format_money
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from customers.models import Customer
from customers.sync import customer_for_stripe_id
from invoices.models import Dispute, Invoice, Refund, RevenueMonth
from webhooks.mirror import mirror_upsert, stripe_id_of, stripe_time

logger = logging.getLogger(__name__)


def invoice_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> Invoice | None:
    """Mirror an Invoice (API 2026-10-28 shape: the subscription is under
    `parent.subscription_details`, the payment under `payments`), creating the row if it is
    new. Returns None when the customer is not one of the agency's."""
    customer = customer_for_stripe_id(
        agency=agency, stripe_customer_id=stripe_id_of(data.get("customer"))
    )
    if customer is None:
        return None
    fields = {**_invoice_fields(data), "agency": agency, "customer": customer}
    invoice = mirror_upsert(
        Invoice.objects.all(),
        lookup={"stripe_id": data["id"]},
        fields=fields,
        as_of=as_of,
        read_back=lambda: _invoice_read_back(agency, data["id"]),
    )
    if invoice is not None:
        _learn_payment(invoice)
    return invoice


RECENT_INVOICES = 24
_WATCHED = {"status": "status", "total": "total", "amount_paid": "paid", "amount_remaining": "due"}


def invoices_sync_for_customer(customer: Customer) -> list[str]:
    """Sync Subscription's part for invoices: read the customer's most recent invoices back
    from Stripe (every kind, newest first), repair the mirror, and say what changed
    ("INV-0002: status open → paid", "INV-0003: new invoice, paid, 2,500.00 USD").
    Raises BillingError if Stripe cannot be read."""
    agency = customer.agency
    if not (customer.stripe_customer_id and agency.stripe_account_id):
        return []
    before = {
        row.stripe_id: {field: getattr(row, field) for field in _WATCHED}
        for row in customer.invoices.all()  # type: ignore[attr-defined]
    }
    params: Any = {"customer": customer.stripe_customer_id, "limit": RECENT_INVOICES}
    with stripe_errors_as_billing_errors("read the invoices"):
        listing = stripe_client().v1.invoices.list(
            params, account_options(agency.stripe_account_id)
        )
        rows = [
            invoice_upsert(agency=agency, data=data.to_dict(), as_of=stripe_now())
            for data in listing.data
        ]
    changes = []
    for row in reversed([row for row in rows if row is not None]):
        name = row.number or row.stripe_id
        old = before.get(row.stripe_id)
        if old is None:
            changes.append(
                f"{name}: new invoice, {row.status}, {format_money(row.total, row.currency)}"
            )
            continue
        for field, label in _WATCHED.items():
            was, now = old[field], getattr(row, field)
            if was != now:
                shown = (
                    (was, now)
                    if field == "status"
                    else (format_money(was, row.currency), format_money(now, row.currency))
                )
                changes.append(f"{name}: {label} {shown[0]} → {shown[1]}")
    return changes


def _invoice_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    subscription_details = (data.get("parent") or {}).get("subscription_details") or {}
    fields = {
        "stripe_subscription_id": stripe_id_of(subscription_details.get("subscription")) or "",
        "number": data.get("number") or "",
        "description": (data.get("description") or "")[:500],
        "collection_method": data.get("collection_method") or "",
        "status": data["status"],
        "currency": data["currency"],
        "subtotal": data.get("subtotal") or 0,
        "tax": sum(tax.get("amount") or 0 for tax in data.get("total_taxes") or []),
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
    intent = _paying_intent(data)
    if intent:
        fields["stripe_payment_intent_id"] = intent
    fee = (data.get("metadata") or {}).get("platform_fee")
    if fee and fee.isdigit():
        fields["platform_fee"] = int(fee)
    error = _payment_error(data)
    if error is not None:
        fields["last_payment_error"] = error
    return fields


def _paying_intent(data: Mapping[str, Any]) -> str | None:
    for record in (data.get("payments") or {}).get("data") or []:
        if record.get("status") == "paid":
            return stripe_id_of((record.get("payment") or {}).get("payment_intent"))
    return None


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
    return invoice_upsert(agency=agency, data=invoice.to_dict(), as_of=stripe_now())


def _learn_payment(invoice: Invoice) -> None:
    """Once a card paid the invoice, read the charge back (once) for its fees and card, link
    refunds and disputes seen before the invoice, and refresh the revenue figures."""
    if invoice.stripe_payment_intent_id and not invoice.stripe_charge_id:
        intent = stripe_client().v1.payment_intents.retrieve(
            invoice.stripe_payment_intent_id,
            options=account_options(invoice.agency.stripe_account_id or ""),
        )
        if intent.latest_charge:
            charge = intent.latest_charge
            charge_id = charge if isinstance(charge, str) else charge.id
            _apply_charge(invoice, _charge_read_back(invoice.agency, charge_id))
    if invoice.stripe_charge_id:
        charge_id = invoice.stripe_charge_id
        Refund.objects.filter(stripe_charge_id=charge_id, invoice=None).update(
            invoice=invoice, customer=invoice.customer
        )
        Dispute.objects.filter(stripe_charge_id=charge_id, invoice=None).update(
            invoice=invoice, customer=invoice.customer
        )
    if invoice.paid_at:
        revenue_refresh(invoice.customer, invoice.currency, invoice.paid_at)


def _apply_charge(invoice: Invoice, charge: Mapping[str, Any]) -> None:
    """The charge's facts on its invoice. The refunded amount only grows, so an older charge
    event never lowers it."""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    transaction_data = charge.get("balance_transaction")
    fields: dict[str, Any] = {
        "stripe_charge_id": charge["id"],
        "card_brand": card.get("brand") or "",
        "card_last4": card.get("last4") or "",
        "amount_refunded": max(invoice.amount_refunded, charge.get("amount_refunded") or 0),
    }
    fee_id = stripe_id_of(charge.get("application_fee"))
    if fee_id and fee_id != invoice.stripe_application_fee_id:
        # Read once: later changes to the fee come as application_fee.refunded events.
        fields.update(_fee_fields(invoice, _application_fee_read_back(fee_id)))
    elif not fee_id and charge.get("application_fee_amount") is not None:
        fields["platform_fee"] = charge["application_fee_amount"]
    if isinstance(transaction_data, Mapping):
        fields["stripe_fee"] = sum(
            detail["amount"]
            for detail in transaction_data.get("fee_details") or []
            if detail["type"] == "stripe_fee"
        )
    for name, value in fields.items():
        setattr(invoice, name, value)
    Invoice.objects.filter(pk=invoice.pk).update(**fields)


def _fee_fields(invoice: Invoice, fee: Mapping[str, Any]) -> dict[str, Any]:
    """What Stripe charged as the platform's fee, and what the platform gave back of it (which
    only grows, so an older fee event never raises the fee again)."""
    return {
        "stripe_application_fee_id": fee["id"],
        "platform_fee": fee["amount"],
        "platform_fee_refunded": max(invoice.platform_fee_refunded, fee["amount_refunded"]),
    }


def _application_fee_read_back(fee_id: str) -> dict[str, Any]:
    """The application fee as the platform has it (it is the platform's object, read without
    the connected account)."""
    return stripe_client().v1.application_fees.retrieve(fee_id).to_dict()


def application_fee_upsert(*, data: Mapping[str, Any]) -> Invoice | None:
    """An application_fee event (on the platform): the fee on the invoice its charge paid,
    and the revenue figures refreshed. None when no invoice is paid by that charge yet (the
    invoice's payment reads the fee when it is learnt)."""
    agency = agency_for_stripe_account(stripe_id_of(data.get("account")) or "")
    charge_id = stripe_id_of(data.get("charge"))
    if agency is None or not charge_id:
        return None
    with transaction.atomic():
        invoice = (
            agency.invoices.select_for_update()
            .select_related("customer")
            .filter(stripe_charge_id=charge_id)
            .first()
        )
        if invoice is None:
            return None
        fields = _fee_fields(invoice, data)
        Invoice.objects.filter(pk=invoice.pk).update(**fields)
        for name, value in fields.items():
            setattr(invoice, name, value)
        if invoice.paid_at:
            revenue_refresh(invoice.customer, invoice.currency, invoice.paid_at)
    return invoice


def _charge_read_back(agency: Agency, charge_id: str) -> dict[str, Any]:
    """The charge as Stripe has it now, with its balance transaction (the fees)."""
    charge = stripe_client().v1.charges.retrieve(
        charge_id,
        {"expand": ["balance_transaction"]},
        account_options(agency.stripe_account_id or ""),
    )
    return charge.to_dict()


def charge_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> object | None:
    """A charge event (succeeded, updated, refunded): the charge, read back from Stripe, on
    the invoice it paid, and the refunds it lists. None when no invoice of the agency is paid
    by it yet (the invoice's own event reads the charge back when it comes)."""
    intent = stripe_id_of(data.get("payment_intent"))
    found = agency.invoices.filter(stripe_payment_intent_id=intent).first() if intent else None
    with transaction.atomic():
        # The invoice row first, as a refund made here locks it first: one lock order.
        invoice = (
            Invoice.objects.select_for_update().select_related("customer").get(pk=found.pk)
            if found
            else None
        )
        for refund in (data.get("refunds") or {}).get("data") or []:
            refund_upsert(agency=agency, data=refund, as_of=as_of)
        if invoice is None:
            return None
        _apply_charge(invoice, _charge_read_back(agency, data["id"]))
        if invoice.paid_at:
            revenue_refresh(invoice.customer, invoice.currency, invoice.paid_at)
    return invoice


def refund_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> Refund | None:
    """Mirror a Refund. One made here carries our row's id in `metadata.refund_id` and lands
    on that row; one made in Stripe's dashboard gets a new row."""
    charge_id = stripe_id_of(data.get("charge")) or ""
    invoice = agency.invoices.filter(stripe_charge_id=charge_id).first() if charge_id else None
    customer = invoice.customer if invoice else _customer(agency, data.get("customer"))
    fields: dict[str, Any] = {
        "agency": agency,
        "stripe_id": data["id"],
        "stripe_charge_id": charge_id,
        "amount": data["amount"],
        "currency": data["currency"],
        "reason": data.get("reason") or "",
        "status": data["status"],
        "stripe_created": stripe_time(data["created"]),
        "invoice": invoice,
        "customer": customer,
    }
    ours = (data.get("metadata") or {}).get("refund_id")
    lookup = {"id": ours} if ours else {"stripe_id": data["id"]}
    refund = mirror_upsert(
        Refund.objects.filter(agency=agency),
        lookup=lookup,
        fields=fields,
        as_of=as_of,
        read_back=lambda: _refund_read_back(agency, data["id"]),
    )
    if refund is not None and refund.customer_id:
        revenue_refresh(refund.customer, refund.currency, refund.stripe_created)
    return refund


def _refund_read_back(agency: Agency, refund_id: str) -> Refund | None:
    refund = stripe_client().v1.refunds.retrieve(
        refund_id, options=account_options(agency.stripe_account_id or "")
    )
    return refund_upsert(agency=agency, data=refund.to_dict(), as_of=timezone.now())


def dispute_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> Dispute | None:
    """Mirror a Dispute (charge.dispute.*), with Stripe's dispute fee from its balance
    transactions."""
    charge_id = stripe_id_of(data.get("charge")) or ""
    invoice = agency.invoices.filter(stripe_charge_id=charge_id).first() if charge_id else None
    fee = sum(
        detail["amount"]
        for transaction_data in data.get("balance_transactions") or []
        for detail in transaction_data.get("fee_details") or []
        if detail["type"] == "stripe_fee"
    )
    fields: dict[str, Any] = {
        "agency": agency,
        "stripe_charge_id": charge_id,
        "amount": data["amount"],
        "currency": data["currency"],
        "status": data["status"],
        "reason": data.get("reason") or "",
        "fee": fee,
        "evidence_due_by": stripe_time((data.get("evidence_details") or {}).get("due_by")),
        "stripe_created": stripe_time(data["created"]),
        "invoice": invoice,
        "customer": invoice.customer if invoice else None,
    }
    dispute = mirror_upsert(
        Dispute.objects.filter(agency=agency),
        lookup={"stripe_id": data["id"]},
        fields=fields,
        as_of=as_of,
        read_back=lambda: _dispute_read_back(agency, data["id"]),
    )
    if dispute is not None and dispute.customer_id:
        revenue_refresh(dispute.customer, dispute.currency, dispute.stripe_created)
    return dispute


def _dispute_read_back(agency: Agency, dispute_id: str) -> Dispute | None:
    dispute = stripe_client().v1.disputes.retrieve(
        dispute_id, options=account_options(agency.stripe_account_id or "")
    )
    return dispute_upsert(agency=agency, data=dispute.to_dict(), as_of=timezone.now())


def _customer(agency: Agency, stripe_customer: Any) -> Customer | None:
    return customer_for_stripe_id(agency=agency, stripe_customer_id=stripe_id_of(stripe_customer))


def month_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=UTC)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=UTC)
    )
    return start, following


def revenue_refresh(customer: Customer, currency: str, moment: datetime) -> RevenueMonth:
    """Recompute the client's figures for the month (UTC) and currency of `moment` from the
    mirror's rows. Idempotent and order-free: the result depends only on the rows."""
    month = month_of(moment)
    start, end = month_bounds(month)
    paid = Invoice.objects.filter(
        customer=customer,
        currency=currency,
        status=Invoice.Status.PAID,
        paid_at__gte=start,
        paid_at__lt=end,
    ).aggregate(
        payments=Count("pk"),
        gross=Sum("amount_paid", default=0),
        platform_fees=Sum("platform_fee", default=0),
        platform_fees_refunded=Sum("platform_fee_refunded", default=0),
        stripe_fees=Sum("stripe_fee", default=0),
    )
    refunds = Refund.objects.filter(
        customer=customer,
        currency=currency,
        status=Refund.Status.SUCCEEDED,
        stripe_created__gte=start,
        stripe_created__lt=end,
    ).aggregate(total=Sum("amount", default=0))
    disputes = Dispute.objects.filter(
        customer=customer, currency=currency, stripe_created__gte=start, stripe_created__lt=end
    ).aggregate(lost=Sum("amount", filter=Q(status="lost"), default=0), fees=Sum("fee", default=0))
    figures = {
        "payments": paid["payments"],
        "gross": paid["gross"],
        "platform_fees": paid["platform_fees"] - paid["platform_fees_refunded"],
        "stripe_fees": paid["stripe_fees"] + disputes["fees"],
        "refunds": refunds["total"],
        "disputes_lost": disputes["lost"],
    }
    key = {
        "agency_id": customer.agency_id,
        "customer": customer,
        "currency": currency,
        "month": month,
    }
    try:
        with transaction.atomic():
            row, _ = RevenueMonth.objects.update_or_create(**key, defaults=figures)
    except IntegrityError:
        # Another worker created the month first; our figures are as current as theirs.
        RevenueMonth.objects.filter(**key).update(**figures)
        row = RevenueMonth.objects.get(**key)
    return row
