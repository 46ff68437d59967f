"""Building billing objects: payment methods, subscriptions, proration items, and the
invoices of subscriptions.

Every subscription invoice (checkout, renewals, plan switches, retries) is made here:
`invoice_create` → `invoice_finalize` → `invoice_pay`, on top of `invoicing` (the invoice
steps one-off invoices share) and `payments` (charges and balance transactions). Callers
run inside `sandbox_operation()`; each function stores its object and emits the event
Stripe would, in the order Stripe does.
"""

from datetime import UTC, datetime
from typing import Any

from stripe_sandbox import clock, events, invoicing, store, tax
from stripe_sandbox.api.invoice_items import pending_items
from stripe_sandbox.cards import DECLINES, Decline, TestCard
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.money import format_amount
from stripe_sandbox.periods import add_interval


def create_card_payment_method(
    *,
    account: str,
    customer: SandboxObject | None,
    card: TestCard,
    last4: str,
    exp_month: int,
    exp_year: int,
    name: str,
    email: str | None,
) -> dict[str, Any]:
    """A card PaymentMethod keeping only brand, last4, expiry, funding and country.

    With a `customer` it is attached (event `payment_method.attached`) and becomes the
    customer's `invoice_settings.default_payment_method`.
    """
    row = store.create(
        "payment_method",
        "pm",
        account=account,
        fields={
            "allow_redisplay": "always",
            "billing_details": {
                "address": None,
                "email": email,
                "name": name or None,
                "phone": None,
                "tax_id": None,
            },
            "card": {
                "brand": card.brand,
                "checks": {
                    "address_line1_check": None,
                    "address_postal_code_check": None,
                    "cvc_check": "pass",
                },
                "country": card.country,
                "display_brand": card.brand,
                "exp_month": exp_month,
                "exp_year": exp_year,
                "fingerprint": new_id("fp", 16)[3:],
                "funding": card.funding,
                "generated_from": None,
                "last4": last4,
                "networks": {"available": [card.brand], "preferred": None},
                "regulated_status": "unregulated",
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "customer": customer.id if customer else None,
            "customer_account": None,
            "type": "card",
        },
    )
    if customer is not None:
        customer.data["invoice_settings"]["default_payment_method"] = row.id
        store.save(customer)
        events.emit("payment_method.attached", row.data, account=account)
    return row.data


def _plan(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"] or {}
    return {
        "active": price["active"],
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "id": price["id"],
        "interval": recurring.get("interval"),
        "interval_count": recurring.get("interval_count"),
        "livemode": False,
        "metadata": price["metadata"],
        "meter": None,
        "nickname": price["nickname"],
        "object": "plan",
        "product": price["product"],
        "tiers_mode": None,
        "transform_usage": None,
        "trial_period_days": None,
        "usage_type": "licensed",
    }


def subscription_item(
    subscription_id: str, price: dict[str, Any], quantity: int, *, start: int, end: int
) -> dict[str, Any]:
    """An item of a subscription; its billing period lives here in this API version."""
    return {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "billing_thresholds": None,
        "created": clock.now(),
        "current_period_end": end,
        "current_period_start": start,
        "discounts": [],
        "metadata": {},
        "plan": _plan(price),
        "price": price,
        "quantity": quantity,
        "subscription": subscription_id,
        "tax_rates": [],
    }


def create_subscription(
    *,
    account: str,
    customer_id: str,
    line_items: list[tuple[dict[str, Any], int]],
    trial_period_days: int | None,
    application_fee_percent: float | None,
    metadata: dict[str, str],
    default_payment_method: str | None,
    description: str | None = None,
    trial_end: int | None = None,
    missing_payment_method: str = "create_invoice",
    automatic_tax: bool = False,
) -> SandboxObject:
    """A `trialing` (with trial days or a `trial_end`) or `active` subscription.

    Emits `customer.subscription.created`.
    """
    now = clock.now()
    subscription_id = new_id("sub")
    if trial_end is None and trial_period_days:
        trial_end = now + trial_period_days * 86400
    items = []
    for price, quantity in line_items:
        recurring = price["recurring"]
        end = trial_end or add_interval(now, recurring["interval"], recurring["interval_count"])
        items.append(subscription_item(subscription_id, price, quantity, start=now, end=end))
    row = store.create(
        "subscription",
        "sub",
        account=account,
        object_id=subscription_id,
        fields={
            "application": None,
            "application_fee_percent": application_fee_percent,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": automatic_tax,
                "liability": {"type": "self"} if automatic_tax else None,
            },
            "billing_cycle_anchor": trial_end or now,
            "billing_cycle_anchor_config": None,
            "billing_mode": {"flexible": None, "type": "classic"},
            "billing_schedules": [],
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "currency": items[0]["price"]["currency"],
            "customer": customer_id,
            "customer_account": None,
            "days_until_due": None,
            "default_payment_method": default_payment_method,
            "default_source": None,
            "default_tax_rates": [],
            "description": description,
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": store.nested_list(
                items, f"/v1/subscription_items?subscription={subscription_id}"
            ),
            "latest_invoice": None,
            "metadata": dict(metadata),
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "trialing" if trial_end else "active",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": missing_payment_method}},
            "trial_start": now if trial_end else None,
        },
    )
    events.emit("customer.subscription.created", row.data, account=account)
    return row


