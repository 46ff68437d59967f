"""An invoice's life at Stripe: drafted, lines added, finalized, sent, paid (by card or out of
band), voided or marked uncollectible, each step emitting Stripe's event.

Both kinds share it: subscription invoices (`billing.py`) and one-off invoices made through
`/v1/invoices` + `/v1/invoiceitems`. The platform's fee is kept where Stripe keeps it out of
sight (`private["application_fee_amount"]` or the subscription's `application_fee_percent`)
and lands on the PaymentIntent and Charge when the invoice is paid. Callers run inside
`sandbox_operation()`.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_sandbox import clock, emails, events, payments, store
from stripe_sandbox.api.base import site_url
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject


def new_invoice(
    *,
    account: str,
    customer: SandboxObject,
    currency: str,
    collection_method: str,
    billing_reason: str,
    parent: dict[str, Any] | None = None,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    days_until_due: int | None = None,
    auto_advance: bool = False,
    application_fee_amount: int | None = None,
    invoice_id: str | None = None,
) -> SandboxObject:
    """A draft invoice with no lines; emits nothing (callers add lines, then `created`)."""
    invoice_id = invoice_id or new_id("in")
    now = clock.now()
    fields = {
        "account_country": "US",
        "account_name": _business_name(account),
        "account_tax_ids": None,
        "amount_due": 0,
        "amount_overpaid": 0,
        "amount_paid": 0,
        "amount_paid_off_stripe": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": 0,
        "attempted": False,
        "auto_advance": auto_advance,
        "automatic_tax": {
            "disabled_reason": None,
            "enabled": False,
            "liability": None,
            "provider": None,
            "status": None,
        },
        "automatically_finalizes_at": None,
        "billing_reason": billing_reason,
        "collection_method": collection_method,
        "confirmation_secret": None,
        "currency": currency,
        "custom_fields": None,
        "customer": customer.id,
        "customer_account": None,
        "customer_address": customer.data.get("address"),
        "customer_email": customer.data.get("email"),
        "customer_name": customer.data.get("name"),
        "customer_phone": customer.data.get("phone"),
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": description,
        "discounts": [],
        "due_date": None,
        "effective_at": None,
        "ending_balance": None,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "issuer": {"type": "self"},
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": store.nested_list([], f"/v1/invoices/{invoice_id}/lines"),
        "metadata": dict(metadata or {}),
        "next_payment_attempt": None,
        "number": None,
        "on_behalf_of": None,
        "parent": parent,
        "payment_settings": {
            "default_mandate": None,
            "payment_method_options": None,
            "payment_method_types": None,
        },
        "payments": store.nested_list([], f"/v1/invoice_payments?invoice={invoice_id}"),
        "period_end": now,
        "period_start": now,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": None,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": 0,
        "statement_descriptor": None,
        "status": "draft",
        "status_details": None,
        "status_transitions": {
            "finalized_at": None,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "test_clock": None,
        "threshold_reason": None,
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": now,
    }
    private = {"days_until_due": days_until_due, "application_fee_amount": application_fee_amount}
    return store.create(
        "invoice", "in", account=account, object_id=invoice_id, fields=fields, private=private
    )


def _business_name(account: str) -> str | None:
    row = SandboxObject.objects.filter(id=account, object="account").first()
    return row.data["business_profile"]["name"] if row else None


def set_lines(invoice: SandboxObject, lines: list[dict[str, Any]]) -> None:
    """Replace the invoice's lines and recompute its amounts (no tax, no discounts)."""
    data = invoice.data
    data["lines"] = store.nested_list(lines, f"/v1/invoices/{invoice.id}/lines")
    subtotal = sum(line["amount"] for line in lines)
    tax = sum(tax["amount"] for tax in data["total_taxes"])
    total = subtotal + tax
    data.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total_excluding_tax=subtotal,
        total=total,
        amount_due=total,
        amount_remaining=total - data["amount_paid"],
    )
    store.save(invoice)


