"""A connected agency's customer on a plan, and Stripe's webhooks held back so each test
delivers the sandbox's own events in the order (and second) it wants."""

import pytest

from plans.services import plan_create
from tests.factories import CustomerFactory
from tests.webhooks.fixtures import stripe_agency, stripe_customer

__all__ = ["stripe_agency", "stripe_customer"]


@pytest.fixture
def plan(connected_agency):
    return plan_create(
        agency=connected_agency,
        name="Automation retainer",
        monthly_amount=250000,
        yearly_amount=2500000,
        trial_days=14,
    )


@pytest.fixture
def customer(plan):
    return CustomerFactory(agency=plan.agency, plan=plan, email="dana@client.example")


@pytest.fixture
def webhooks_held(settings):
    """The sandbox stores its events without sending them; tests deliver them one by one."""
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
