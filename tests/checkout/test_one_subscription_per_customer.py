"""A customer with a monthly and a yearly link open pays one: the other stops working at
Stripe, and nothing of ours offers a second subscription."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from agency_billing.errors import BillingError
from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate, pay_link_ensure
from customers.models import Subscription
from tests.stripe_flows import pay_checkout
from tests.sync.stripe_timeline import deliver_from_stripe, pay_and_close_the_tab, stripe_events


def both_links(customer):
    monthly = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    yearly = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="year")
    )
    return monthly, yearly


def stripe_status(link) -> str:
    return (
        stripe_client()
        .v1.checkout.sessions.retrieve(
            link.stripe_session_id, options=account_options(link.agency.stripe_account_id)
        )
        .status
    )


def test_paying_one_link_expires_the_other_at_stripe_from_the_return_page(client, customer):
    monthly, yearly = both_links(customer)

    pay_checkout(client, monthly.url, card="4242 4242 4242 4242")

    yearly.refresh_from_db()
    assert stripe_status(yearly) == "expired"
    assert yearly.status == CheckoutLink.Status.EXPIRED
    second = Client().get(urlsplit(yearly.url).path)
    assert second.status_code == 410
    assert Subscription.objects.filter(customer=customer).count() == 1


@pytest.mark.usefixtures("transactional_db")  # the webhook's task runs on commit
def test_the_webhook_alone_expires_the_other_link(settings, client, customer):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
    monthly, yearly = both_links(customer)
    pay_and_close_the_tab(client, monthly)
    assert stripe_status(yearly) == "open"

    for event in stripe_events(customer.agency, "checkout.session.completed"):
        deliver_from_stripe(event.id)

    yearly.refresh_from_db()
    assert stripe_status(yearly) == "expired"
    assert yearly.status == CheckoutLink.Status.EXPIRED


def test_a_subscribed_customer_gets_no_new_link_before_stripe_takes_money(
    client, owner_client, customer
):
    monthly, _ = both_links(customer)
    pay_checkout(client, monthly.url, card="4242 4242 4242 4242")

    with pytest.raises(BillingError, match="already has a live subscription"):
        checkout_link_generate(customer=customer, price=customer.plan.prices.get(interval="year"))
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert "Generate Session" not in page
    assert "Create pay link" not in page


def test_an_evergreen_link_of_a_subscribed_customer_says_it_is_paid(client, customer):
    pay_link = pay_link_ensure(customer=customer, price=customer.plan.prices.get(interval="year"))
    monthly, _ = both_links(customer)
    pay_checkout(client, monthly.url, card="4242 4242 4242 4242")
    subscription = Subscription.objects.get(customer=customer)
    sessions_before = CheckoutLink.objects.count()

    page = Client().get(reverse("pay_link", args=[pay_link.token]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "this is paid" in text
    assert "Automation retainer" in text
    assert f"on {subscription.trial_end:%B %-d, %Y}, when the trial ends" in text
    assert CheckoutLink.objects.count() == sessions_before
