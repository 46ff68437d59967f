"""Custom plans: a Stripe Product on the agency's account with a monthly and/or yearly Price."""

import logging

from django.db import transaction

from agencies.models import Agency
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from plans.models import Plan, Price

logger = logging.getLogger(__name__)


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
    trial_days: int = 0,
) -> Plan:
    """Create the plan and its Stripe Product and Prices in one go.

    Our rows are written first and give the Stripe calls their idempotency keys. If Stripe
    fails, the transaction rolls our rows back and any Product already made is archived, so
    nothing is left half-made on either side."""
    agency_check_can_bill(agency)
    amounts = {Price.Interval.MONTH: monthly_amount, Price.Interval.YEAR: yearly_amount}
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
            stripe_price = client.v1.prices.create(
                {
                    "product": product.id,
                    "currency": price.currency,
                    "unit_amount": price.unit_amount,
                    "recurring": {"interval": price.interval},  # type: ignore[typeddict-item]
                    "metadata": {"plan_id": str(plan.pk), "price_id": str(price.pk)},
                },
                account_options(account, idempotency_key=f"price-{price.pk}"),
            )
            price.stripe_price_id = stripe_price.id
            price.save(update_fields=["stripe_price_id"])


def _archive_product(product_id: str, account: str) -> None:
    try:
        with stripe_errors_as_billing_errors("archive the product"):
            stripe_client().v1.products.update(
                product_id, {"active": False}, account_options(account)
            )
    except BillingError:
        logger.warning("Could not archive Stripe product %s after a failed plan create", product_id)
