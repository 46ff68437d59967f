"""Reading objects back from Stripe: onboarding return, Checkout success page, Sync Subscription.

Stripe's webhooks are held back, so what the mirror shows came from reading the sandbox."""

import time
from urllib.parse import urlsplit

import pytest

from agencies.sync import agency_account_refresh
from agency_billing.errors import BillingError
from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from customers.models import PaymentMethod, Subscription
from customers.sync import subscriptions_sync_for_customer
from tests.factories import AgencyFactory
from tests.stripe_flows import pay_checkout
from tests.sync.stripe_timeline import (
    deliver_from_stripe,
    monthly_link,
    pay_and_close_the_tab,
    stripe_events,
)
from webhooks.models import WebhookEvent

PAYMENT_EVENTS = [
    "checkout.session.completed",
    "customer.subscription.created",
    "payment_method.attached",
]


def session_of(link: CheckoutLink):
    return stripe_client().v1.checkout.sessions.retrieve(
        link.stripe_session_id, options=account_options(link.agency.stripe_account_id)
    )


def mirror_rows() -> tuple[CheckoutLink, Subscription, PaymentMethod]:
    return CheckoutLink.objects.get(), Subscription.objects.get(), PaymentMethod.objects.get()


def test_the_success_page_read_back_mirrors_link_subscription_and_card_at_once(
    client, customer, webhooks_held
):
    link = monthly_link(customer)

    pay_checkout(client, link.url, card="4242 4242 4242 4242")

    link.refresh_from_db()
    assert link.status == CheckoutLink.Status.COMPLETE
    assert link.stripe_subscription_id == session_of(link).subscription
    subscription = Subscription.objects.get()
    assert subscription.stripe_id == link.stripe_subscription_id
    assert subscription.customer == customer
    assert subscription.status == Subscription.Status.TRIALING
    assert subscription.default_payment_method.last4 == "4242"
    assert not WebhookEvent.objects.filter(type__in=PAYMENT_EVENTS).exists()


@pytest.mark.usefixtures("transactional_db")
def test_the_webhook_after_the_success_page_changes_nothing(client, customer, webhooks_held):
    link = monthly_link(customer)
    pay_and_close_the_tab(client, link)
    # The payer lands on our page a moment after Stripe emitted its events.
    time.sleep(1 - time.time() % 1)
    success = urlsplit(
        session_of(link).success_url.replace("{CHECKOUT_SESSION_ID}", link.stripe_session_id)
    )
    client.get(f"{success.path}?{success.query}")
    before = mirror_rows()
    synced = [row.stripe_synced_at for row in before]

    for event in stripe_events(customer.agency):
        deliver_from_stripe(event.id)

    after = mirror_rows()
    delivered = WebhookEvent.objects.filter(type__in=PAYMENT_EVENTS)
    assert sorted(delivered.values_list("type", "status")) == [
        (event_type, WebhookEvent.Status.PROCESSED) for event_type in sorted(PAYMENT_EVENTS)
    ]
    assert [row.stripe_synced_at for row in after] == synced
    assert after[1].status == Subscription.Status.TRIALING
    assert after[0].completed_at == before[0].completed_at


def test_sync_subscription_lists_every_status_and_repairs_the_mirror(
    client, customer, plan, webhooks_held
):
    ended_link = monthly_link(customer)
    live_link = checkout_link_generate(customer=customer, price=plan.prices.get(interval="year"))
    # Paid in a tab that was closed before our page loaded: the mirror never heard of it, so
    # the other link is still open and is paid too (the case Sync must repair).
    live = pay_and_close_the_tab(client, live_link)
    pay_checkout(client, ended_link.url, card="4242 4242 4242 4242")
    seen_on_the_success_page = Subscription.objects.get()
    assert seen_on_the_success_page.status == Subscription.Status.TRIALING
    ended = stripe_client().v1.subscriptions.cancel(
        seen_on_the_success_page.stripe_id,
        options=account_options(customer.agency.stripe_account_id),
    )

    synced = subscriptions_sync_for_customer(customer)

    assert {s.stripe_id: s.status for s in synced} == {
        ended.id: Subscription.Status.CANCELED,
        live.id: Subscription.Status.TRIALING,
    }
    assert {s.stripe_id: s.status for s in Subscription.objects.all()} == {
        ended.id: Subscription.Status.CANCELED,
        live.id: Subscription.Status.TRIALING,
    }
    assert Subscription.objects.get(stripe_id=live.id).default_payment_method.last4 == "4242"


def test_returning_from_onboarding_reads_the_account_back(db):
    account = stripe_client().v1.accounts.create({"country": "US", "email": "o@example.com"})
    agency = AgencyFactory(stripe_account_id=account.id, charges_enabled=True)

    refreshed = agency_account_refresh(agency)

    assert refreshed.pk == agency.pk
    assert refreshed.charges_enabled is False
    assert refreshed.requirements_due == account.requirements.currently_due


def test_an_account_stripe_does_not_know_becomes_a_billing_error(db):
    agency = AgencyFactory(stripe_account_id="acct_DoesNotExist")

    with pytest.raises(BillingError):
        agency_account_refresh(agency)
