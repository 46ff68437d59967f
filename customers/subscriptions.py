"""Billing actions on a customer's subscription, as staff take them on Manage Customer.

While the agency cannot bill (suspended, Stripe disconnected) an action that would charge
the client more — a trial, a switch, resuming collection, reactivating, a final invoice on
cancel — raises its BillingError (AgencySuspendedCannotBillError…); pausing collection and
canceling only reduce what the client pays, so they stay allowed, and existing subscriptions
keep charging as Stripe schedules them.

Every action writes our intent first (an Activity line, `pending`), calls Stripe with an
idempotency key derived from that row, mirrors Stripe's answer at once (the webhook that
follows changes nothing), and closes the line as done — or, when Stripe refuses, as failed
with Stripe's reason, raising BillingError with nothing changed on our side.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from customers.activity import activity_record
from customers.models import Activity, Customer, Subscription
from customers.selectors import LIVE_SUBSCRIPTION_STATUSES
from customers.services import customer_ensure_stripe
from customers.sync import subscription_upsert
from plans.models import Price
from plans.services import agency_check_can_bill

logger = logging.getLogger(__name__)

PAUSE_BEHAVIORS = {
    "keep_as_draft": "keep invoices as drafts",
    "void": "void invoices",
}


def _act(
    *,
    customer: Customer,
    actor: AbstractBaseUser | None,
    kind: str,
    intent: str,
    done: str,
    action: str,
    call: Callable[[str], Any],
) -> Subscription | None:
    """Record `intent`, run `call(idempotency_key)` against Stripe, mirror the subscription it
    returns, and record the outcome."""
    line = activity_record(
        customer=customer, kind=kind, message=intent, actor=actor, outcome="pending"
    )
    assert line is not None
    try:
        with stripe_errors_as_billing_errors(action):
            result = call(f"activity-{line.pk}")
    except BillingError as error:
        _close(line, "failed", f"{intent}: {error.message}")
        raise
    row = subscription_upsert(agency=customer.agency, data=result.to_dict(), as_of=stripe_now())
    _close(line, "done", done)
    logger.info("%s for customer %s: %s", kind, customer.pk, done)
    return row


def _close(line: Activity, outcome: str, message: str) -> None:
    line.outcome = outcome
    line.message = message[:500]
    line.save(update_fields=["outcome", "message"])


def _options(customer: Customer, key: str | None = None):
    return account_options(customer.agency.stripe_account_id or "", idempotency_key=key)


def _check_connected(customer: Customer) -> None:
    if not customer.agency.stripe_account_id:
        raise BillingError("Connect Stripe to manage subscriptions.")


def subscription_start_trial(
    *, customer: Customer, price: Price, actor: AbstractBaseUser | None
) -> Subscription | None:
    """Start the customer on their plan's trial with no card: a `trialing` subscription to
    `price`. When the trial ends without a card, the agency's `trial_end_behavior` (cancel or
    pause) applies. Raises BillingError when the agency cannot bill, the plan has no trial,
    or the customer already has a live subscription."""
    agency = customer.agency
    agency_check_can_bill(agency)
    plan = customer.plan
    if plan is None or price.plan_id != plan.pk or not price.active or not price.stripe_price_id:
        raise BillingError("Choose a price of the customer's plan.")
    if price.interval == Price.Interval.ONE_TIME:
        raise BillingError("A trial needs a monthly or yearly price.")
    if not plan.trial_days:
        raise BillingError(f"The plan “{plan.name}” has no trial. Give it trial days first.")
    stripe_customer_id = customer_ensure_stripe(customer)
    with transaction.atomic():
        Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        if customer.subscriptions.filter(status__in=LIVE_SUBSCRIPTION_STATUSES).exists():
            raise BillingError("This customer already has a live subscription.")
        params: Any = {
            "customer": stripe_customer_id,
            "items": [{"price": price.stripe_price_id}],
            "trial_period_days": plan.trial_days,
            "trial_settings": {
                "end_behavior": {"missing_payment_method": agency.trial_end_behavior}
            },
            "application_fee_percent": agency.platform_fee_percent,
            "metadata": {"customer_id": str(customer.pk), "agency_id": str(agency.pk)},
        }
        if agency.automatic_tax:
            params["automatic_tax"] = {"enabled": True}
        ends = "pause" if agency.trial_end_behavior == "pause" else "cancel"
        return _act(
            customer=customer,
            actor=actor,
            kind="trial_started",
            intent=f"Start a {plan.trial_days}-day trial of {plan.name} without a card",
            done=f"Started a {plan.trial_days}-day trial of {plan.name} "
            f"({price.get_interval_display()}); without a card it will {ends} when the trial ends",
            action="start the trial",
            call=lambda key: stripe_client().v1.subscriptions.create(
                params, _options(customer, key)
            ),
        )


@dataclass(frozen=True)
class SwitchPreview:
    """What switching to `price` costs: due now, and the next invoice after the switch."""

    price: Price
    proration_date: int
    due_now: int
    next_invoice_amount: int
    next_invoice_date: datetime | None
    currency: str
    lines: list[tuple[str, int]]
    invoices_now: bool


def subscription_switch_preview(*, subscription: Subscription, price: Price) -> SwitchPreview:
    """Stripe's invoice preview for moving the subscription to `price`, with Stripe's default
    prorations (`create_prorations`). Changes nothing."""
    _check_switch(subscription, price)
    customer = subscription.customer
    now = int(timezone.now().timestamp())
    params: Any = {
        "customer": customer.stripe_customer_id,
        "subscription": subscription.stripe_id,
        "subscription_details": {
            "items": [{"id": subscription.stripe_item_id, "price": price.stripe_price_id}],
            "proration_date": now,
        },
    }
    with stripe_errors_as_billing_errors("preview the plan switch"):
        preview = stripe_client().v1.invoices.create_preview(params, _options(customer))
    invoices_now = preview.billing_reason == "subscription_update"
    when = preview.next_payment_attempt or preview.period_start
    return SwitchPreview(
        price=price,
        proration_date=now,
        due_now=preview.amount_due if invoices_now else 0,
        next_invoice_amount=preview.amount_due,
        next_invoice_date=datetime.fromtimestamp(when, tz=UTC) if when else None,
        currency=preview.currency,
        lines=[(line.description or "", line.amount) for line in preview.lines.data],
        invoices_now=invoices_now,
    )


def _check_switch(subscription: Subscription, price: Price) -> None:
    agency_check_can_bill(subscription.agency)
    if not subscription.is_live:
        raise BillingError("This subscription has ended; start a new one instead.")
    if price.plan.agency_id != subscription.agency_id or not price.active:
        raise BillingError("Choose one of your plans' current prices.")
    if price.interval == Price.Interval.ONE_TIME or not price.stripe_price_id:
        raise BillingError("A subscription can only move to a monthly or yearly price.")
    if price.stripe_price_id == subscription.stripe_price_id:
        raise BillingError("The subscription is already on this price.")


def subscription_switch(
    *,
    subscription: Subscription,
    price: Price,
    proration_date: int,
    actor: AbstractBaseUser | None,
) -> Subscription | None:
    """Move the subscription to `price` (another plan or interval), prorated as Stripe does
    by default and priced as of `proration_date` (the preview's), so the charge matches what
    the preview said. The customer's plan follows the price."""
    _check_switch(subscription, price)
    customer = subscription.customer
    params: Any = {
        "items": [{"id": subscription.stripe_item_id, "price": price.stripe_price_id}],
        "proration_behavior": "create_prorations",
        "proration_date": proration_date,
    }
    label = f"{price.plan.name} ({price.get_interval_display()})"
    row = _act(
        customer=customer,
        actor=actor,
        kind="plan_switched",
        intent=f"Switch to {label}",
        done=f"Switched to {label}",
        action="switch the plan",
        call=lambda key: stripe_client().v1.subscriptions.update(
            subscription.stripe_id, params, _options(customer, key)
        ),
    )
    if customer.plan_id != price.plan_id:
        Customer.objects.filter(pk=customer.pk).update(plan=price.plan)
    return row


def _update(
    subscription: Subscription,
    params: Any,
    *,
    actor: AbstractBaseUser | None,
    kind: str,
    intent: str,
    done: str,
    action: str,
) -> Subscription | None:
    _check_connected(subscription.customer)
    if not subscription.is_live:
        raise BillingError("This subscription has ended.")
    return _act(
        customer=subscription.customer,
        actor=actor,
        kind=kind,
        intent=intent,
        done=done,
        action=action,
        call=lambda key: stripe_client().v1.subscriptions.update(
            subscription.stripe_id, params, _options(subscription.customer, key)
        ),
    )


def subscription_pause(
    *,
    subscription: Subscription,
    behavior: str,
    resumes_at: datetime | None,
    actor: AbstractBaseUser | None,
) -> Subscription | None:
    """Pause collecting payment: invoices are kept as drafts or voided (`behavior`) until
    Resume, or until `resumes_at`. The subscription stays active at Stripe."""
    if behavior not in PAUSE_BEHAVIORS:
        raise BillingError("Choose whether to keep invoices as drafts or void them.")
    pause: dict[str, Any] = {"behavior": behavior}
    until = ""
    if resumes_at is not None:
        if resumes_at <= timezone.now():
            raise BillingError("The resume date must be in the future.", field="resumes_at")
        pause["resumes_at"] = int(resumes_at.timestamp())
        until = f" until {resumes_at:%b %-d, %Y}"
    return _update(
        subscription,
        {"pause_collection": pause},
        actor=actor,
        kind="collection_paused",
        intent="Pause collection",
        done=f"Paused collection ({PAUSE_BEHAVIORS[behavior]}){until}",
        action="pause collection",
    )


def subscription_resume(
    *, subscription: Subscription, actor: AbstractBaseUser | None
) -> Subscription | None:
    """Collect again: clear a collection pause, or resume a subscription Stripe paused when
    its trial ended without a card (a new period starts and is invoiced now)."""
    customer = subscription.customer
    # Collecting again is new billing: refused while the agency cannot bill.
    agency_check_can_bill(customer.agency)
    if subscription.status == Subscription.Status.PAUSED:
        return _act(
            customer=customer,
            actor=actor,
            kind="subscription_resumed",
            intent="Resume the subscription",
            done="Resumed the subscription; a new period starts today",
            action="resume the subscription",
            call=lambda key: stripe_client().v1.subscriptions.resume(
                subscription.stripe_id, {}, _options(customer, key)
            ),
        )
    if not subscription.collection_paused:
        raise BillingError("Collection is not paused.")
    return _update(
        subscription,
        {"pause_collection": ""},
        actor=actor,
        kind="collection_resumed",
        intent="Resume collection",
        done="Resumed collection",
        action="resume collection",
    )


def subscription_cancel_at_period_end(
    *, subscription: Subscription, actor: AbstractBaseUser | None
) -> Subscription | None:
    """Cancel when the current period ends: no further charges, access until then."""
    end = subscription.current_period_end
    return _update(
        subscription,
        {"cancel_at_period_end": True},
        actor=actor,
        kind="cancel_scheduled",
        intent="Cancel at period end",
        done=f"Set to cancel on {end:%b %-d, %Y}" if end else "Set to cancel at period end",
        action="schedule the cancellation",
    )


def subscription_reactivate(
    *, subscription: Subscription, actor: AbstractBaseUser | None
) -> Subscription | None:
    """Undo a cancellation at period end before the period ends: billing continues, so it
    is refused while the agency cannot bill."""
    if not subscription.is_canceling:
        raise BillingError("This subscription is not set to cancel.")
    agency_check_can_bill(subscription.agency)
    return _update(
        subscription,
        {"cancel_at_period_end": False},
        actor=actor,
        kind="subscription_reactivated",
        intent="Reactivate",
        done="Reactivated: the subscription renews as before",
        action="reactivate the subscription",
    )


@dataclass(frozen=True)
class CancelCredit:
    """About what `prorate` credits if the subscription is canceled now: the unused whole
    days of the current period, priced at the subscription's amount."""

    amount: int
    currency: str
    unused_days: int
    period_days: int


def subscription_cancel_credit(subscription: Subscription) -> CancelCredit | None:
    """The estimate the Cancel now page shows; None when nothing was paid for the period (a
    trial) or the period is unknown. Stripe prices the credit to the second when it cancels."""
    start, end = subscription.current_period_start, subscription.current_period_end
    if subscription.status == Subscription.Status.TRIALING or not (start and end):
        return None
    if subscription.unit_amount is None:
        return None
    period_days = round((end - start).total_seconds() / 86400)
    unused_days = max(0, round((end - stripe_now()).total_seconds() / 86400))
    if period_days <= 0:
        return None
    return CancelCredit(
        amount=round(subscription.unit_amount * unused_days / period_days),
        currency=subscription.currency,
        unused_days=unused_days,
        period_days=period_days,
    )


def subscription_cancel_now(
    *,
    subscription: Subscription,
    actor: AbstractBaseUser | None,
    invoice_now: bool = False,
    prorate: bool = False,
) -> Subscription | None:
    """End the subscription today: no further charges. As Stripe's cancel allows, `prorate`
    credits the unused time of the current period and `invoice_now` bills what is not yet
    billed (that credit, prorations of an earlier switch) on a final invoice at once; with
    neither, nothing is refunded and pending prorations are dropped. A final invoice is new
    billing, so it is refused while the agency cannot bill (canceling itself never is)."""
    customer = subscription.customer
    _check_connected(customer)
    if not subscription.is_live:
        raise BillingError("This subscription has already ended.")
    if invoice_now:
        agency_check_can_bill(customer.agency)
    if prorate and invoice_now:
        outcome = "; the unused time is credited on a final invoice"
    elif prorate:
        outcome = "; the unused time is credited as a pending item for the client's next invoice"
    elif invoice_now:
        outcome = "; anything not yet billed is on a final invoice"
    else:
        outcome = ", nothing credited"
    params: Any = {"invoice_now": invoice_now, "prorate": prorate}
    return _act(
        customer=customer,
        actor=actor,
        kind="subscription_canceled",
        intent="Cancel now",
        done=f"Canceled now: no further charges{outcome}",
        action="cancel the subscription",
        call=lambda key: stripe_client().v1.subscriptions.cancel(
            subscription.stripe_id, params, _options(customer, key)
        ),
    )