def _product_name(product_id: str) -> str:
    product = SandboxObject.objects.filter(id=product_id).first()
    return product.data["name"] if product else product_id


def _pricing(price: dict[str, Any]) -> dict[str, Any]:
    return {
        "price_details": {"price": price["id"], "product": price["product"]},
        "type": "price_details",
        "unit_amount_decimal": price["unit_amount_decimal"],
    }


def _item_line(
    invoice_id: str, subscription: dict[str, Any], item: dict[str, Any], *, trialing: bool
) -> dict[str, Any]:
    price = item["price"]
    product_name = _product_name(price["product"])
    amount = 0 if trialing else price["unit_amount"] * item["quantity"]
    recurring = price["recurring"] or {}
    if trialing:
        description = f"Trial period for {product_name}"
    else:
        unit = format_amount(price["unit_amount"], price["currency"])
        description = (
            f"{item['quantity']} × {product_name} (at {unit} / {recurring.get('interval')})"
        )
    return {
        "id": new_id("il"),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": description,
        "discount_amounts": [],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": subscription["id"],
                "subscription_item": item["id"],
            },
            "type": "subscription_item_details",
        },
        "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
        "pretax_credit_amounts": [],
        "pricing": _pricing(price),
        "quantity": item["quantity"],
        "subtotal": amount,
        "taxes": [],
    }


def _invoice_item_line(invoice_id: str, invoice_item: dict[str, Any]) -> dict[str, Any]:
    parent = invoice_item.get("parent") or {}
    subscription_id = (parent.get("subscription_details") or {}).get("subscription")
    return {
        "id": new_id("il"),
        "object": "line_item",
        "amount": invoice_item["amount"],
        "currency": invoice_item["currency"],
        "description": invoice_item["description"],
        "discount_amounts": [],
        "discountable": invoice_item["discountable"],
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": dict(invoice_item["metadata"] or {}),
        "parent": {
            "invoice_item_details": {
                "invoice_item": invoice_item["id"],
                "proration": invoice_item["proration"],
                "proration_details": {"credited_items": None},
                "subscription": subscription_id,
            },
            "subscription_item_details": None,
            "type": "invoice_item_details",
        },
        "period": dict(invoice_item["period"]),
        "pretax_credit_amounts": [],
        "pricing": invoice_item["pricing"],
        "quantity": invoice_item["quantity"],
        "subtotal": invoice_item["amount"],
        "taxes": [],
    }


def proration_item(
    *,
    subscription: dict[str, Any],
    item: dict[str, Any],
    price: dict[str, Any],
    amount: int,
    start: int,
    end: int,
    credit: bool,
) -> dict[str, Any]:
    """An invoice item's JSON (not stored) for the unused time on `price` (`credit`) or the
    remaining time on it, from `start` to `end`."""
    name = _product_name(price["product"])
    unit = format_amount(price["unit_amount"], price["currency"])
    interval = (price["recurring"] or {}).get("interval")
    when = "Unused time on" if credit else "Remaining time on"
    return {
        "id": new_id("ii"),
        "object": "invoiceitem",
        "amount": amount,
        "currency": price["currency"],
        "customer": subscription["customer"],
        "customer_account": None,
        "date": clock.now(),
        "description": f"{when} {item['quantity']} × {name} (at {unit} / {interval})",
        "discountable": False,
        "discounts": [],
        "invoice": None,
        "livemode": False,
        "metadata": {},
        "net_amount": amount,
        "parent": {
            "subscription_details": {
                "subscription": subscription["id"],
                "subscription_item": item["id"],
            },
            "type": "subscription_details",
        },
        "period": {"end": end, "start": start},
        "pricing": _pricing(price),
        "proration": True,
        "proration_details": {"credited_items": None, "discount_amounts": []},
        "quantity": item["quantity"],
        "quantity_decimal": str(item["quantity"]),
        "tax_rates": [],
        "test_clock": None,
    }


def store_invoice_item(*, account: str, fields: dict[str, Any]) -> SandboxObject:
    """Store an invoice item built by `proration_item`; emits invoiceitem.created."""
    data = {key: value for key, value in fields.items() if key not in ("id", "object")}
    row = store.create(
        "invoiceitem", "ii", account=account, object_id=fields["id"], fields=data, omit=("created",)
    )
    events.emit("invoiceitem.created", row.data, account=account)
    return row


