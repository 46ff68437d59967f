"""The owner's Settings decide what the Billing Portal lets clients do and what Stripe does
with a trial that ends without a card; a change reaches the portal configuration at Stripe."""

from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from portal.services import billing_portal_configuration_ensure
from tests.agencies.test_settings import settings_data


def portal_configuration(agency):
    return stripe_client().v1.billing_portal.configurations.retrieve(
        agency.billing_portal_configuration_id, options=account_options(agency.stripe_account_id)
    )


def test_allowing_clients_to_cancel_updates_the_portal_configuration_at_stripe(
    owner_client, customer
):
    agency = customer.agency
    billing_portal_configuration_ensure(agency)
    assert not portal_configuration(agency).features.subscription_cancel.enabled

    response = owner_client.post(
        reverse("agency_settings"),
        settings_data(currency=agency.currency, portal_allow_cancel="on"),
    )

    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.portal_allow_cancel is True
    cancel = portal_configuration(agency).features.subscription_cancel
    assert cancel.enabled
    assert cancel.mode == "at_period_end"


def test_the_trial_end_behaviour_is_saved_and_shown(owner_client, customer):
    agency = customer.agency

    owner_client.post(
        reverse("agency_settings"),
        settings_data(currency=agency.currency, trial_end_behavior="pause"),
    )

    agency.refresh_from_db()
    assert agency.trial_end_behavior == "pause"
    page = owner_client.get(reverse("agency_settings")).content.decode()
    assert '<option value="pause" selected>' in page
    assert "When a trial ends without a card" in page


def test_an_unknown_trial_end_behaviour_is_refused_by_the_field(owner_client, customer):
    agency = customer.agency

    response = owner_client.post(
        reverse("agency_settings"),
        settings_data(currency=agency.currency, trial_end_behavior="delete"),
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    agency.refresh_from_db()
    assert agency.trial_end_behavior == "cancel"