def invoice_item_line(invoice_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """The invoice line an invoice item becomes."""
    price_details = (item.get("pricing") or {}).get("price_details")
    return {
        "id": new_id("il"),
        "object": "line_item",
        "amount": item["amount"],
        "currency": item["currency"],
        "description": item["description"],
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": dict(item["metadata"]),
        "parent": {
            "invoice_item_details": {
                "invoice_item": item["id"],
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        },
        "period": dict(item["period"]),
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": price_details,
            "type": "price_details",
            "unit_amount_decimal": item["pricing"]["unit_amount_decimal"],
        },
        "quantity": item["quantity"],
        "subtotal": item["amount"],
        "taxes": [],
    }


def _require_status(invoice: SandboxObject, allowed: tuple[str, ...], action: str) -> None:
    status = invoice.data["status"]
    if status not in allowed:
        raise ApiError(
            f"You can only {action} an invoice whose status is {' or '.join(allowed)}; "
            f"invoice {invoice.id} is {status}.",
            code="invoice_not_editable" if status != "draft" else "invoice_not_finalized",
        )


def _invoice_number(customer: SandboxObject) -> str:
    sequence = customer.data.get("next_invoice_sequence", 1)
    customer.data["next_invoice_sequence"] = sequence + 1
    store.save(customer)
    return f"{customer.data['invoice_prefix']}-{sequence:04d}"


def finalize(invoice: SandboxObject) -> None:
    """draft → open (a number, links, the due date); a zero total is paid at once.
    Events `invoice.finalized` (then `invoice.paid` for a zero total)."""
    _require_status(invoice, ("draft",), "finalize")
    now = clock.now()
    data = invoice.data
    customer = SandboxObject.objects.select_for_update().get(id=data["customer"])
    data["number"] = _invoice_number(customer)
    data["effective_at"] = now
    data["status"] = "open"
    data["status_transitions"]["finalized_at"] = now
    data["hosted_invoice_url"] = site_url(f"/sandbox/invoices/{invoice.id}/")
    data["invoice_pdf"] = site_url(f"/sandbox/invoices/{invoice.id}/pdf/")
    days = invoice.private.get("days_until_due")
    if data["collection_method"] == "send_invoice" and days is not None:
        data["due_date"] = now + days * 86400
    store.save(invoice)
    events.emit("invoice.finalized", data, account=invoice.account)
    if data["amount_due"] == 0:
        _mark_paid(invoice, payment=None)


def send(invoice: SandboxObject) -> None:
    """Email the hosted invoice link to the customer (stored in the sandbox outbox).
    Event `invoice.sent`."""
    if invoice.data["collection_method"] != "send_invoice":
        raise ApiError(
            "You can only manually send an invoice if its collection method is 'send_invoice'."
        )
    _require_status(invoice, ("open",), "send")
    emails.invoice_sent(invoice.data)
    events.emit("invoice.sent", invoice.data, account=invoice.account)


def void(invoice: SandboxObject) -> None:
    _require_status(invoice, ("open", "uncollectible"), "void")
    data = invoice.data
    data["status"] = "void"
    data["status_transitions"]["voided_at"] = clock.now()
    data["amount_remaining"] = 0
    store.save(invoice)
    events.emit("invoice.voided", data, account=invoice.account)
    events.emit("invoice.updated", data, account=invoice.account)


def mark_uncollectible(invoice: SandboxObject) -> None:
    _require_status(invoice, ("open",), "mark uncollectible")
    data = invoice.data
    data["status"] = "uncollectible"
    data["status_transitions"]["marked_uncollectible_at"] = clock.now()
    store.save(invoice)
    events.emit("invoice.marked_uncollectible", data, account=invoice.account)
    events.emit("invoice.updated", data, account=invoice.account)


def application_fee(invoice: SandboxObject) -> int | None:
    """The platform's cut: the invoice's `application_fee_amount`, or the subscription's
    `application_fee_percent` of the total, rounded half up."""
    if invoice.private.get("application_fee_amount") is not None:
        return invoice.private["application_fee_amount"]
    percent = invoice.private.get("application_fee_percent")
    if percent is None:
        return None
    fee = Decimal(invoice.data["amount_due"]) * Decimal(str(percent)) / 100
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pay_by_card(
    invoice: SandboxObject,
    payment_method: dict[str, Any],
    decline: tuple[str, str, str] | None = None,
) -> SandboxObject:
    """Charge the amount remaining to `payment_method`. Paid: events of the charge, then
    `invoice.paid`, `invoice.payment_succeeded`. Declined: the invoice stays
    as it was with one more attempt, event `invoice.payment_failed`. Returns the Charge."""
    _require_status(invoice, ("open", "uncollectible"), "pay")
    data = invoice.data
    intent, charge = payments.charge_card(
        account=invoice.account,
        amount=data["amount_remaining"],
        currency=data["currency"],
        customer=data["customer"],
        description=f"Invoice {data['number']}",
        application_fee_amount=application_fee(invoice),
        payment_method=payment_method,
        decline=decline,
    )
    data["attempted"] = True
    data["attempt_count"] += 1
    if decline is not None:
        # The failed attempt stays on the invoice: its PaymentIntent holds the decline.
        _add_payment(invoice, intent.data, paid=False)
        store.save(invoice)
        events.emit("invoice.payment_failed", data, account=invoice.account)
        return charge
    _mark_paid(invoice, payment=intent.data)
    return charge


def pay_out_of_band(invoice: SandboxObject) -> None:
    _require_status(invoice, ("open", "uncollectible"), "pay")
    invoice.data["amount_paid_off_stripe"] = invoice.data["amount_remaining"]
    _mark_paid(invoice, payment=None)


def _mark_paid(invoice: SandboxObject, *, payment: dict[str, Any] | None) -> None:
    data = invoice.data
    now = clock.now()
    if payment is not None:
        _add_payment(invoice, payment, paid=True)
    data["status"] = "paid"
    data["amount_paid"] = data["amount_due"]
    data["amount_remaining"] = 0
    data["status_transitions"]["paid_at"] = now
    store.save(invoice)
    events.emit("invoice.paid", data, account=invoice.account)
    events.emit("invoice.payment_succeeded", data, account=invoice.account)


def _add_payment(invoice: SandboxObject, payment: dict[str, Any], *, paid: bool) -> None:
    now = clock.now()
    record = {
        "id": new_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": payment["amount"] if paid else None,
        "amount_requested": payment["amount"],
        "created": now,
        "currency": payment["currency"],
        "invoice": invoice.id,
        "is_default": True,
        "livemode": False,
        "payment": {"payment_intent": payment["id"], "type": "payment_intent"},
        "status": "paid" if paid else "open",
        "status_transitions": {"canceled_at": None, "paid_at": now if paid else None},
    }
    payments = invoice.data["payments"]
    invoice.data["payments"] = store.nested_list([*payments["data"], record], payments["url"])


def payment_intent_id(invoice: dict[str, Any]) -> str | None:
    """The PaymentIntent that paid the invoice, if a card paid it."""
    for record in invoice["payments"]["data"]:
        if record["status"] == "paid" and record["payment"].get("payment_intent"):
            return record["payment"]["payment_intent"]
    return None


def paying_charge(invoice: dict[str, Any], account: str) -> SandboxObject | None:
    intent_id = payment_intent_id(invoice)
    if intent_id is None:
        return None
    intent = SandboxObject.objects.filter(id=intent_id, account=account).first()
    if intent is None or not intent.data["latest_charge"]:
        return None
    return (
        SandboxObject.objects.select_for_update()
        .filter(id=intent.data["latest_charge"], account=account)
        .first()
    )
