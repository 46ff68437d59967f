"""Checkout links: Stripe Checkout Sessions made for one customer and one plan price, the
evergreen pay links that make them on demand, and the emails that send either to the client."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from agencies.selectors import agency_checkout_branding
from agency_billing.emails import send_email
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from checkout.models import CheckoutLink, PayLink
from checkout.selectors import open_links
from customers.models import Customer
from customers.selectors import customer_has_live_subscription
from customers.services import billing_contacts_to_mail, customer_ensure_stripe
from plans.models import Price
from plans.services import agency_check_can_bill

logger = logging.getLogger(__name__)


# An evergreen link reuses a live session only if the payer has this long left to pay.
PAY_LINK_REUSE_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class PayLinkOpening:
    """What opening an evergreen link led to: a session to send the payer to, or the reason
    there is none ("revoked", "subscribed", "unavailable") with a message for the payer."""

    pay_link: PayLink
    session: CheckoutLink | None = None
    refused: str = ""
    message: str = ""


def checkout_link_generate(
    *,
    customer: Customer,
    price: Price,
    regenerate: bool = False,
    pay_link: PayLink | None = None,
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
        Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        if customer_has_live_subscription(customer):
            raise BillingError("This customer already has a live subscription.")
        current = open_links(customer).filter(price=price).first()
        if current and not regenerate:
            return current
        if current:
            checkout_link_expire(current)
            if current.status == CheckoutLink.Status.COMPLETE:
                raise BillingError("The customer has just paid with the current link.")
        link = CheckoutLink.objects.create(
            agency=agency,
            customer=customer,
            price=price,
            mode=CheckoutLink.Mode.SUBSCRIPTION,
            pay_link=pay_link,
        )
        session = _create_session(link, stripe_customer_id)
        link.stripe_session_id = session.id
        link.url = session.url or ""
        link.expires_at = datetime.fromtimestamp(session.expires_at, tz=UTC)
        link.status = CheckoutLink.Status.OPEN
        link.save(update_fields=["stripe_session_id", "url", "expires_at", "status"])
    logger.info("Checkout link %s made session %s", link.pk, link.stripe_session_id)
    return link


def checkout_links_expire_open(*, customer: Customer, keep: CheckoutLink | None = None) -> int:
    """Expire at Stripe every open subscription link of the customer but `keep`: once a
    subscription has started, no other link may start a second one. Call it whenever a
    subscription starts (checkout completion does). Returns how many links were closed."""
    others = CheckoutLink.objects.filter(
        customer_id=customer.pk,
        status=CheckoutLink.Status.OPEN,
        mode=CheckoutLink.Mode.SUBSCRIPTION,
    ).select_related("agency")
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    closed = 0
    for link in others:
        checkout_link_expire(link)
        closed += link.status == CheckoutLink.Status.EXPIRED
        logger.info("Checkout link %s closed: customer %s subscribed", link.pk, customer.pk)
    return closed


def pay_link_ensure(*, customer: Customer, price: Price) -> PayLink:
    """The customer's evergreen link for `price`, made on first use (one live link per
    customer and price)."""
    _check_price_for_customer(customer, price)
    with transaction.atomic():
        Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        link, _ = PayLink.objects.get_or_create(
            customer=customer, price=price, revoked_at=None, defaults={"agency": customer.agency}
        )
    return link


def pay_link_revoke(pay_link: PayLink) -> None:
    """Stop the evergreen link from working; its open session, if any, is expired at Stripe
    so a copy of the Stripe URL stops working too."""
    with transaction.atomic():
        PayLink.objects.filter(pk=pay_link.pk, revoked_at=None).update(revoked_at=timezone.now())
        for session in pay_link.sessions.filter(status=CheckoutLink.Status.OPEN):
            checkout_link_expire(session)


def pay_link_open(token: str) -> PayLinkOpening:
    """What opening `/pay/<token>/` does: count the open, then reuse the link's live Checkout
    Session or make a fresh one. The link's row is locked for the whole call, so concurrent
    opens make at most one session. Raises PayLink.DoesNotExist for an unknown token."""
    with transaction.atomic():
        pay_link = (
            PayLink.objects.select_for_update(of=("self",))
            .select_related("agency", "customer__agency", "customer__plan", "price__plan")
            .get(token=token)
        )
        _record_open(pay_link)
        customer = pay_link.customer
        if pay_link.revoked_at is not None:
            return PayLinkOpening(pay_link, refused="revoked")
        if customer_has_live_subscription(customer):
            return PayLinkOpening(pay_link, refused="subscribed")
        current = open_links(customer).filter(price=pay_link.price).first()
        stale = current is not None and current.expires_at < timezone.now() + (
            PAY_LINK_REUSE_MARGIN
        )
        try:
            session = checkout_link_generate(
                customer=customer, price=pay_link.price, regenerate=stale, pay_link=pay_link
            )
        except BillingError as error:
            logger.info("Pay link %s refused an open: %s", pay_link.pk, error.message)
            return PayLinkOpening(pay_link, refused="unavailable", message=error.message)
    return PayLinkOpening(pay_link, session=session)


def _record_open(pay_link: PayLink) -> None:
    now = timezone.now()
    pay_link.first_opened_at = pay_link.first_opened_at or now
    pay_link.last_opened_at = now
    pay_link.open_count += 1
    PayLink.objects.filter(pk=pay_link.pk).update(
        first_opened_at=pay_link.first_opened_at, last_opened_at=now, open_count=F("open_count") + 1
    )


def checkout_link_send(*, link: CheckoutLink | PayLink, sent_by: str) -> list[str]:
    """Email the link in the agency's name (plan, amount, trial, and the expiry of a 24-hour
    Stripe link) to every billing contact of the customer, one email each, and remember when
    and to whom it went; the addresses it went to. Viewers get none; a customer without a
    billing contact gets a BillingError and nothing is sent."""
    customer, price = link.customer, link.price
    assert price is not None
    agency_check_can_bill(customer.agency)
    evergreen = isinstance(link, PayLink)
    if evergreen:
        url = link.url
    elif link.status != CheckoutLink.Status.OPEN or not link.url:
        raise BillingError("This checkout link is no longer open; regenerate it first.")
    else:
        url = link.url
    contacts = billing_contacts_to_mail(customer)
    recipients = [contact.email for contact in contacts]
    with transaction.atomic():
        type(link).objects.filter(pk=link.pk).update(
            sent_at=timezone.now(), sent_to=", ".join(recipients)
        )
        for contact in contacts:
            send_email(
                to=contact.email,
                template="checkout_link",
                agency=customer.agency,
                reply_to=sent_by,
                context={
                    "customer": customer,
                    "contact": contact,
                    "plan": price.plan,
                    "price": price,
                    "url": url,
                    "expires_at": None if evergreen else link.expires_at,  # type: ignore[union-attr]
                },
            )
    logger.info("Checkout link %s emailed to %d contact(s)", link.pk, len(recipients))
    return recipients


def _check_price_for_customer(customer: Customer, price: Price) -> None:
    if customer.plan_id is None or price.plan_id != customer.plan_id:
        raise BillingError("Choose a price of the customer's plan.")
    if price.plan.archived_at is not None:
        raise BillingError("This plan is archived: give the customer a current plan.")
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
        "branding_settings": agency_checkout_branding(agency),
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


def checkout_link_expire(link: CheckoutLink) -> None:
    """Close the link's open session at Stripe so it stops working (or learn that it was paid
    meanwhile: the link is then marked complete). Raises BillingError if Stripe cannot be
    reached."""
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
