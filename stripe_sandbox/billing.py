"""Building the objects a paid checkout creates: payment methods, subscriptions, invoices.

Callers run inside `sandbox_operation()`; each function stores its object and emits the
event Stripe would, in the order Stripe does.
"""

from typing import Any

from stripe_sandbox import clock, events, invoicing, store
from stripe_sandbox.cards import TestCard
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
) -> SandboxObject:
    """A `trialing` (with trial days) or `active` subscription.

    Emits `customer.subscription.created`.
    """
    now = clock.now()
    subscription_id = new_id("sub")
    trial_end = now + trial_period_days * 86400 if trial_period_days else None
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
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
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
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": now if trial_end else None,
        },
    )
    events.emit("customer.subscription.created", row.data, account=account)
    return row


def _line(
    invoice_id: str, subscription: dict[str, Any], item: dict[str, Any], trialing: bool
) -> dict[str, Any]:
    price = item["price"]
    product = SandboxObject.objects.filter(id=price["product"]).first()
    product_name = product.data["name"] if product else price["product"]
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
        "pricing": {
            "price_details": {"price": price["id"], "product": price["product"]},
            "type": "price_details",
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        "quantity": item["quantity"],
        "subtotal": amount,
        "taxes": [],
    }


def create_paid_subscription_invoice(
    *, account: str, subscription: SandboxObject, customer: SandboxObject, billing_reason: str
) -> SandboxObject:
    """The subscription's invoice for its current period, finalized and paid at once with the
    subscription's card (a zero total, e.g. a trial, needs no payment). The charge carries the
    subscription's `application_fee_percent` of the total as its application fee.

    Emits invoice.created, invoice.finalized, the charge's events, invoice.paid,
    invoice.payment_succeeded and sets the subscription's `latest_invoice`.
    """
    sub = subscription.data
    trialing = sub["status"] == "trialing"
    invoice = invoicing.new_invoice(
        account=account,
        customer=customer,
        currency=sub["currency"],
        collection_method="charge_automatically",
        billing_reason=billing_reason,
        parent={
            "quote_details": None,
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
            "type": "subscription_details",
        },
    )
    invoice.private["application_fee_percent"] = sub["application_fee_percent"]
    period_start = min(item["current_period_start"] for item in sub["items"]["data"])
    invoice.data["period_start"] = invoice.data["period_end"] = period_start
    invoicing.set_lines(
        invoice, [_line(invoice.id, sub, item, trialing) for item in sub["items"]["data"]]
    )
    events.emit("invoice.created", invoice.data, account=account)
    invoicing.finalize(invoice)
    if invoice.data["status"] == "open":
        payment_method = store.load(
            "payment_method", sub["default_payment_method"], account=account
        )
        invoicing.pay_by_card(invoice, payment_method.data)
    subscription.data["latest_invoice"] = invoice.id
    store.save(subscription)
    return invoice
