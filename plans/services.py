"""Custom plans: a Stripe Product on the agency's account with a monthly and/or yearly Price."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from plans.models import Plan, Price

logger = logging.getLogger(__name__)

# An edit marked as started longer ago than this was interrupted (its process died): the
# next edit may go ahead. Longer than the Stripe calls of an edit can take with the SDK's
# retries and timeouts.
PLAN_EDIT_INTERRUPTED_AFTER = timedelta(minutes=15)
PLAN_EDIT_IN_PROGRESS = (
    "Someone else is saving a change to this plan. Reload the page in a moment to see it, "
    "then make your change again."
)


def agency_check_can_bill(agency: Agency) -> None:
    """Raise the one reason this agency cannot start new billing (suspended, Stripe
    disconnected or not connected, onboarding unfinished), if there is one. Read fresh from the
    database, so lifting a suspension unlocks at once, and suspending stops the next action."""
    agency.refresh_from_db(
        fields=["suspended", "stripe_disconnected_at", "stripe_account_id", "charges_enabled"]
    )
    error = agency.billing_blocked_error
    if error is not None:
        raise error


@transaction.atomic
def plan_create(
    *,
    agency: Agency,
    name: str,
    description: str = "",
    monthly_amount: int | None = None,
    yearly_amount: int | None = None,
    one_time_amount: int | None = None,
    trial_days: int = 0,
) -> Plan:
    """Create the plan and its Stripe Product and Prices in one go (a one-time price is for
    one-off invoices; checkout links use the monthly and yearly ones).

    Our rows are written first and give the Stripe calls their idempotency keys. If Stripe
    fails, the transaction rolls our rows back and any Product already made is archived, so
    nothing is left half-made on either side."""
    agency_check_can_bill(agency)
    amounts = {
        Price.Interval.MONTH: monthly_amount,
        Price.Interval.YEAR: yearly_amount,
        Price.Interval.ONE_TIME: one_time_amount,
    }
    if not any(amounts.values()):
        raise BillingError("Give the plan a monthly price, a yearly price, or both.")
    plan = Plan.objects.create(
        agency=agency, name=name, description=description, trial_days=trial_days
    )
    prices = [
        Price.objects.create(
            plan=plan, interval=interval, unit_amount=amount, currency=agency.currency
        )
        for interval, amount in amounts.items()
        if amount
    ]
    account = agency.stripe_account_id or ""
    try:
        _create_on_stripe(plan, prices, account)
    except BillingError:
        if plan.stripe_product_id:
            _archive_product(plan.stripe_product_id, account)
        raise
    return plan


def _create_on_stripe(plan: Plan, prices: list[Price], account: str) -> None:
    client = stripe_client()
    with stripe_errors_as_billing_errors("create the plan"):
        product_params: dict = {"name": plan.name, "metadata": {"plan_id": str(plan.pk)}}
        if plan.description:
            product_params["description"] = plan.description
        product = client.v1.products.create(
            product_params,  # type: ignore[arg-type]
            account_options(account, idempotency_key=f"plan-{plan.pk}-product"),
        )
        plan.stripe_product_id = product.id
        plan.save(update_fields=["stripe_product_id"])
        for price in prices:
            _create_stripe_price(price, product.id, account)


def _plan_edit_start(plan: Plan) -> None:
    """Mark the plan (locked by the caller) as being edited, or refuse if another edit is."""
    now = timezone.now()
    started = plan.edit_started_at
    if started is not None and now - started < PLAN_EDIT_INTERRUPTED_AFTER:
        raise BillingError(PLAN_EDIT_IN_PROGRESS)
    if started is not None:
        logger.warning("Plan %s: the edit started at %s was interrupted", plan.pk, started)
    plan.edit_started_at = now
    plan.save(update_fields=["edit_started_at"])


def _create_stripe_price(price: Price, product_id: str, account: str) -> None:
    params: dict = {
        "product": product_id,
        "currency": price.currency,
        "unit_amount": price.unit_amount,
        "metadata": {"plan_id": str(price.plan_id), "price_id": str(price.pk)},
    }
    if price.interval != Price.Interval.ONE_TIME:
        params["recurring"] = {"interval": price.interval}
    stripe_price = stripe_client().v1.prices.create(
        params,  # type: ignore[arg-type]
        account_options(account, idempotency_key=f"price-{price.pk}"),
    )
    price.stripe_price_id = stripe_price.id
    price.save(update_fields=["stripe_price_id"])


def plan_update(
    *,
    plan: Plan,
    name: str,
    description: str = "",
    monthly_amount: int | None = None,
    yearly_amount: int | None = None,
    one_time_amount: int | None = None,
    trial_days: int = 0,
) -> list[Price]:
    """Change the plan: name and description go to the Stripe Product; an amount that differs
    from the active price makes a new Price and archives the old one at Stripe (a price's
    amount can never change there), and an empty amount archives that interval's price.
    Subscriptions on an archived price stay on it. New trial days apply to new links.

    The writes are ordered so a refusal at any step leaves nothing dangling on either side:
    1. our intent, committed: a pending row (inactive, no Stripe id) per new Price, whose id
       gives the Stripe call its idempotency key;
    2. Stripe, outside our transaction (Stripe has none): the Product, the new Prices, then
       archiving the old ones;
    3. our rows switched over in one transaction once Stripe accepted every call.
    If Stripe refuses a call, what it accepted before is undone there (new Prices archived,
    the Product's name put back, old Prices made active again), the pending rows are
    deleted, and our plan is unchanged. One edit of a plan at a time: step 1 marks the plan
    (`edit_started_at`) and an edit that finds the mark is refused, since two edits crossing
    each other at Stripe would both archive the same old Price and both make a new one.
    Returns the prices made."""
    agency = plan.agency
    agency_check_can_bill(agency)
    amounts = {
        Price.Interval.MONTH: monthly_amount,
        Price.Interval.YEAR: yearly_amount,
        Price.Interval.ONE_TIME: one_time_amount,
    }
    if not (monthly_amount or yearly_amount or one_time_amount):
        raise BillingError("Give the plan a monthly price, a yearly price, or both.")
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)
        plan.refresh_from_db(fields=["name", "description", "stripe_product_id", "edit_started_at"])
        _plan_edit_start(plan)
        was = {"name": plan.name, "description": plan.description}
        active = {price.interval: price for price in plan.prices.filter(active=True)}
        retired = [
            price
            for interval, price in active.items()
            if amounts.get(interval) != price.unit_amount
        ]
        made = [
            Price.objects.create(
                plan=plan,
                interval=interval,
                unit_amount=amount,
                currency=agency.currency,
                active=False,  # pending until Stripe has it
            )
            for interval, amount in amounts.items()
            if amount and (interval not in active or active[interval] in retired)
        ]
    account = agency.stripe_account_id or ""
    undo: list[tuple[str, str, dict]] = []  # what Stripe accepted, to put back on a refusal
    try:
        with stripe_errors_as_billing_errors("update the plan"):
            stripe_client().v1.products.update(
                plan.stripe_product_id,
                {"name": name, "description": description},
                account_options(account),
            )
            undo.append(("products", plan.stripe_product_id, was))
            for price in made:
                _create_stripe_price(price, plan.stripe_product_id, account)
                undo.append(("prices", price.stripe_price_id, {"active": False}))
            for price in retired:
                if price.stripe_price_id:
                    stripe_client().v1.prices.update(
                        price.stripe_price_id, {"active": False}, account_options(account)
                    )
                    undo.append(("prices", price.stripe_price_id, {"active": True}))
    except BillingError:
        _undo_at_stripe(undo, account)
        with transaction.atomic():
            Price.objects.filter(pk__in=[price.pk for price in made]).delete()
            Plan.objects.filter(pk=plan.pk).update(edit_started_at=None)
        raise
    with transaction.atomic():
        Price.objects.filter(pk__in=[price.pk for price in retired]).update(active=False)
        Price.objects.filter(pk__in=[price.pk for price in made]).update(active=True)
        plan.name, plan.description, plan.trial_days = name, description, trial_days
        plan.edit_started_at = None
        plan.save(update_fields=["name", "description", "trial_days", "edit_started_at"])
    for price in made:
        price.active = True
    logger.info("Plan %s updated: %d new price(s), %d archived", plan.pk, len(made), len(retired))
    return made


@transaction.atomic
def plan_archive(*, plan: Plan) -> None:
    """Archive the plan: gone from the pickers, no new links; its Stripe Product is archived
    (inactive), and subscriptions on its prices keep charging. History is kept."""
    Plan.objects.filter(pk=plan.pk, archived_at=None).update(archived_at=timezone.now())
    plan.refresh_from_db(fields=["archived_at"])
    if plan.stripe_product_id:
        with stripe_errors_as_billing_errors("archive the plan"):
            stripe_client().v1.products.update(
                plan.stripe_product_id,
                {"active": False},
                account_options(plan.agency.stripe_account_id or ""),
            )


def _undo_at_stripe(undo: list[tuple[str, str, dict]], account: str) -> None:
    """Put back, newest first, what Stripe accepted before a later call was refused. An undo
    Stripe refuses too is logged with the object's id for support: it cannot be helped here."""
    for kind, object_id, params in reversed(undo):
        try:
            with stripe_errors_as_billing_errors("undo the plan change"):
                getattr(stripe_client().v1, kind).update(
                    object_id, params, account_options(account)
                )
        except BillingError as error:
            logger.error("Could not undo %s %s %s: %s", kind, object_id, params, error.message)


def _archive_product(product_id: str, account: str) -> None:
    try:
        with stripe_errors_as_billing_errors("archive the product"):
            stripe_client().v1.products.update(
                product_id, {"active": False}, account_options(account)
            )
    except BillingError:
        logger.warning("Could not archive Stripe product %s after a failed plan create", product_id)