def pending_invoice_items(account: str, customer_id: str, subscription_id: str) -> list:
    """The customer's invoice items of this subscription not yet on an invoice (prorations),
    oldest first, row-locked. One-off items wait for their own invoice."""
    return [
        row
        for row in pending_items(account, customer_id)
        if ((row.data.get("parent") or {}).get("subscription_details") or {}).get("subscription")
        == subscription_id
    ]


def _taxed(
    account: str, subscription: dict[str, Any], customer: dict[str, Any], lines: list[dict]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The invoice's `automatic_tax` and `total_taxes`, filling each line's `taxes` when the
    subscription has automatic tax (the rate comes from the customer's address)."""
    enabled = bool(subscription["automatic_tax"]["enabled"])
    if not enabled:
        return _NO_AUTOMATIC_TAX, []
    address = customer.get("address")
    for line in lines:
        line["taxes"] = tax.line_taxes(account, line["amount"], address)
    by_rate: dict[str, dict[str, Any]] = {}
    for line in lines:
        for entry in line["taxes"]:
            rate = entry["tax_rate_details"]["tax_rate"]
            total = by_rate.setdefault(rate, {**entry, "amount": 0, "taxable_amount": 0})
            total["amount"] += entry["amount"]
            total["taxable_amount"] += entry["taxable_amount"]
    automatic_tax = {
        "disabled_reason": None,
        "enabled": True,
        "liability": {"account": None, "type": "self"},
        "provider": "stripe",
        "status": "complete" if tax.has_location(address) else "requires_location_inputs",
    }
    return automatic_tax, list(by_rate.values())


_NO_AUTOMATIC_TAX = {
    "disabled_reason": None,
    "enabled": False,
    "liability": None,
    "provider": None,
    "status": None,
}


def subscription_lines(
    invoice_id: str,
    subscription: dict[str, Any],
    *,
    trialing: bool,
    invoice_items: list[dict[str, Any]] = (),  # type: ignore[assignment]
    with_items: bool = True,
) -> list[dict[str, Any]]:
    """The lines of a subscription invoice: pending invoice items (prorations) first, then
    one line per subscription item for its current period."""
    lines = [_invoice_item_line(invoice_id, item) for item in invoice_items]
    if with_items:
        lines += [
            _item_line(invoice_id, subscription, item, trialing=trialing)
            for item in subscription["items"]["data"]
        ]
    return lines


def _parent(subscription: dict[str, Any]) -> dict[str, Any]:
    return {
        "quote_details": None,
        "subscription_details": {
            "metadata": dict(subscription["metadata"]),
            "subscription": subscription["id"],
        },
        "type": "subscription_details",
    }


def invoice_create(
    *,
    account: str,
    subscription: SandboxObject,
    customer: SandboxObject,
    billing_reason: str,
    with_items: bool = True,
) -> SandboxObject:
    """A draft invoice of the subscription for its current period, with the customer's
    pending invoice items of it (which now point to this invoice). `with_items=False` bills
    only the pending items (a plan switch's prorations). Emits invoice.created and sets the
    subscription's `latest_invoice`."""
    sub = subscription.data
    invoice = invoicing.new_invoice(
        account=account,
        customer=customer,
        currency=sub["currency"],
        collection_method="charge_automatically",
        billing_reason=billing_reason,
        parent=_parent(sub),
    )
    invoice.private["application_fee_percent"] = sub["application_fee_percent"]
    period_start = min(item["current_period_start"] for item in sub["items"]["data"])
    invoice.data["period_start"] = invoice.data["period_end"] = period_start
    pending = pending_invoice_items(account, customer.id, sub["id"])
    lines = subscription_lines(
        invoice.id,
        sub,
        trialing=sub["status"] == "trialing",
        invoice_items=[row.data for row in pending],
        with_items=with_items,
    )
    invoice.data["automatic_tax"], invoice.data["total_taxes"] = _taxed(
        account, sub, customer.data, lines
    )
    invoicing.set_lines(invoice, lines)
    # A credit larger than the charges leaves nothing to collect (Stripe credits the balance).
    invoice.data["amount_due"] = invoice.data["amount_remaining"] = max(invoice.data["total"], 0)
    store.save(invoice)
    for row in pending:
        row.data["invoice"] = invoice.id
        store.save(row)
    events.emit("invoice.created", invoice.data, account=account)
    sub["latest_invoice"] = invoice.id
    store.save(subscription)
    return invoice


def preview_invoice(
    *,
    account: str,
    subscription: dict[str, Any],
    customer: SandboxObject,
    lines: list[dict[str, Any]],
    invoice_id: str,
    billing_reason: str,
) -> dict[str, Any]:
    """The JSON of an invoice that is not stored (`invoices.create_preview`)."""
    row = invoicing.new_invoice(
        account=account,
        customer=customer,
        currency=subscription["currency"],
        collection_method="charge_automatically",
        billing_reason=billing_reason,
        parent=_parent(subscription),
        invoice_id=invoice_id,
    )
    data = row.data
    row.delete()  # only its JSON is wanted: a preview is never stored
    data["automatic_tax"], data["total_taxes"] = _taxed(account, subscription, customer.data, lines)
    data["lines"] = store.nested_list(lines, f"/v1/invoices/{invoice_id}/lines")
    subtotal = sum(line["amount"] for line in lines)
    total = subtotal + sum(entry["amount"] for entry in data["total_taxes"])
    data.update(
        subtotal=subtotal,
        subtotal_excluding_tax=subtotal,
        total_excluding_tax=subtotal,
        total=total,
        amount_due=max(total, 0),
        amount_remaining=max(total, 0),
    )
    return data


def invoice_finalize(invoice: SandboxObject) -> None:
    """Number the draft (a zero total is paid at once); emits invoice.finalized."""
    invoicing.finalize(invoice)


def invoice_close(invoice: SandboxObject, status: str) -> None:
    """Void (`void`) or write off (`uncollectible`) a finalized invoice, as paused
    collection does."""
    if invoice.data["status"] != "open":
        return
    if status == "void":
        invoicing.void(invoice)
    else:
        invoicing.mark_uncollectible(invoice)


# Stripe makes no payment attempt without a payment method: the invoice just fails.
NO_PAYMENT_METHOD = Decline("The customer has no payment method on file.", "", code="missing")


def _decline_for(payment_method: SandboxObject | None) -> Decline | None:
    """Why charging `payment_method` now fails, or None when it pays."""
    if payment_method is None:
        return NO_PAYMENT_METHOD
    private = payment_method.private
    if private.get("declines_left", 0) > 0:
        private["declines_left"] -= 1
        store.save(payment_method)
        return DECLINES["4000000000000002"]
    card = payment_method.data.get("card") or {}
    today = datetime.fromtimestamp(clock.now(), tz=UTC)
    if (card.get("exp_year", 9999), card.get("exp_month", 12)) < (today.year, today.month):
        return DECLINES["4000000000000069"]
    return None


def charged_payment_method(
    subscription: dict[str, Any], customer: SandboxObject
) -> SandboxObject | None:
    """The card a subscription invoice charges: the subscription's default payment method,
    else the customer's invoice default."""
    pm_id = (
        subscription.get("default_payment_method")
        or customer.data["invoice_settings"]["default_payment_method"]
    )
    if not pm_id:
        return None
    return (
        SandboxObject.objects.select_for_update().filter(id=pm_id, object="payment_method").first()
    )


def invoice_pay(
    invoice: SandboxObject,
    *,
    payment_method: SandboxObject | None,
    retry_days: tuple[int, ...] = (),
) -> Decline | None:
    """Attempt to collect an open invoice with `payment_method` (`invoicing.pay_by_card`: a
    PaymentIntent and Charge record it). A decline emits invoice.payment_failed with
    `next_payment_attempt` `retry_days[n]` days after the n-th failed attempt (None once
    they are used up). Returns the decline, or None when paid (or nothing was due)."""
    data = invoice.data
    if data["status"] != "open":
        return None
    decline = _decline_for(payment_method)
    attempt = data["attempt_count"] + 1
    retry_at = clock.now() + retry_days[attempt - 1] * 86400 if attempt <= len(retry_days) else None
    if payment_method is None:
        data.update(attempted=True, attempt_count=attempt, next_payment_attempt=retry_at)
        store.save(invoice)
        events.emit("invoice.payment_failed", data, account=invoice.account)
        return decline
    data["next_payment_attempt"] = retry_at if decline else None
    invoicing.pay_by_card(
        invoice,
        payment_method.data,
        (decline.code, decline.decline_code, decline.message) if decline else None,
    )
    return decline


def create_paid_subscription_invoice(
    *, account: str, subscription: SandboxObject, customer: SandboxObject, billing_reason: str
) -> SandboxObject:
    """The first invoice of a subscription started on the hosted checkout page with a card
    that just paid: finalized and collected at once (a trial's zero total needs no payment).
    The charge carries the subscription's `application_fee_percent` of the total."""
    invoice = invoice_create(
        account=account, subscription=subscription, customer=customer, billing_reason=billing_reason
    )
    invoice_finalize(invoice)
    invoice_pay(invoice, payment_method=charged_payment_method(subscription.data, customer))
    return invoice
