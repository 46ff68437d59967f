import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from customers.models import Subscription
from tests.factories import CustomerFactory
from tests.webhooks.fixtures import subscription_mirrored_at
from tests.webhooks.stripe_events import (
    CUSTOMER_ID,
    deliver,
    post_event,
    stripe_event,
    subscription_object,
)
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process
from webhooks.tasks import requeue_stale_events


def test_the_same_event_delivered_three_times_is_processed_once(
    client, transactional_db, stripe_customer
):
    event = stripe_event("customer.subscription.created", subscription_object())

    responses = [post_event(client, event) for _ in range(3)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.PROCESSED
    assert stored.attempts == 1
    assert stored.processed_at is not None
    assert Subscription.objects.get().stripe_id == "sub_Test0001"


def test_unknown_types_are_stored_and_ignored(client, transactional_db):
    event = stripe_event("climate.order.delayed", {"id": "climorder_1", "object": "climate.order"})

    assert post_event(client, event).status_code == 200

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert stored.last_error == "no handler for climate.order.delayed"


def test_an_event_for_an_unknown_customer_is_ignored_with_the_reason(client, db, stripe_agency):
    deliver(client, stripe_event("customer.subscription.created", subscription_object()))

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert "cus_TestCustomer0001 is not a customer" in stored.last_error
    assert not Subscription.objects.exists()


def test_an_event_for_an_unknown_account_is_ignored_with_the_reason(client, db, stripe_customer):
    event = stripe_event("customer.subscription.created", subscription_object(), account="acct_X")

    deliver(client, event)

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert stored.last_error == "no agency has the Stripe account acct_X"


def _stored_event(stripe_customer, *, created: int | None = None) -> WebhookEvent:
    payload = stripe_event("customer.subscription.created", subscription_object(), created=created)
    event, _ = WebhookEvent.objects.get_or_create(
        stripe_id=payload["id"],
        defaults={
            "type": payload["type"],
            "endpoint": WebhookEvent.Endpoint.CONNECT,
            "account": stripe_customer.agency.stripe_account_id,
            "stripe_created": datetime.fromtimestamp(payload["created"], tz=UTC),
            "payload": payload,
        },
    )
    return event


@pytest.fixture
def unreadable_tie(stripe_customer):
    """A mirrored subscription and an event from the same second: the tie must be settled
    by reading the subscription back, and Stripe refuses (the account is not on this
    Stripe), as it would after the agency disconnected."""
    second = int(time.time())
    subscription_mirrored_at(stripe_customer, second)
    return _stored_event(stripe_customer, created=second)


def test_a_failing_handler_records_the_attempt_and_the_error(db, unreadable_tie):
    with pytest.raises(Exception):  # noqa: B017 - what is stored is asserted below
        webhook_event_process(unreadable_tie.pk)

    unreadable_tie.refresh_from_db()
    assert unreadable_tie.status == WebhookEvent.Status.FAILED
    assert unreadable_tie.attempts == 1
    assert unreadable_tie.last_error.startswith("PermissionError:")
    assert "does not have access to account" in unreadable_tie.last_error
    assert Subscription.objects.get().status == "trialing"


def test_a_failed_event_is_replayed_by_the_command(db, unreadable_tie):
    with pytest.raises(Exception):  # noqa: B017
        webhook_event_process(unreadable_tie.pk)
    # A newer change reached the mirror meanwhile, so the failed event is now the older one.
    later = unreadable_tie.payload["created"] + 5
    Subscription.objects.update(
        status="active", stripe_synced_at=datetime.fromtimestamp(later, tz=UTC)
    )

    call_command("replay_webhook_events", "--failed")

    unreadable_tie.refresh_from_db()
    assert unreadable_tie.status == WebhookEvent.Status.PROCESSED
    assert unreadable_tie.attempts == 2
    assert unreadable_tie.last_error == ""
    assert Subscription.objects.get().status == "active"


def test_the_command_replays_chosen_ids_even_when_processed(db, stripe_customer):
    event = _stored_event(stripe_customer)
    webhook_event_process(event.pk)
    Subscription.objects.all().delete()

    call_command("replay_webhook_events", str(event.pk))

    assert Subscription.objects.count() == 1


def test_a_processed_event_is_not_processed_again(db, stripe_customer):
    event = _stored_event(stripe_customer)
    webhook_event_process(event.pk)

    webhook_event_process(event.pk)

    event.refresh_from_db()
    assert event.attempts == 1


def test_the_sweeper_enqueues_stale_pending_events_again(db, stripe_customer):
    stale = _stored_event(stripe_customer)
    WebhookEvent.objects.filter(pk=stale.pk).update(
        received_at=timezone.now() - timedelta(minutes=11)
    )
    fresh = WebhookEvent.objects.create(
        stripe_id="evt_JustArrived",
        type="climate.order.delayed",
        endpoint=WebhookEvent.Endpoint.CONNECT,
        stripe_created=timezone.now(),
        payload={},
    )

    assert requeue_stale_events() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == WebhookEvent.Status.PROCESSED
    assert fresh.status == WebhookEvent.Status.PENDING
    assert Subscription.objects.count() == 1


def test_a_live_mode_event_is_stored_but_never_applied_by_a_sandbox_deployment(
    client, db, stripe_customer
):
    event = stripe_event("customer.subscription.created", subscription_object())

    deliver(client, {**event, "livemode": True})

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert stored.last_error == "a live-mode event is never applied by a sandbox deployment"
    assert not Subscription.objects.exists()


def test_a_test_mode_event_is_stored_but_never_applied_by_a_live_deployment(
    client, db, stripe_customer, settings
):
    settings.STRIPE_MODE = "live"
    event = stripe_event("customer.subscription.created", subscription_object())

    deliver(client, {**event, "livemode": False})

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert stored.last_error == "a test-mode event is never applied by a live deployment"
    assert not Subscription.objects.exists()


def test_a_read_back_stripe_answers_404_settles_the_event_as_ignored(client, connected_agency):
    """A tie (the event is from the second of our last write) is settled by reading the
    subscription back; Stripe no longer has it, so no retry can help."""
    customer = CustomerFactory(agency=connected_agency, stripe_customer_id=CUSTOMER_ID)
    second = int(time.time())
    Subscription.objects.create(
        agency=connected_agency,
        customer=customer,
        stripe_id="sub_Test0001",
        status="active",
        stripe_synced_at=datetime.fromtimestamp(second, tz=UTC),
    )
    event = stripe_event(
        "customer.subscription.updated",
        subscription_object(status="past_due"),
        account=connected_agency.stripe_account_id,
        created=second,
    )

    deliver(client, event)

    stored = WebhookEvent.objects.get(stripe_id=event["id"])
    assert stored.status == WebhookEvent.Status.IGNORED
    assert stored.attempts == 1
    assert "No such subscription: 'sub_Test0001'" in stored.last_error
    assert Subscription.objects.get().status == "active"
