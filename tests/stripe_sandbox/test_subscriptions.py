import json
from pathlib import Path

import pytest
import stripe

from stripe_sandbox.models import SandboxEvent

FIXTURES = Path("/work/shared/stripe-reference/fixtures3.json")


@pytest.fixture
def yearly_price(client, on_account, monthly_price):
    return client.v1.prices.create(
        {
            "product": monthly_price.product,
            "currency": "usd",
            "unit_amount": 2500000,
            "recurring": {"interval": "year"},
        },
        on_account,
    )


def test_a_subscription_has_the_fields_of_this_api_version(subscription):
    assert subscription.object == "subscription"
    assert subscription.id.startswith("sub_")
    assert "current_period_end" not in subscription
    item = subscription["items"].data[0]
    assert item.id.startswith("si_")
    assert item.object == "subscription_item"
    assert item.current_period_start <= item.current_period_end
    assert item.price.object == "price"
    assert subscription["items"].object == "list"
    for key in (
        "trial_start",
        "trial_end",
        "cancel_at",
        "canceled_at",
        "ended_at",
        "cancel_at_period_end",
        "pause_collection",
        "latest_invoice",
    ):
        assert key in subscription


def test_the_objects_carry_every_field_of_stripes_samples(client, on_account, subscription):
    samples = json.loads(FIXTURES.read_text())["resources"]
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice, options=on_account)
    payment_method = client.v1.payment_methods.retrieve(
        subscription.default_payment_method, options=on_account
    )
    customer = client.v1.customers.retrieve(subscription.customer, options=on_account)
    ignored = {
        "discount",
        "subscription",
        "package_dimensions",
        "billing_schedules",
        "managed_payments",
        "custom_unit_amount",
    }
    for sample, ours in [
        ("subscription", subscription),
        ("invoice", invoice),
        ("payment_method", payment_method),
        ("customer", customer),
    ]:
        missing = set(samples[sample]) - set(ours.to_dict()) - ignored
        assert not missing, f"{sample} lacks {sorted(missing)}"


def test_switching_the_price_keeps_the_item_and_says_what_changed(
    client, on_account, subscription, yearly_price
):
    item = subscription["items"].data[0]

    updated = client.v1.subscriptions.update(
        subscription.id,
        {"items": [{"id": item.id, "price": yearly_price.id}], "proration_behavior": "none"},
        on_account,
    )

    assert updated["items"].data[0].id == item.id
    assert updated["items"].data[0].price.id == yearly_price.id
    event = SandboxEvent.objects.filter(type="customer.subscription.updated").last()
    previous = event.data["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["price"]["id"] == item.price.id


def test_pausing_and_resuming_collection(client, on_account, subscription):
    paused = client.v1.subscriptions.update(
        subscription.id, {"pause_collection": {"behavior": "mark_uncollectible"}}, on_account
    )
    assert paused.pause_collection.behavior == "mark_uncollectible"
    assert paused.status == "active"

    resumed = client.v1.subscriptions.update(subscription.id, {"pause_collection": ""}, on_account)

    assert resumed.pause_collection is None
    event = SandboxEvent.objects.filter(type="customer.subscription.updated").last()
    assert event.data["data"]["previous_attributes"] == {
        "pause_collection": {"behavior": "mark_uncollectible", "resumes_at": None}
    }


def test_cancel_at_period_end_sets_cancel_at(client, on_account, subscription):
    updated = client.v1.subscriptions.update(
        subscription.id, {"cancel_at_period_end": True}, on_account
    )

    assert updated.cancel_at_period_end is True
    assert updated.cancel_at == subscription["items"].data[0].current_period_end
    undone = client.v1.subscriptions.update(
        subscription.id, {"cancel_at_period_end": False}, on_account
    )
    assert undone.cancel_at is None


def test_cancelling_now_ends_the_subscription(client, on_account, subscription):
    canceled = client.v1.subscriptions.cancel(subscription.id, options=on_account)

    assert canceled.status == "canceled"
    assert canceled.canceled_at and canceled.ended_at
    assert SandboxEvent.objects.filter(type="customer.subscription.deleted").count() == 1
    assert client.v1.subscriptions.list({"customer": subscription.customer}, on_account).data == []
    listed = client.v1.subscriptions.list({"status": "all"}, on_account)
    assert [s.id for s in listed.data] == [subscription.id]


def test_lists_filter_by_customer_and_price(client, on_account, subscription, yearly_price):
    by_price = client.v1.subscriptions.list({"price": yearly_price.id}, on_account)
    by_customer = client.v1.subscriptions.list({"customer": subscription.customer}, on_account)

    assert by_price.data == []
    assert [s.id for s in by_customer.data] == [subscription.id]


def test_a_payment_method_of_another_customer_cannot_be_the_default(
    client, on_account, subscription
):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.subscriptions.update(
            subscription.id, {"default_payment_method": "pm_unknown"}, on_account
        )

    assert raised.value.param == "default_payment_method"


def test_events_can_be_read_back(client, on_account, subscription):
    listed = client.v1.events.list({"type": "customer.subscription.created"}, on_account)
    [event] = listed.data

    fetched = client.v1.events.retrieve(event.id, options=on_account)

    assert fetched.data.object.id == subscription.id
    assert fetched.object == "event"
    assert fetched.livemode is False
    assert fetched.pending_webhooks >= 0
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.retrieve(event.id)
