"""Any delivery order ends in Stripe's newest state: older events change nothing, and two
changes in the same second are settled by reading the object back from Stripe.

Every event is one the sandbox emitted; Stripe's webhooks are held back and each test
delivers them in the order it wants."""

from datetime import UTC, datetime

import pytest

from agency_billing.stripe_client import account_options, stripe_client
from customers.models import Subscription
from tests.factories import AgencyFactory
from tests.stripe_flows import submit_form
from tests.sync.stripe_timeline import (
    deliver_from_stripe,
    monthly_link,
    pay_and_close_the_tab,
    stripe_clock_moves_on,
    stripe_events,
)
from webhooks.mirror import Freshness, freshness

held_back = pytest.mark.usefixtures("transactional_db", "webhooks_held")

T0 = 1_790_000_000


def at(unix: int, microsecond: int = 0) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC).replace(microsecond=microsecond)


@pytest.fixture
def subscription(client, customer, webhooks_held):
    """A subscription the customer has just paid for; no webhook about it has arrived."""
    return pay_and_close_the_tab(client, monthly_link(customer))


def update_subscription(customer, subscription, params: dict) -> None:
    stripe_client().v1.subscriptions.update(
        subscription.id, params, account_options(customer.agency.stripe_account_id)
    )


@held_back
def test_an_update_delivered_before_created_creates_the_row_from_its_payload(
    customer, subscription
):
    stripe_clock_moves_on(60)
    update_subscription(customer, subscription, {"cancel_at_period_end": True})
    [created] = stripe_events(customer.agency, "customer.subscription.created")
    [updated] = stripe_events(customer.agency, "customer.subscription.updated")

    deliver_from_stripe(updated.id)
    deliver_from_stripe(created.id)

    mirror = Subscription.objects.get()
    assert mirror.stripe_id == subscription.id
    assert mirror.status == Subscription.Status.TRIALING
    assert mirror.cancel_at_period_end is True
    assert mirror.stripe_synced_at == at(updated.created)
    assert updated.created > created.created


@held_back
def test_an_older_update_delivered_after_a_newer_one_changes_nothing(customer, plan, subscription):
    yearly = plan.prices.get(interval="year")
    stripe_clock_moves_on(60)
    update_subscription(customer, subscription, {"pause_collection": {"behavior": "void"}})
    stripe_clock_moves_on(60)
    item = subscription["items"].data[0]
    update_subscription(
        customer,
        subscription,
        {"pause_collection": "", "items": [{"id": item.id, "price": yearly.stripe_price_id}]},
    )
    older, newer = stripe_events(customer.agency, "customer.subscription.updated")
    deliver_from_stripe(newer.id)

    deliver_from_stripe(older.id)

    mirror = Subscription.objects.get()
    assert (mirror.stripe_price_id, mirror.unit_amount, mirror.interval) == (
        yearly.stripe_price_id,
        2_500_000,
        "year",
    )
    assert mirror.collection_paused is False
    assert mirror.current_period_end == at(item.current_period_end)
    assert mirror.stripe_synced_at == at(newer.created)


@held_back
def test_two_updates_in_the_same_second_are_settled_by_reading_stripe(customer, subscription):
    update_subscription(customer, subscription, {"pause_collection": {"behavior": "void"}})
    update_subscription(customer, subscription, {"cancel_at_period_end": True})
    first, second = stripe_events(customer.agency, "customer.subscription.updated")
    # Neither update says canceled: only reading the subscription back from Stripe can.
    canceled = stripe_client().v1.subscriptions.cancel(
        subscription.id, options=account_options(customer.agency.stripe_account_id)
    )
    deliver_from_stripe(first.id)

    deliver_from_stripe(second.id, created=first.created)

    mirror = Subscription.objects.get()
    assert mirror.status == Subscription.Status.CANCELED
    assert mirror.canceled_at == at(canceled.canceled_at)
    assert mirror.stripe_synced_at > at(first.created)


@held_back
def test_an_account_update_in_the_same_second_reads_the_sandbox_account(client):
    account = stripe_client().v1.accounts.create({"country": "US", "email": "o@example.com"})
    agency = AgencyFactory(stripe_account_id=account.id)
    stripe_client().v1.accounts.update(account.id, {"metadata": {"crm": "42"}})
    onboarding = stripe_client().v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "http://testserver/agency/stripe/refresh/",
            "return_url": "http://testserver/agency/stripe/return/",
        }
    )
    response = submit_form(client, onboarding.url, {"Business name": "Northwind Automation"})
    assert response.status_code == 302
    before_onboarding, onboarded = stripe_events(agency, "account.updated")
    deliver_from_stripe(onboarded.id)

    deliver_from_stripe(before_onboarding.id, created=onboarded.created)

    agency.refresh_from_db()
    now = stripe_client().v1.accounts.retrieve(account.id)
    assert before_onboarding.data.object.charges_enabled is False
    assert agency.charges_enabled is now.charges_enabled is True
    assert agency.requirements_due == now.requirements.currently_due
    assert agency.stripe_synced_at > at(onboarded.created)


@pytest.mark.parametrize(
    ("synced_at", "as_of", "expected"),
    [
        (None, at(T0), Freshness.NEWER),
        (at(T0), at(T0 + 1), Freshness.NEWER),
        (at(T0), at(T0 - 1), Freshness.OLDER),
        (at(T0), at(T0), Freshness.TIE),
        # an event in the second of a read-back may be newer than the read: read again
        (at(T0, 400_000), at(T0), Freshness.TIE),
        # a read-back wins in its own second unless an even later read is stored
        (at(T0), at(T0, 400_000), Freshness.NEWER),
        (at(T0, 500_000), at(T0, 400_000), Freshness.OLDER),
    ],
)
def test_freshness_compares_events_by_the_second(synced_at, as_of, expected):
    assert freshness(synced_at, as_of) is expected
