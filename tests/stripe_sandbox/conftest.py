"""Fixtures for the sandbox's own tests: everything goes through the real SDK."""

import pytest
import stripe

from agency_billing.stripe_client import stripe_client
from tests.stripe_sandbox.hosted import PAYING_CARD, submit


@pytest.fixture
def client(db) -> stripe.StripeClient:
    return stripe_client()


@pytest.fixture
def account(client) -> str:
    """A connected account that finished onboarding is not needed for most API calls."""
    created = client.v1.accounts.create(
        {
            "controller": {"stripe_dashboard": {"type": "full"}},
            "business_profile": {"name": "Northwind Studio"},
            "email": "owner@northwind.example",
        }
    )
    return created.id


@pytest.fixture
def on_account(account) -> dict:
    return {"stripe_account": account}


@pytest.fixture
def monthly_price(client, on_account) -> stripe.Price:
    product = client.v1.products.create({"name": "Retainer"}, on_account)
    return client.v1.prices.create(
        {
            "product": product.id,
            "currency": "usd",
            "unit_amount": 250000,
            "recurring": {"interval": "month"},
        },
        on_account,
    )


@pytest.fixture
def subscription(client, on_account, monthly_price) -> stripe.Subscription:
    """A monthly subscription the client paid by card on the hosted checkout page."""
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "customer_email": "client@example.com",
            "success_url": "http://testserver/done/",
        },
        on_account,
    )
    submit(session.url, PAYING_CARD)
    subscription_id = client.v1.checkout.sessions.retrieve(
        session.id, options=on_account
    ).subscription
    return client.v1.subscriptions.retrieve(subscription_id, options=on_account)
