"""Add Payment Method: a setup-mode Checkout Session that collects a card for a customer on a
trial without one, and makes that card the subscription's and the customer's default.

The card is set from the session both when the client lands on the return page and when
`checkout.session.completed` arrives; either may come first, and doing it twice changes
nothing (the same card, the same idempotency keys).
"""

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from checkout.models import CheckoutLink
from checkout.selectors import open_links
from customers.activity import activity_record
from customers.models import Customer, Subscription
from customers.selectors import subscription_needing_card
from customers.sync import payment_method_upsert, subscription_upsert
from plans.services import agency_check_can_bill

logger = logging.getLogger(__name__)


def payment_method_link_generate(*, customer: Customer) -> CheckoutLink:
    """A setup-mode Checkout link for the card of the customer's trialing subscription; the
    open one if there is one. Our link row is written first and keys the Stripe call."""
    agency = customer.agency
    agency_check_can_bill(agency)
    with transaction.atomic():
        Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        subscription = subscription_needing_card(customer)
        if subscription is None or not customer.stripe_customer_id:
            raise BillingError("Only a customer on a trial without a card needs this link.")
        current = open_links(customer).filter(mode=CheckoutLink.Mode.SETUP).first()
        if current is not None:
            return current
        link = CheckoutLink.objects.create(
            agency=agency, customer=customer, mode=CheckoutLink.Mode.SETUP
        )
        metadata = {
            "checkout_link_id": str(link.pk),
            "customer_id": str(customer.pk),
            "subscription_id": subscription.stripe_id,
        }
        params: Any = {
            "mode": "setup",
            "currency": subscription.currency or agency.currency,
            "customer": customer.stripe_customer_id,
            "client_reference_id": str(link.pk),
            "metadata": metadata,
            "setup_intent_data": {"metadata": metadata},
            "expires_at": int(
                (
                    timezone.now() + timedelta(hours=settings.CHECKOUT_LINK_LIFETIME_HOURS)
                ).timestamp()
            ),
            "success_url": f"{settings.SITE_URL}{reverse('checkout_return', args=[link.pk])}"
            "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": f"{settings.SITE_URL}{reverse('checkout_canceled', args=[link.pk])}",
        }
        with stripe_errors_as_billing_errors("create the Add Payment Method link"):
            session = stripe_client().v1.checkout.sessions.create(
                params,
                account_options(
                    agency.stripe_account_id or "", idempotency_key=link.idempotency_key
                ),
            )
        link.stripe_session_id = session.id
        link.url = session.url or ""
        link.expires_at = datetime.fromtimestamp(session.expires_at, tz=UTC)
        link.status = CheckoutLink.Status.OPEN
        link.save(update_fields=["stripe_session_id", "url", "expires_at", "status"])
    return link


def payment_method_set_from_session(*, agency: Agency, data: Mapping[str, Any]) -> None:
    """After a completed setup session: its card becomes the default of the subscription
    named in its metadata and of the customer, and both are mirrored. Raises BillingError if
    Stripe refuses."""
    if data.get("mode") != "setup" or data.get("status") != "complete":
        return
    subscription_id = (data.get("metadata") or {}).get("subscription_id")
    subscription = Subscription.objects.filter(agency=agency, stripe_id=subscription_id).first()
    if subscription is None or not data.get("setup_intent"):
        return
    account = agency.stripe_account_id or ""
    options = account_options(account)
    client = stripe_client().v1
    with stripe_errors_as_billing_errors("save the new card"):
        intent = client.setup_intents.retrieve(
            str(data["setup_intent"]), {"expand": ["payment_method"]}, options
        )
        card = intent.payment_method
        if card is None or isinstance(card, str):
            return
        if subscription.default_payment_method is not None and (
            subscription.default_payment_method.stripe_id == card.id
        ):
            return
        client.customers.update(
            subscription.customer.stripe_customer_id or "",
            {"invoice_settings": {"default_payment_method": card.id}},
            account_options(account, idempotency_key=f"setup-{data['id']}-c"),
        )
        updated = client.subscriptions.update(
            subscription.stripe_id,
            {"default_payment_method": card.id, "expand": ["default_payment_method"]},
            account_options(account, idempotency_key=f"setup-{data['id']}-s"),
        )
    now = stripe_now()
    payment_method_upsert(agency=agency, data=card.to_dict(), as_of=now)
    subscription_upsert(agency=agency, data=updated.to_dict(), as_of=now)
    brand = (card.card.brand if card.card else "card").title()
    last4 = card.card.last4 if card.card else ""
    activity_record(
        customer=subscription.customer,
        kind="payment_method_added",
        message=f"The client added {brand} •••• {last4}; it pays the subscription from now on",
        outcome="stripe",
        stripe_event_id=f"setup:{data['id']}",
    )
    logger.info("Card %s set on %s from session %s", card.id, subscription.stripe_id, data["id"])


def payment_method_set_from_link(link: CheckoutLink) -> None:
    """The return page of an Add Payment Method link: read its session back and set the card
    at once, before the webhook arrives."""
    if link.mode != CheckoutLink.Mode.SETUP or link.status != CheckoutLink.Status.COMPLETE:
        return
    with stripe_errors_as_billing_errors("read the checkout session"):
        session = stripe_client().v1.checkout.sessions.retrieve(
            link.stripe_session_id or "",
            options=account_options(link.agency.stripe_account_id or ""),
        )
    payment_method_set_from_session(agency=link.agency, data=session.to_dict())
