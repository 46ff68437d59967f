"""Rows a Stripe event can refer to: a connected agency and one of its Stripe customers."""

import pytest

from tests.factories import AgencyFactory, CustomerFactory
from tests.webhooks.stripe_events import ACCOUNT_ID, CUSTOMER_ID


@pytest.fixture
def stripe_agency(db):
    """An agency whose connected account is the one our test events name."""
    return AgencyFactory(stripe_account_id=ACCOUNT_ID, charges_enabled=True)


@pytest.fixture
def stripe_customer(stripe_agency):
    return CustomerFactory(agency=stripe_agency, stripe_customer_id=CUSTOMER_ID)
