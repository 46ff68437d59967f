"""Stripe Tax, the agency's setting: every Checkout Session enables automatic tax and asks for
the address it needs; the sandbox prices it from its documented rate table
(stripe_sandbox/tax.py), so the tax shows on the hosted page, the invoice and Manage Customer."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from checkout.services import checkout_link_generate
from plans.services import plan_create
from tests.factories import CustomerFactory
from tests.stripe_flows import submit_form

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def taxed_customer(connected_agency):
    connected_agency.stripe_tax_enabled = True
    connected_agency.save()
    plan = plan_create(agency=connected_agency, name="Retainer", monthly_amount=250000)
    return CustomerFactory(agency=connected_agency, plan=plan, email="dana@client.example")


def session_of(link):
    return stripe_client().v1.checkout.sessions.retrieve(
        link.stripe_session_id, options=account_options(link.agency.stripe_account_id)
    )


def test_with_stripe_tax_on_the_client_gives_an_address_and_pays_its_tax(
    client, owner_client, taxed_customer
):
    link = checkout_link_generate(
        customer=taxed_customer, price=taxed_customer.plan.prices.get(interval="month")
    )
    session = session_of(link)
    assert session.automatic_tax.enabled is True

    page = client.get(urlsplit(link.url).path).content.decode()
    assert ">Country</label>" in page and "Tax is calculated from your billing address" in page

    response = submit_form(
        client,
        link.url,
        {
            "Card number": "4242 4242 4242 4242",
            "Expiration (MM / YY)": "12 / 34",
            "CVC": "123",
            "Name on card": "Dana Client",
            "Country": "US",
            "State / region": "CA",
            "Postal code": "94103",
        },
    )
    target = urlsplit(response["Location"])
    client.get(f"{target.path}?{target.query}", follow=True)

    assert session_of(link).total_details.amount_tax == 18125  # 7.25 % of 2,500.00 USD
    invoice = taxed_customer.invoices.get()
    assert (invoice.subtotal, invoice.tax, invoice.total) == (250000, 18125, 268125)
    manage = owner_client.get(reverse("customer_manage", args=[taxed_customer.pk]))
    latest = manage.content.decode().split('data-field="latest-invoice">', 1)[1]
    assert "2,681.25 USD (incl. 181.25 USD tax)" in latest.split("</dd>", 1)[0]


def test_without_stripe_tax_the_session_asks_no_address(client, customer):
    customer.agency.stripe_tax_enabled = False
    customer.agency.save()
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )

    assert session_of(link).automatic_tax.enabled is False
    assert ">Country</label>" not in client.get(urlsplit(link.url).path).content.decode()
