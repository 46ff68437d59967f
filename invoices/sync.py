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

from django.db import connection, transaction
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
from webhooks.mirror import (
    Freshness,
    freshness,
    mirror_row_locked,
    mirror_upsert,
    stripe_id_of,
    stripe_time,
)

logger = logging.getLogger(__name__)


def invoice_upsert(*, agency: Agency, data: Mapping[str, Any], as_of: datetime) -> Invoice | None:
    """Mirror an Invoice (API 2026-10-28 shape: the subscription is under
    `parent.subscription_details`, the payment under `payments`), creating the row if it is
    new. Returns None when the customer is not one of the agency's."""
    stripe_customer_id = stripe_id_of(data.get("customer"))
    with transaction.atomic(savepoint=False):
        row = mirror_row_locked(
            Invoice.objects.select_related("customer"), {"stripe_id": data["id"]}
        )
        # An invoice never changes customer: the mirrored row's is the one, if it matches.
        if row is not None and (row.agency_id, row.customer.stripe_customer_id) == (
            agency.pk,
            stripe_customer_id,
        ):
            customer: Customer | None = row.customer
        else:
            customer = customer_for_stripe_id(agency=agency, stripe_customer_id=stripe_customer_id)
        if customer is None:
            return None
        before = _revenue_share(row)
        fields = {**_invoice_fields(data), "agency": agency, "customer": customer}
        if fields.get("stripe_payment_intent_id") and _applies(row, as_of):
            # Paid by card: the charge's facts are saved with the invoice, in one UPDATE.
            fields.update(_charge_learnt(agency, row, fields["stripe_payment_intent_id"]))
        invoice = mirror_upsert(
            Invoice.objects.all(),
            lookup={"stripe_id": data["id"]},
            fields=fields,
            as_of=as_of,
            read_back=lambda: _invoice_read_back(agency, data["id"]),
            locked=row,
        )
        if invoice is not None:
            _learn_payment(invoice, before)
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


def _applies(row: Invoice | None, as_of: datetime) -> bool:
    """Whether data of `as_of` is applied to the row as it is (not older, not a tie)."""
    return row is None or freshness(row.stripe_synced_at, as_of) is Freshness.NEWER


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


def _charge_learnt(agency: Agency, row: Invoice | None, intent_id: str) -> dict[str, Any]:
    """The charge's fields for an invoice paid by `intent_id`, read back from Stripe once
    (nothing when the row knows its charge, or the payment has no charge yet)."""
    if row is not None and row.stripe_charge_id:
        return {}
    intent = stripe_client().v1.payment_intents.retrieve(
        intent_id, options=account_options(agency.stripe_account_id or "")
    )
    if not intent.latest_charge:
        return {}
    charge = intent.latest_charge
    charge_id = charge if isinstance(charge, str) else charge.id
    return _charge_fields(_charge_read_back(agency, charge_id), row)


def _learn_payment(invoice: Invoice, before: tuple | None) -> None:
    """Once a card paid the invoice, read the charge back (once, if the upsert did not) for
    its fees and card, link refunds and disputes seen before the invoice, and refresh the
    revenue figures of each month whose rows changed. `before`: what the invoice counted
    for (_revenue_share) before this change."""
    if invoice.stripe_payment_intent_id and not invoice.stripe_charge_id:
        fields = _charge_learnt(invoice.agency, invoice, invoice.stripe_payment_intent_id)
        if fields:
            _apply_charge_fields(invoice, fields)
    after = _revenue_share(invoice)
    months = {share[:2] for share in (before, after) if share and before != after}
    if invoice.stripe_charge_id:
        months |= _link_to_invoice(invoice)
    for currency, month in sorted(months):
        revenue_refresh_month(invoice.customer, currency, month)


def _revenue_share(invoice: Invoice | None) -> tuple | None:
    """(currency, month, what it adds) of a paid invoice's part in the revenue figures, or
    None when it counts nowhere."""
    if invoice is None or invoice.status != Invoice.Status.PAID or invoice.paid_at is None:
        return None
    return (
        invoice.currency,
        month_of(invoice.paid_at),
        invoice.amount_paid,
        invoice.platform_fee,
        invoice.platform_fee_refunded,
        invoice.stripe_fee,
    )


