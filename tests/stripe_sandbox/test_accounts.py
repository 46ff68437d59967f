import pytest
import stripe
from django.test import Client

from stripe_sandbox.models import SandboxEvent
from stripe_sandbox.transport import SandboxHTTPClient
from tests.stripe_sandbox.hosted import path_of, submit


def onboarding_link(client, account):
    return client.v1.account_links.create(
        {
            "account": account,
            "type": "account_onboarding",
            "refresh_url": "http://testserver/connect/refresh/",
            "return_url": "http://testserver/connect/return/",
        }
    )


def test_a_new_account_cannot_charge_until_onboarded(client, account):
    fetched = client.v1.accounts.retrieve(account)

    assert fetched.id.startswith("acct_")
    assert fetched.charges_enabled is False
    assert fetched.details_submitted is False
    assert fetched.payouts_enabled is False
    assert fetched.requirements.currently_due
    assert fetched.controller.stripe_dashboard.type == "full"
    assert fetched.business_profile.name == "Northwind Studio"


def test_it_makes_a_single_use_onboarding_link(client, account):
    link = onboarding_link(client, account)

    assert link.object == "account_link"
    assert link.url.startswith("http://testserver/sandbox/connect/onboarding/")
    assert link.expires_at == link.created + 300


def test_the_onboarding_page_shows_the_business_name(client, account):
    link = onboarding_link(client, account)

    page = Client().get(path_of(link.url))

    assert page.status_code == 200
    assert b"Business name" in page.content
    assert b'value="Northwind Studio"' in page.content
    assert b"Agree and submit" in page.content
    assert b"Sandbox \xe2\x80\x94 no real money moves" in page.content


def test_submitting_onboarding_enables_the_account_and_returns(client, account):
    link = onboarding_link(client, account)

    response = submit(link.url, {"business_name": "Northwind Design"})

    assert response.status_code == 302
    assert response["Location"] == "http://testserver/connect/return/"
    fetched = client.v1.accounts.retrieve(account)
    assert fetched.charges_enabled is True
    assert fetched.details_submitted is True
    assert fetched.payouts_enabled is True
    assert fetched.requirements.currently_due == []
    assert fetched.business_profile.name == "Northwind Design"
    event = SandboxEvent.objects.get(type="account.updated")
    assert event.data["account"] == account
    assert event.data["data"]["previous_attributes"]["charges_enabled"] is False


def test_a_used_onboarding_link_sends_the_person_to_refresh(client, account):
    link = onboarding_link(client, account)
    submit(link.url, {"business_name": "Northwind"})

    again = Client().get(path_of(link.url))

    assert again.status_code == 302
    assert again["Location"] == "http://testserver/connect/refresh/"


def test_the_onboarding_form_refuses_a_post_without_csrf(client, account):
    link = onboarding_link(client, account)

    response = Client(enforce_csrf_checks=True).post(path_of(link.url), {"business_name": "Sneaky"})

    assert response.status_code == 403
    assert client.v1.accounts.retrieve(account).charges_enabled is False


def test_an_unknown_stripe_account_header_is_refused(client):
    with pytest.raises(stripe.PermissionError):
        client.v1.products.create({"name": "X"}, {"stripe_account": "acct_doesnotexist"})


def test_a_bad_api_key_is_refused(db):
    bad = stripe.StripeClient("not-a-key", http_client=SandboxHTTPClient())
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.products.list()
