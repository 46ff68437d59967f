"""Reading objects back from Stripe: onboarding return, Checkout success page, Sync Subscription."""

import pytest

from agencies.sync import agency_account_refresh
from agency_billing.errors import BillingError
from agency_billing.stripe_client import stripe_client
from checkout.models import CheckoutLink
from checkout.sync import checkout_link_refresh
from customers.models import PaymentMethod, Subscription
from customers.sync import subscriptions_sync_for_customer
from tests.factories import AgencyFactory
from tests.webhooks.stripe_events import (
    CUSTOMER_ID,
    deliver,
    sample,
    stripe_event,
    subscription_object,
)

T0 = 1_790_000_000


class FakeStripeObject:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.id = data["id"]

    def to_dict(self) -> dict:
        return self.data


class FakeListing:
    def __init__(self, objects: list[dict]) -> None:
        self.objects = objects

    def auto_paging_iter(self):
        return (FakeStripeObject(data) for data in self.objects)


class FakeService:
    """One Stripe resource's service: answers retrieve and list from `objects`, and records
    how it was called."""

    def __init__(self, *objects: dict) -> None:
        self.objects = list(objects)
        self.calls: list[tuple] = []

    def retrieve(self, object_id, params=None, options=None):
        self.calls.append(("retrieve", object_id, params, options))
        return FakeStripeObject(next(o for o in self.objects if o["id"] == object_id))

    def list(self, params=None, options=None):
        self.calls.append(("list", params, options))
        return FakeListing(self.objects)


def fake_client(**services: FakeService):
    checkout = type("Checkout", (), {"sessions": services.pop("sessions", None)})()
    return type("FakeClient", (), {"v1": type("V1", (), {"checkout": checkout, **services})()})()


def expanded_subscription() -> dict:
    card = sample("payment_method", id="pm_Paid0001", customer=CUSTOMER_ID)
    return subscription_object(default_payment_method=card)


@pytest.fixture
def open_link(stripe_customer):
    return CheckoutLink.objects.create(
        agency=stripe_customer.agency,
        customer=stripe_customer,
        mode=CheckoutLink.Mode.SUBSCRIPTION,
        status=CheckoutLink.Status.OPEN,
        stripe_session_id="cs_test_Paid0001",
    )


def completed_session(subscription) -> dict:
    return sample(
        "checkout.session",
        id="cs_test_Paid0001",
        mode="subscription",
        status="complete",
        payment_status="paid",
        customer=CUSTOMER_ID,
        subscription=subscription,
    )


def test_the_success_page_read_back_mirrors_link_subscription_and_card_at_once(
    open_link, monkeypatch
):
    sessions = FakeService(completed_session(expanded_subscription()))
    monkeypatch.setattr("checkout.sync.stripe_client", lambda: fake_client(sessions=sessions))

    link = checkout_link_refresh(open_link)

    assert sessions.calls == [
        (
            "retrieve",
            "cs_test_Paid0001",
            {"expand": ["subscription", "subscription.default_payment_method"]},
            {"stripe_account": open_link.agency.stripe_account_id},
        )
    ]
    assert link.status == CheckoutLink.Status.COMPLETE
    assert link.stripe_subscription_id == "sub_Test0001"
    subscription = Subscription.objects.get()
    assert subscription.customer == open_link.customer
    assert subscription.default_payment_method.last4 == "4242"


def test_the_webhook_after_the_success_page_changes_nothing(client, open_link, monkeypatch):
    sessions = FakeService(completed_session(expanded_subscription()))
    monkeypatch.setattr("checkout.sync.stripe_client", lambda: fake_client(sessions=sessions))
    checkout_link_refresh(open_link)
    before = (CheckoutLink.objects.get(), Subscription.objects.get(), PaymentMethod.objects.get())
    synced = [row.stripe_synced_at for row in before]

    # Stripe emitted these when the payer paid, a moment before they landed on our page.
    created = int(synced[0].timestamp()) - 1
    deliver(
        client,
        stripe_event(
            "checkout.session.completed", completed_session("sub_Test0001"), created=created
        ),
    )
    deliver(
        client,
        stripe_event(
            "customer.subscription.created",
            subscription_object(status="incomplete"),
            created=created,
        ),
    )

    after = (CheckoutLink.objects.get(), Subscription.objects.get(), PaymentMethod.objects.get())
    assert [row.stripe_synced_at for row in after] == synced
    assert after[1].status == Subscription.Status.ACTIVE
    assert after[0].completed_at == before[0].completed_at


def test_sync_subscription_lists_every_status_100_a_page_and_repairs_the_mirror(
    stripe_customer, monkeypatch
):
    subscriptions = FakeService(
        expanded_subscription(), subscription_object(sub_id="sub_Old", status="canceled")
    )
    monkeypatch.setattr(
        "customers.sync.stripe_client", lambda: fake_client(subscriptions=subscriptions)
    )

    synced = subscriptions_sync_for_customer(stripe_customer)

    assert subscriptions.calls == [
        (
            "list",
            {
                "customer": CUSTOMER_ID,
                "status": "all",
                "limit": 100,
                "expand": ["data.default_payment_method"],
            },
            {"stripe_account": stripe_customer.agency.stripe_account_id},
        )
    ]
    assert {s.stripe_id: s.status for s in synced} == {
        "sub_Test0001": "active",
        "sub_Old": "canceled",
    }
    assert Subscription.objects.count() == 2


def test_returning_from_onboarding_reads_the_account_back(db):
    account = stripe_client().v1.accounts.create({"country": "US", "email": "o@example.com"})
    agency = AgencyFactory(stripe_account_id=account.id, charges_enabled=True)

    refreshed = agency_account_refresh(agency)

    assert refreshed.pk == agency.pk
    assert refreshed.charges_enabled is False
    assert refreshed.requirements_due == account.requirements.currently_due


def test_an_account_stripe_does_not_know_becomes_a_billing_error(db):
    agency = AgencyFactory(stripe_account_id="acct_DoesNotExist")

    with pytest.raises(BillingError):
        agency_account_refresh(agency)