# The refunds (or disputes) of a charge seen before its invoice, linked to it.
_LINK_SQL = """
    UPDATE {table} SET invoice_id = %(invoice)s, customer_id = %(customer)s
    WHERE stripe_charge_id = %(charge)s AND invoice_id IS NULL
    RETURNING currency, stripe_created
"""
_LINK_BOTH_SQL = """
    WITH refunds AS ({refunds}), disputes AS ({disputes})
    SELECT * FROM refunds UNION ALL SELECT * FROM disputes
"""


def _link_to_invoice(invoice: Invoice) -> set[tuple[str, date]]:
    """Link the refunds and disputes of the invoice's charge seen before it (one statement on
    PostgreSQL); returns the (currency, month) whose figures they now count in."""
    refunds = _LINK_SQL.format(table=Refund._meta.db_table)
    disputes = _LINK_SQL.format(table=Dispute._meta.db_table)
    params = {
        "invoice": invoice.pk,
        "customer": invoice.customer_id,
        "charge": invoice.stripe_charge_id,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_LINK_BOTH_SQL.format(refunds=refunds, disputes=disputes), params)
            rows = cursor.fetchall()
        else:  # SQLite (make run) has no UPDATE inside WITH: one UPDATE, then the other
            cursor.execute(refunds, params)
            rows = cursor.fetchall()
            cursor.execute(disputes, params)
            rows += cursor.fetchall()
    return {(currency, month_of(created)) for currency, created in rows}


def _charge_fields(charge: Mapping[str, Any], invoice: Invoice | None) -> dict[str, Any]:
    """The charge's facts for its invoice (None: not mirrored yet). The refunded amounts only
    grow, so an older charge event never lowers them."""
    invoice = invoice or Invoice()
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
    return fields


def _apply_charge_fields(invoice: Invoice, fields: Mapping[str, Any]) -> None:
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
    # In the worker's transaction, no savepoint of its own: an error rolls the event back.
    with transaction.atomic(savepoint=False):
        invoice = (
            agency.invoices.select_for_update(no_key=True, of=("self",))
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
    with transaction.atomic(savepoint=False):
        # The invoice row first, as a refund made here locks it first: one lock order. NO KEY
        # and not its customer: another transaction's foreign key checks on either still pass.
        invoice = (
            Invoice.objects.select_for_update(no_key=True, of=("self",))
            .select_related("customer")
            .get(pk=found.pk)
            if found
            else None
        )
        refunds = [
            refund_upsert(agency=agency, data=refund, as_of=as_of, refresh=False)
            for refund in (data.get("refunds") or {}).get("data") or []
        ]
        if invoice is not None:
            charge = _charge_read_back(agency, data["id"])
            _apply_charge_fields(invoice, _charge_fields(charge, invoice))
        # The revenue figures last, as every writer does them (see revenue_refresh_month).
        months = {
            (row.currency, month_of(moment)): row.customer
            for row, moment in [
                *((refund, refund.stripe_created) for refund in refunds if refund),
                *([(invoice, invoice.paid_at)] if invoice else []),
            ]
            if moment and row.customer_id
        }
        for currency, month in sorted(months):
            revenue_refresh_month(months[currency, month], currency, month)
    return invoice


def refund_upsert(
    *, agency: Agency, data: Mapping[str, Any], as_of: datetime, refresh: bool = True
) -> Refund | None:
    """Mirror a Refund. One made here carries our row's id in `metadata.refund_id` and lands
    on that row; one made in Stripe's dashboard gets a new row. Its month's revenue figures
    are refreshed unless `refresh` is False (a caller mirroring more rows refreshes last)."""
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
        read_back=lambda: _refund_read_back(agency, data["id"], refresh),
    )
    if refresh and refund is not None and refund.customer_id:
        revenue_refresh(refund.customer, refund.currency, refund.stripe_created)
    return refund


def _refund_read_back(agency: Agency, refund_id: str, refresh: bool) -> Refund | None:
    refund = stripe_client().v1.refunds.retrieve(
        refund_id, options=account_options(agency.stripe_account_id or "")
    )
    return refund_upsert(
        agency=agency, data=refund.to_dict(), as_of=timezone.now(), refresh=refresh
    )


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


