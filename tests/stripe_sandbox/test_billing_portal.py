"""Billing Portal configurations and sessions through the real SDK, and the hosted portal
page: update the card, cancel at period end, invoice history, back to return_url."""

import re

import pytest
import stripe
from django.test import Client

from stripe_sandbox.models import SandboxEvent
from tests.stripe_sandbox.hosted import PAYING_CARD, path_of, submit

FEATURES = {
    "invoice_history": {"enabled": True},
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
}
NEW_CARD = {k: v for k, v in PAYING_CARD.items() if k != "email"} | {
    "card_number": "5555 5555 5555 4444",
    "expiry": "07 / 33",
}


@pytest.fixture
def configuration(client, on_account):
    return client.v1.billing_portal.configurations.create(
        {"features": FEATURES, "business_profile": {"headline": "Northwind billing"}}, on_account
    )


def portal_session(client, on_account, subscription, configuration, **extra):
    return client.v1.billing_portal.sessions.create(
        {
            "customer": subscription.customer,
            "configuration": configuration.id,
            "return_url": "http://testserver/portal/billing/payment-methods/",
            **extra,
        },
        on_account,
    )


def test_a_configuration_keeps_its_features_and_can_change_them(client, on_account, configuration):
    assert configuration.id.startswith("bpc_")
    assert configuration.is_default
    assert configuration.features.payment_method_update.enabled
    assert configuration.features.subscription_cancel.mode == "at_period_end"
    assert not configuration.features.subscription_update.enabled

    updated = client.v1.billing_portal.configurations.update(
        configuration.id, {"features": {"subscription_cancel": {"enabled": False}}}, on_account
    )

    assert not updated.features.subscription_cancel.enabled
    assert updated.features.subscription_cancel.mode == "at_period_end"
    assert SandboxEvent.objects.filter(type="billing_portal.configuration.updated").exists()
    again = client.v1.billing_portal.configurations.retrieve(configuration.id, options=on_account)
    assert not again.features.subscription_cancel.enabled


def test_a_configuration_needs_features_and_a_connected_account(client, on_account):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.billing_portal.configurations.create({}, on_account)
    assert missing.value.param == "features"

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.billing_portal.configurations.create(
            {"features": {"invoice_history": {"enabled": True, "colour": "red"}}}, on_account
        )
    assert unknown.value.param == "features[invoice_history][colour]"


def test_a_session_for_an_unknown_customer_is_refused(client, on_account, configuration):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.billing_portal.sessions.create(
            {"customer": "cus_nope", "configuration": configuration.id, "return_url": "http://x/"},
            on_account,
        )
    assert error.value.param == "customer"


def test_the_portal_shows_the_card_subscription_and_invoice_history(
    client, on_account, subscription, configuration
):
    session = portal_session(client, on_account, subscription, configuration)

    assert session.url.startswith("http://testserver/sandbox/billing_portal/bps_")
    assert session.flow is None
    page = Client().get(path_of(session.url)).content.decode()
    assert "Visa •••• 4242" in page
    assert "Cancel subscription" in page
    invoice = client.v1.invoices.list({"customer": subscription.customer}, on_account).data[0]
    assert invoice.number in page
    assert 'href="http://testserver/portal/billing/payment-methods/"' in page


def test_a_new_card_becomes_the_default_of_the_customer_and_its_subscriptions(
    client, on_account, subscription, configuration
):
    session = portal_session(
        client,
        on_account,
        subscription,
        configuration,
        flow_data={
            "type": "payment_method_update",
            "after_completion": {
                "type": "redirect",
                "redirect": {"return_url": "http://testserver/portal/billing/"},
            },
        },
    )
    assert session.flow.type == "payment_method_update"
    assert Client().get(path_of(session.url)).status_code == 302  # straight to the card form
    before = SandboxEvent.objects.count()

    done = submit(f"{session.url}card/", NEW_CARD)

    assert done.status_code == 302
    assert done["Location"] == "http://testserver/portal/billing/"
    events = list(SandboxEvent.objects.order_by("sequence")[before:])
    assert [e.type for e in events] == [
        "payment_method.attached",
        "customer.updated",
        "customer.subscription.updated",
    ]
    card = events[0].data["data"]["object"]
    assert card["card"]["last4"] == "4444" and card["card"]["exp_year"] == 2033
    assert "invoice_settings" in events[1].data["data"]["previous_attributes"]
    customer = client.v1.customers.retrieve(subscription.customer, options=on_account)
    assert customer.invoice_settings.default_payment_method == card["id"]
    again = client.v1.subscriptions.retrieve(subscription.id, options=on_account)
    assert again.default_payment_method == card["id"]


def test_cancel_at_period_end_from_the_portal(client, on_account, subscription, configuration):
    session = portal_session(client, on_account, subscription, configuration)

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path_of(session.url)).content.decode()
    action = re.search(r'<form method="post" action="([^"]+/cancel/)">', page).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    done = browser.post(action, {"csrfmiddlewaretoken": token})

    assert done.status_code == 302
    again = client.v1.subscriptions.retrieve(subscription.id, options=on_account)
    assert again.cancel_at_period_end
    assert again.status == "active"
    event = SandboxEvent.objects.filter(type="customer.subscription.updated").last()
    assert event.data["data"]["previous_attributes"]["cancel_at_period_end"] is False


def test_cancelling_is_not_offered_when_the_configuration_turns_it_off(
    client, on_account, subscription
):
    configuration = client.v1.billing_portal.configurations.create(
        {"features": {"payment_method_update": {"enabled": True}}}, on_account
    )
    session = portal_session(client, on_account, subscription, configuration)

    page = Client().get(path_of(session.url)).content.decode()

    assert "Cancel subscription" not in page
    cancel = Client().post(f"{path_of(session.url)}subscriptions/{subscription.id}/cancel/")
    assert cancel.status_code in {403, 404}
    assert not client.v1.subscriptions.retrieve(
        subscription.id, options=on_account
    ).cancel_at_period_end
