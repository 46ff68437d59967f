"""Mirror a customer's Stripe subscriptions and payment methods.

Every upsert is keyed by the Stripe id, idempotent, and follows webhooks.mirror's ordering
rule: data older than the row changes nothing.

Lock order: an upsert first locks its customer's row, then the payment method and the
subscription rows. Webhook handlers, the return page and staff actions upsert the same
customer's rows concurrently and in different orders (a subscription upsert may read back
and upsert its card; a card upsert may come first), so without one lock taken first two of
them deadlock.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from agencies.models import Agency
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from customers.models import Customer, PaymentMethod, Subscription
from customers.signals import customer_sync_requested
from webhooks.mirror import (
    mirror_row_locked,
    mirror_upsert,
    row_insert_unless_taken,
    stripe_id_of,
    stripe_time,
)


def customer_for_stripe_id(*, agency: Agency, stripe_customer_id: str | None) -> Customer | None:
    if not stripe_customer_id:
        return None
    return agency.customers.filter(stripe_customer_id=stripe_customer_id).first()


def payment_method_upsert(
    *, agency: Agency, data: Mapping[str, Any], as_of: datetime
) -> PaymentMethod | None:
    """Mirror a PaymentMethod (brand, last 4, expiry). One without a customer is detached:
    its row is marked so. Returns None when the customer is not one of the agency's, or a
    detached method was never mirrored."""
    customer_id = stripe_id_of(data.get("customer"))
    card = data.get("card") or {}
    fields: dict[str, Any] = {
        "type": data.get("type") or "card",
        "brand": card.get("brand") or "",
        "last4": card.get("last4") or "",
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
        "detached": customer_id is None,
    }
    with transaction.atomic(savepoint=False):
        if customer_id is not None:
            customer = _locked_customer(agency, customer_id)
            if customer is None:
                return None
            fields["customer"] = customer
        return mirror_upsert(
            PaymentMethod.objects.filter(customer__agency=agency),
            lookup={"stripe_id": data["id"]},
            fields=fields,
            as_of=as_of,
            read_back=lambda: _payment_method_read_back(agency, data["id"]),
            create=customer_id is not None,
        )


def _locked_customer(agency: Agency, stripe_customer_id: str | None) -> Customer | None:
    """The agency's customer with this Stripe id, its row locked for the rest of the
    transaction: the first lock of every upsert here (see the module's docstring). NO KEY,
    so inserts that point at the customer (their foreign key check) are not held up by it."""
    if not stripe_customer_id:
        return None
    return mirror_row_locked(agency.customers.all(), {"stripe_customer_id": stripe_customer_id})


def subscription_upsert(
    *, agency: Agency, data: Mapping[str, Any], as_of: datetime
) -> Subscription | None:
    """Mirror a Subscription (API 2026-10-28 shape: the period is on the first item), creating
    the row if it is new, and its default payment method (an id or an expanded object).
    Returns None when the customer is not one of the agency's."""
    with transaction.atomic(savepoint=False):
        customer = _locked_customer(agency, stripe_id_of(data.get("customer")))
        if customer is None:
            return None
        card = data.get("default_payment_method")
        if not isinstance(card, str):
            # An expanded card's row is locked before the subscription's (the lock order).
            default_payment_method = _default_payment_method(agency, customer, card, as_of)
        row = mirror_row_locked(
            Subscription.objects.select_related("default_payment_method"),
            {"stripe_id": data["id"]},
        )
        if isinstance(card, str):
            linked = row.default_payment_method if row is not None else None
            # The card it had needs no read; another is linked, or its place held.
            default_payment_method = (
                linked
                if linked is not None and linked.stripe_id == card
                else _default_payment_method(agency, customer, card, as_of)
            )
        fields = {
            **subscription_fields(data),
            "agency": agency,
            "customer": customer,
            "default_payment_method": default_payment_method,
        }
        return mirror_upsert(
            Subscription.objects.all(),
            lookup={"stripe_id": data["id"]},
            fields=fields,
            as_of=as_of,
            read_back=lambda: _subscription_read_back(agency, data["id"]),
            locked=row,
        )


def subscriptions_sync_for_customer(customer: Customer) -> list[Subscription]:
    """Repair the customer's subscription mirror from Stripe (every status, 100 a page).
    Raises BillingError if Stripe cannot be read."""
    agency = customer.agency
    if not (customer.stripe_customer_id and agency.stripe_account_id):
        return []
    params: Any = {
        "customer": customer.stripe_customer_id,
        "status": "all",
        "limit": 100,
        "expand": ["data.default_payment_method"],
    }
    synced = []
    with stripe_errors_as_billing_errors("sync the subscriptions"):
        listing = stripe_client().v1.subscriptions.list(
            params, account_options(agency.stripe_account_id)
        )
        for subscription in listing.auto_paging_iter():
            row = subscription_upsert(
                agency=agency, data=subscription.to_dict(), as_of=stripe_now()
            )
            if row is not None:
                synced.append(row)
    return synced


def subscription_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """The mirror's fields of a Stripe Subscription payload (its first item's price)."""
    items = (data.get("items") or {}).get("data") or [{}]
    item = items[0]
    price = item.get("price") or {}
    pause = data.get("pause_collection")
    return {
        "status": data["status"],
        "stripe_item_id": item.get("id") or "",
        "stripe_price_id": price.get("id") or "",
        "unit_amount": price.get("unit_amount"),
        "quantity": item.get("quantity") or 1,
        "currency": price.get("currency") or data.get("currency") or "",
        "interval": (price.get("recurring") or {}).get("interval") or "",
        "current_period_start": stripe_time(item.get("current_period_start")),
        "current_period_end": stripe_time(item.get("current_period_end")),
        "trial_end": stripe_time(data.get("trial_end")),
        "cancel_at_period_end": bool(data.get("cancel_at_period_end")),
        "canceled_at": stripe_time(data.get("canceled_at")),
        "ended_at": stripe_time(data.get("ended_at")),
        "collection_paused": pause is not None,
        "pause_behavior": (pause or {}).get("behavior") or "",
        "pause_resumes_at": stripe_time((pause or {}).get("resumes_at")),
        "cancel_at": stripe_time(data.get("cancel_at")),
        "trial_end_behavior": (
            ((data.get("trial_settings") or {}).get("end_behavior") or {}).get(
                "missing_payment_method"
            )
            or ""
        ),
    }


def _default_payment_method(
    agency: Agency, customer: Customer, value: Any, as_of: datetime
) -> PaymentMethod | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return payment_method_upsert(agency=agency, data=value, as_of=as_of)
    # Only the id: link the row, or hold its place until payment_method.attached fills it in
    # (no stripe_synced_at, so any real data wins).
    row = PaymentMethod.objects.filter(stripe_id=value).first()
    if row is None:
        row = PaymentMethod(stripe_id=value, customer=customer)
        if not row_insert_unless_taken(row):  # another transaction just made it
            row = PaymentMethod.objects.get(stripe_id=value)
    return row


def _subscription_read_back(agency: Agency, subscription_id: str) -> Subscription | None:
    subscription = stripe_client().v1.subscriptions.retrieve(
        subscription_id,
        {"expand": ["default_payment_method"]},
        account_options(agency.stripe_account_id or ""),
    )
    return subscription_upsert(agency=agency, data=subscription.to_dict(), as_of=stripe_now())


def _payment_method_read_back(agency: Agency, payment_method_id: str) -> PaymentMethod | None:
    payment_method = stripe_client().v1.payment_methods.retrieve(
        payment_method_id, options=account_options(agency.stripe_account_id or "")
    )
    return payment_method_upsert(agency=agency, data=payment_method.to_dict(), as_of=stripe_now())


_WATCHED = {
    "status": "status",
    "stripe_price_id": "price",
    "cancel_at_period_end": "cancel at period end",
    "collection_paused": "collection paused",
    "default_payment_method_id": "card",
}


def customer_sync_from_stripe(customer: Customer) -> list[str]:
    """Sync Subscription: read the customer's payment methods and subscriptions back from
    Stripe, repair the mirror, and say what changed ("sub_…: status active → past_due"); then
    the apps above (invoices: the recent invoices) repair theirs through
    `customer_sync_requested` and add what changed for them. Raises BillingError if Stripe
    cannot be read."""
    agency = customer.agency
    if not (customer.stripe_customer_id and agency.stripe_account_id):
        return []
    before = {
        row.stripe_id: {field: getattr(row, field) for field in _WATCHED}
        for row in customer.subscriptions.all()
    }
    options = account_options(agency.stripe_account_id)
    params: Any = {"customer": customer.stripe_customer_id, "limit": 100}
    with stripe_errors_as_billing_errors("read the payment methods"):
        methods = stripe_client().v1.payment_methods.list(params, options)
        for method in methods.auto_paging_iter():
            payment_method_upsert(agency=agency, data=method.to_dict(), as_of=stripe_now())
    changes = []
    for row in subscriptions_sync_for_customer(customer):
        old = before.get(row.stripe_id)
        if old is None:
            changes.append(f"{row.stripe_id}: new, {row.status}")
            continue
        for field, label in _WATCHED.items():
            was, now = old[field], getattr(row, field)
            if was != now:
                changes.append(f"{row.stripe_id}: {label} {_shown(was)} → {_shown(now)}")
    for _receiver, found in customer_sync_requested.send(sender=Customer, customer=customer):
        changes.extend(found or [])
    return changes


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "none"
