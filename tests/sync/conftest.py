"""Stripe's webhooks held back, so each test delivers the sandbox's own events in the order
(and second) it wants; the plan and customer fixtures live in tests/conftest.py."""

import pytest

from tests.webhooks.fixtures import stripe_agency, stripe_customer

__all__ = ["stripe_agency", "stripe_customer"]


@pytest.fixture
def webhooks_held(settings):
    """The sandbox stores its events without sending them; tests deliver them one by one."""
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
