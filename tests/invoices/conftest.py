"""Charge for project, paying on Stripe's hosted invoice page, and the mirror that follows.
Webhooks are processed after commit, so these tests run with transactional_db."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from invoices.models import Invoice
from tests.stripe_flows import submit_form


@pytest.fixture
def customer(transactional_db, plan):
    """A customer of the connected agency, not yet a Stripe Customer; its email is its
    billing contact."""
    from tests.factories import customer_with_billing_contact

    return customer_with_billing_contact(agency=plan.agency, plan=plan, email="dana@client.example")


def charge_for_project(
    client: Client, customer, *, description="Website build", amount="1200.00", **extra
):
    """Press Charge for project and Send invoice; returns the response."""
    data = {
        "request_id": str(uuid.uuid4()),
        "description": description,
        "amount": amount,
        "days_until_due": "30",
        **extra,
    }
    return client.post(reverse("project_charge_new", args=[customer.pk]), data)


def sent_invoice(client: Client, customer, **kwargs) -> Invoice:
    response = charge_for_project(client, customer, **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    return customer.invoices.latest("pk")


def pay_on_hosted_page(invoice: Invoice, *, card="4242 4242 4242 4242") -> str:
    """The client pays on Stripe's hosted invoice page; returns the page they end on."""
    response = submit_form(
        Client(),
        invoice.hosted_invoice_url,
        {
            "Card number": card,
            "Expiration (MM / YY)": "12 / 34",
            "CVC": "123",
            "Name on card": "Dana Client",
        },
    )
    return response.content.decode()
