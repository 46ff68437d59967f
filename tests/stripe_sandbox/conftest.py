"""Fixtures for the sandbox's own tests: everything goes through the real SDK."""

import pytest
import stripe

from agency_billing.stripe_client import stripe_client


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
