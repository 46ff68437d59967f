"""Any delivery order ends in Stripe's newest state: older events change nothing, and two
changes in the same second are settled by reading the object back from Stripe."""

from datetime import UTC, datetime

import pytest

from agency_billing.stripe_client import stripe_client
from customers.models import Subscription
from tests.factories import AgencyFactory
from tests.webhooks.stripe_events import deliver, sample, stripe_event, subscription_object
from webhooks.mirror import Freshness, freshness

T0 = 1_790_000_000


def at(unix: int, microsecond: int = 0) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC).replace(microsecond=microsecond)


def test_an_update_delivered_before_created_creates_the_row_from_its_payload(
    client, stripe_customer
):
    updated = subscription_object(status="past_due")
    deliver(client, stripe_event("customer.subscription.updated", updated, created=T0 + 60))

    deliver(
        client,
        stripe_event(
            "customer.subscription.created", subscription_object(status="incomplete"), created=T0
        ),
    )

    mirror = Subscription.objects.get()
    assert mirror.status == Subscription.Status.PAST_DUE
    assert mirror.stripe_synced_at == at(T0 + 60)


def test_an_older_update_delivered_after_a_newer_one_changes_nothing(client, stripe_customer):
    newer = subscription_object(
        status="active", price_id="price_Yearly", unit_amount=2_400_000, period_end=T0 + 31_536_000
    )
    newer["items"]["data"][0]["price"]["recurring"]["interval"] = "year"
    older = subscription_object(status="trialing", price_id="price_Monthly2500")
    deliver(client, stripe_event("customer.subscription.updated", newer, created=T0 + 120))

    deliver(client, stripe_event("customer.subscription.updated", older, created=T0 + 60))

    mirror = Subscription.objects.get()
    assert mirror.status == Subscription.Status.ACTIVE
    assert (mirror.stripe_price_id, mirror.unit_amount, mirror.interval) == (
        "price_Yearly",
        2_400_000,
        "year",
    )
    assert mirror.current_period_end == at(T0 + 31_536_000)


class FakeSubscriptions:
    """Stands in for Stripe's subscriptions API: answers reads with `current`."""

    def __init__(self, current: dict) -> None:
        self.current = current
        self.calls: list[tuple] = []

    def retrieve(self, subscription_id, params=None, options=None):
        self.calls.append((subscription_id, params, options))
        return FakeStripeObject(self.current)


class FakeStripeObject:
    def __init__(self, data: dict) -> None:
        self.data = data

    def to_dict(self) -> dict:
        return self.data


@pytest.fixture
def stripe_subscriptions(monkeypatch):
    fake = FakeSubscriptions(subscription_object(status="canceled", canceled_at=T0 + 1))
    client = type("FakeClient", (), {"v1": type("V1", (), {"subscriptions": fake})()})()
    monkeypatch.setattr("customers.sync.stripe_client", lambda: client)
    return fake


def test_two_updates_in_the_same_second_are_settled_by_reading_stripe(
    client, stripe_customer, stripe_subscriptions
):
    deliver(
        client, stripe_event("customer.subscription.updated", subscription_object(), created=T0)
    )

    paused = subscription_object(status="paused")
    deliver(client, stripe_event("customer.subscription.updated", paused, created=T0))

    assert stripe_subscriptions.calls == [
        (
            "sub_Test0001",
            {"expand": ["default_payment_method"]},
            {"stripe_account": stripe_customer.agency.stripe_account_id},
        )
    ]
    mirror = Subscription.objects.get()
    assert mirror.status == Subscription.Status.CANCELED
    assert mirror.stripe_synced_at > at(T0 + 1)


def test_an_account_update_in_the_same_second_reads_the_sandbox_account(client, db):
    account = stripe_client().v1.accounts.create({"country": "US", "email": "o@example.com"})
    agency = AgencyFactory(stripe_account_id=account.id)
    claims_enabled = sample(
        "account", id=account.id, charges_enabled=True, payouts_enabled=True, details_submitted=True
    )
    deliver(client, stripe_event("account.updated", sample("account", id=account.id), created=T0))

    deliver(client, stripe_event("account.updated", claims_enabled, created=T0))

    agency.refresh_from_db()
    assert agency.charges_enabled is account.charges_enabled is False
    assert agency.requirements_due == account.requirements.currently_due
    assert agency.stripe_synced_at > at(T0)


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
