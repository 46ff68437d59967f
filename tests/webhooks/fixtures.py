"""Rows a Stripe event can refer to: a connected agency, one of its Stripe customers and a
subscription of theirs."""

from datetime import UTC, datetime

import pytest

from customers.models import Customer, Subscription
from tests.factories import AgencyFactory, CustomerFactory
from tests.webhooks.stripe_events import ACCOUNT_ID, CUSTOMER_ID


@pytest.fixture
def stripe_agency(db):
    """An agency whose connected account is the one our test events name."""
    return AgencyFactory(stripe_account_id=ACCOUNT_ID, charges_enabled=True)


@pytest.fixture
def stripe_customer(stripe_agency):
    return CustomerFactory(agency=stripe_agency, stripe_customer_id=CUSTOMER_ID)


def subscription_mirrored_at(customer: Customer, second: int) -> Subscription:
    """sub_Test0001, trialing, mirrored as of `second`: an event of that second ties with it,
    and the tie is settled by reading the subscription back from Stripe."""
    return Subscription.objects.create(
        agency=customer.agency,
        customer=customer,
        stripe_id="sub_Test0001",
        status="trialing",
        stripe_synced_at=datetime.fromtimestamp(second, tz=UTC),
    )
