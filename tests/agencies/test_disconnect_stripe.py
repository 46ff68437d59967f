"""Disconnect Stripe (owner only): new billing stops, nothing in Stripe is canceled, and the
same account can be reconnected."""

import pytest
from django.urls import reverse

from agency_billing.errors import StripeDisconnectedError
from agency_billing.stripe_client import account_options, stripe_client
from checkout.services import checkout_link_generate
from customers.models import Subscription
from tests.stripe_flows import pay_checkout


def test_the_confirmation_page_says_nothing_is_canceled_in_stripe(owner_client, connected_agency):
    page = owner_client.get(reverse("stripe_disconnect")).content.decode()

    assert "Nothing is canceled in Stripe." in page
    assert "New billing stops" in page
    connected_agency.refresh_from_db()
    assert connected_agency.stripe_disconnected_at is None


def test_disconnecting_blocks_new_billing_and_leaves_subscriptions_charging(
    client, owner_client, customer
):
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    pay_checkout(client, link.url, card="4242 4242 4242 4242")
    subscription = Subscription.objects.get(customer=customer)

    response = owner_client.post(reverse("stripe_disconnect"), follow=True)

    page = response.content.decode()
    assert "Stripe is disconnected" in page
    assert "Reconnect Stripe" in page
    at_stripe = stripe_client().v1.subscriptions.retrieve(
        subscription.stripe_id, options=account_options(customer.agency.stripe_account_id)
    )
    assert at_stripe.status == "trialing"
    Subscription.objects.filter(pk=subscription.pk).delete()
    with pytest.raises(StripeDisconnectedError):
        checkout_link_generate(customer=customer, price=customer.plan.prices.get(interval="year"))


def test_reconnecting_finds_the_same_account_and_billing_resumes(owner_client, customer):
    account = customer.agency.stripe_account_id
    owner_client.post(reverse("stripe_disconnect"))

    response = owner_client.post(reverse("stripe_connect_start"), follow=True)

    assert "Stripe is reconnected. You can bill again." in response.content.decode()
    customer.agency.refresh_from_db()
    assert customer.agency.stripe_account_id == account
    assert customer.agency.can_bill
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    assert link.status == "open"


def test_only_the_owner_may_disconnect(admin_client_, outsider_client, connected_agency):
    assert admin_client_.get(reverse("stripe_disconnect")).status_code == 403
    assert admin_client_.post(reverse("stripe_disconnect")).status_code == 403
    outsider_client.post(reverse("stripe_disconnect"))
    connected_agency.refresh_from_db()
    assert connected_agency.stripe_disconnected_at is None
    page = admin_client_.get(reverse("stripe_connect")).content.decode()
    assert "Disconnect Stripe" not in page
