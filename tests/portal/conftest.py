"""Portal fixtures: contacts of customers, and logging in the way a client does (the code is
read from the email the product sent)."""

import re

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from customers.models import Contact
from tests.factories import AgencyFactory, ContactFactory, CustomerFactory

CODE = re.compile(r"\b(\d{6})\b")


def last_code_sent_to(email: str) -> str:
    messages = [m for m in mail.outbox if email in m.to and "login code" in m.subject]
    assert messages, f"no login code was emailed to {email}"
    return CODE.search(messages[-1].body).group(1)


def after_commit():
    """Run the block's on-commit callbacks as it ends, as a real commit would: emails are
    sent, and the webhooks the sandbox delivered are processed, only after commit."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def request_code(client: Client, email: str):
    with after_commit():
        return client.post(reverse("portal_login"), {"email": email})


def submit_code(client: Client, email: str, code: str):
    return client.post(reverse("portal_code"), {"email": email, "code": code})


def log_in(client: Client, email: str):
    """Ask for a code, read it from the email, enter it; returns the response to the code."""
    response = request_code(client, email)
    assert response.status_code == 302, response.content.decode()[:300]
    return submit_code(client, email, last_code_sent_to(email))


@pytest.fixture
def contact(db, mailoutbox) -> Contact:
    """A billing contact of a customer of an agency."""
    customer = CustomerFactory(agency=AgencyFactory(name="Brightside Marketing"), name="Client Co")
    return ContactFactory(customer=customer, email="dana@client.example", name="Dana")


@pytest.fixture
def portal_client(contact) -> Client:
    client = Client()
    response = log_in(client, contact.email)
    assert response.status_code == 302 and response["Location"] == reverse("portal_billing")
    return client


@pytest.fixture
def subscribed(owner_client, customer):
    """`customer` (dana@client.example, its billing contact) paid the monthly plan by checkout
    link with a Visa: a trialing subscription, a paid invoice, a card — all in the mirror
    through the sandbox's webhooks."""
    from tests.stripe_flows import pay_checkout

    contact = customer.contacts.get(email=customer.email)
    price = customer.plan.prices.get(interval="month")
    owner_client.post(reverse("checkout_link_new", args=[customer.pk]), {"price": price.pk})
    link = customer.checkout_links.get()
    with after_commit():
        pay_checkout(Client(), link.url, card="4242 4242 4242 4242")
    customer.refresh_from_db()
    assert customer.subscriptions.get().default_payment_method.last4 == "4242"
    return contact
