from django.urls import reverse

from agency_billing.stripe_client import stripe_client
from tests.stripe_flows import complete_onboarding, start_onboarding


def test_billing_pages_say_connect_stripe_before_onboarding(owner_client, agency):
    for name in ["plan_list", "plan_new"]:
        page = owner_client.get(reverse(name)).content.decode()
        assert "Connect Stripe to start billing" in page, name


def test_a_plan_cannot_be_made_before_stripe_is_connected(owner_client, agency):
    response = owner_client.post(
        reverse("plan_new"), {"name": "Retainer", "monthly_amount": "2500.00"}
    )

    assert response.status_code == 200
    assert agency.plans.count() == 0
    agency.refresh_from_db()
    assert agency.stripe_account_id is None  # no Stripe call was made for it


def test_the_owner_connects_stripe_through_the_hosted_onboarding(owner_client, agency):
    onboarding_url = start_onboarding(owner_client)

    agency.refresh_from_db()
    assert agency.stripe_account_id.startswith("acct_")
    assert not agency.charges_enabled

    page = complete_onboarding(owner_client, onboarding_url)

    agency.refresh_from_db()
    assert agency.charges_enabled
    assert agency.details_submitted
    assert "Charges enabled" in page
    account = stripe_client().v1.accounts.retrieve(agency.stripe_account_id)
    assert account.charges_enabled is True
    assert account.business_profile.name == agency.name


def test_leaving_onboarding_early_keeps_billing_locked(owner_client, agency):
    start_onboarding(owner_client)

    response = owner_client.get(reverse("stripe_connect_return"), follow=True)

    agency.refresh_from_db()
    assert not agency.charges_enabled
    assert "Stripe still needs some details" in response.content.decode()


def test_starting_onboarding_twice_reuses_the_same_account(owner_client, agency):
    start_onboarding(owner_client)
    agency.refresh_from_db()
    first = agency.stripe_account_id

    start_onboarding(owner_client)

    agency.refresh_from_db()
    assert agency.stripe_account_id == first


def test_an_admin_cannot_start_onboarding(admin_client_, agency):
    response = admin_client_.post(reverse("stripe_connect_start"))

    assert response.status_code == 403
    agency.refresh_from_db()
    assert agency.stripe_account_id is None


def test_an_admin_sees_the_connection_status(admin_client_, agency):
    page = admin_client_.get(reverse("stripe_connect")).content.decode()

    assert "Only the agency owner can connect Stripe" in page
