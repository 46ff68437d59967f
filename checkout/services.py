"""Checkout links: Stripe Checkout Sessions made for one customer and one plan price."""

import logging
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from checkout.models import CheckoutLink
from checkout.selectors import open_links
from customers.models import Customer
from customers.selectors import customer_has_live_subscription
from customers.services import customer_ensure_stripe
from plans.models import Price
from plans.services import agency_check_can_bill

logger = logging.getLogger(__name__)


def checkout_link_generate(
    *, customer: Customer, price: Price, regenerate: bool = False
) -> CheckoutLink:
    """A Stripe Checkout link that subscribes the customer to `price`.

    Generating again while a link is still open returns that link, so a double click makes
    one Stripe session. `regenerate` expires the open link at Stripe and makes a new one.
    The customer row is locked for the whole call so concurrent clicks queue up; our link
    row is written before the Stripe call and its id is the idempotency key, and if Stripe
    fails the transaction leaves no link behind."""
    agency = customer.agency
    agency_check_can_bill(agency)
    _check_price_for_customer(customer, price)
    stripe_customer_id = customer_ensure_stripe(customer)
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=customer.pk)
        if customer_has_live_subscription(customer):
            raise BillingError("This customer already has a live subscription.")
        current = open_links(customer).filter(price=price).first()
        if current and not regenerate:
            return current
        if current:
            _expire_on_stripe(current)
            if current.status == CheckoutLink.Status.COMPLETE:
                raise BillingError("The customer has just paid with the current link.")
        link = CheckoutLink.objects.create(
            agency=agency, customer=customer, price=price, mode=CheckoutLink.Mode.SUBSCRIPTION
        )
        session = _create_session(link, stripe_customer_id)
        link.stripe_session_id = session.id
        link.url = session.url or ""
        link.expires_at = datetime.fromtimestamp(session.expires_at, tz=UTC)
        link.status = CheckoutLink.Status.OPEN
        link.save(update_fields=["stripe_session_id", "url", "expires_at", "status"])
    logger.info("Checkout link %s made session %s", link.pk, link.stripe_session_id)
    return link


def _check_price_for_customer(customer: Customer, price: Price) -> None:
    if customer.plan_id is None or price.plan_id != customer.plan_id:
        raise BillingError("Choose a price of the customer's plan.")
    if not price.active or not price.stripe_price_id:
        raise BillingError("This price is no longer offered.")
    if price.interval == Price.Interval.ONE_TIME:
        raise BillingError("One-time prices are charged by invoice, not by subscription.")


def _create_session(link: CheckoutLink, stripe_customer_id: str):
    assert link.price is not None
    plan = link.price.plan
    agency = link.agency
    return_path = reverse("checkout_return", args=[link.pk])
    metadata = {"checkout_link_id": str(link.pk), "customer_id": str(link.customer_id)}
    subscription_data: dict = {
        "application_fee_percent": agency.platform_fee_percent,
        "metadata": metadata,
    }
    if plan.trial_days:
        subscription_data["trial_period_days"] = plan.trial_days
    params: dict = {
        "mode": "subscription",
        "customer": stripe_customer_id,
        "line_items": [{"price": link.price.stripe_price_id, "quantity": 1}],
        "subscription_data": subscription_data,
        "client_reference_id": str(link.pk),
        "metadata": metadata,
        "expires_at": int(
            (timezone.now() + timedelta(hours=settings.CHECKOUT_LINK_LIFETIME_HOURS)).timestamp()
        ),
        "success_url": f"{settings.SITE_URL}{return_path}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.SITE_URL}{reverse('checkout_canceled', args=[link.pk])}",
    }
    if agency.automatic_tax:
        params["automatic_tax"] = {"enabled": True}
        # Stripe Tax needs the payer's address on the Customer.
        params["customer_update"] = {"address": "auto", "name": "auto"}
    with stripe_errors_as_billing_errors("create the checkout link"):
        return stripe_client().v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]
            account_options(agency.stripe_account_id or "", idempotency_key=link.idempotency_key),
        )


def _expire_on_stripe(link: CheckoutLink) -> None:
    """Close an open session so the old link stops working before a new one is sent."""
    options = account_options(link.agency.stripe_account_id or "")
    sessions = stripe_client().v1.checkout.sessions
    with stripe_errors_as_billing_errors("expire the old checkout link"):
        try:
            sessions.expire(link.stripe_session_id or "", options=options)
            link.status = CheckoutLink.Status.EXPIRED
        except stripe.InvalidRequestError:
            # No longer open at Stripe: it expired or was paid meanwhile; learn which.
            session = sessions.retrieve(link.stripe_session_id or "", options=options)
            link.status = (
                CheckoutLink.Status.COMPLETE
                if session.status == "complete"
                else CheckoutLink.Status.EXPIRED
            )
    link.save(update_fields=["status"])