def revenue_refresh(customer: Customer, currency: str, moment: datetime) -> None:
    """Recompute the client's figures for the month (UTC) and currency of `moment` from the
    mirror's rows. Idempotent and order-free: the result depends only on the rows."""
    revenue_refresh_month(customer, currency, month_of(moment))


def revenue_refresh_month(customer: Customer, currency: str, month: date) -> None:
    """revenue_refresh for a month (its first day), in one statement: the sums and the
    upsert of the RevenueMonth row.

    Lock order (every writer of RevenueMonth comes through here): the mirror's own rows
    first (the caller's), then a transaction-scoped advisory lock on the agency's revenue
    figures, then the RevenueMonth row and, through its triggers, the client's RevenueToDate
    (0006's per-client lock) and the agency's AgencyRevenueMonth rows. A transaction holding
    the agency's lock writes nothing but revenue figures after it, so two transactions of one
    agency (two months, two clients, a refund click and a webhook) queue instead of
    deadlocking. On PostgreSQL the lock and the sums are one call of the function of
    migration 0009, whose sums are read after the lock (a refresh that waited for another
    sums what the other committed). SQLite (make run) runs the sums and upsert alone."""
    start, end = month_bounds(month)
    tables = {
        "revenue": RevenueMonth._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "refund": Refund._meta.db_table,
        "dispute": Dispute._meta.db_table,
    }
    sql = _REVENUE_REFRESH_SQL.format(**tables)
    params = {
        "agency": customer.agency_id,
        "customer": customer.pk,
        "currency": currency,
        "month": month,
        "start": start,
        "end": end,
        "paid": str(Invoice.Status.PAID),
        "succeeded": str(Refund.Status.SUCCEEDED),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT invoices_revenue_month_refresh(%s, %s, %s, %s, %s, %s)",
                [customer.agency_id, customer.pk, currency, month, start, end],
            )
        else:
            cursor.execute(sql, params)


# What revenue_refresh sums on SQLite (see invoices.revenue for the definitions; on
# PostgreSQL migration 0009's function sums the same after the agency's revenue lock).
_REVENUE_REFRESH_SQL = """
    INSERT INTO {revenue} (
        agency_id, customer_id, currency, month,
        payments, gross, platform_fees, stripe_fees, refunds, disputes_lost
    )
    SELECT
        %(agency)s, %(customer)s, %(currency)s, %(month)s,
        paid.payments, paid.gross, paid.platform_fees, paid.stripe_fees + disputes.fees,
        refunds.total, disputes.lost
    FROM (
        SELECT COUNT(*) AS payments, COALESCE(SUM(amount_paid), 0) AS gross,
            COALESCE(SUM(platform_fee), 0) - COALESCE(SUM(platform_fee_refunded), 0)
                AS platform_fees,
            COALESCE(SUM(stripe_fee), 0) AS stripe_fees
        FROM {invoice}
        WHERE customer_id = %(customer)s AND currency = %(currency)s AND status = %(paid)s
            AND paid_at >= %(start)s AND paid_at < %(end)s
    ) AS paid, (
        SELECT COALESCE(SUM(amount), 0) AS total
        FROM {refund}
        WHERE customer_id = %(customer)s AND currency = %(currency)s
            AND status = %(succeeded)s AND stripe_created >= %(start)s AND stripe_created < %(end)s
    ) AS refunds, (
        SELECT COALESCE(SUM(amount) FILTER (WHERE status = 'lost'), 0) AS lost,
            COALESCE(SUM(fee), 0) AS fees
        FROM {dispute}
        WHERE customer_id = %(customer)s AND currency = %(currency)s
            AND stripe_created >= %(start)s AND stripe_created < %(end)s
    ) AS disputes
    WHERE true  -- SQLite reads an INSERT ... SELECT's ON CONFLICT only after a WHERE
    ON CONFLICT (agency_id, customer_id, currency, month) DO UPDATE SET
        payments = EXCLUDED.payments, gross = EXCLUDED.gross,
        platform_fees = EXCLUDED.platform_fees, stripe_fees = EXCLUDED.stripe_fees,
        refunds = EXCLUDED.refunds, disputes_lost = EXCLUDED.disputes_lost
"""
