"""Every correctly signed body is stored (marked ignored with the reason, the raw body kept
when PostgreSQL cannot hold its JSON) or refused with a 4xx and the reason: never a 500,
and a bad event never holds up the others."""

import json
import time

import pytest
from django.conf import settings

from customers.models import Subscription
from tests.webhooks.stripe_events import (
    deliver,
    post_event,
    signature_header,
    stripe_event,
    subscription_object,
)
from webhooks.models import WebhookEvent
from webhooks.tasks import requeue_stale_events


def _event(**overrides) -> dict:
    return {**stripe_event("customer.subscription.created", subscription_object()), **overrides}


def _with_metadata(value: str, *, key: str = "note") -> dict:
    return stripe_event("customer.subscription.created", subscription_object(metadata={key: value}))


UNFIT = {
    "created 10^13": (_event(created=10**13), "created 10000000000000 is not a time"),
    "created negative": (_event(created=-1), "created -1 is not a time"),
    "type of 101 characters": (_event(type="t" * 101), "type is longer than 100"),
    "api_version of 51": (_event(api_version="v" * 51), "api_version is not a string of at"),
    "account of 256": (_event(account="acct_" + "a" * 251), "account is not a string of at"),
    "livemode a string": (_event(livemode="false"), "livemode is not true or false"),
    "NUL in a value": (_with_metadata("a\x00b"), "NUL character"),
    "NUL in a key": (_with_metadata("x", key="k\x00"), "NUL character"),
    "lone surrogate": (_with_metadata("\ud800"), "lone surrogate"),
    "NUL in the id": (_event(id="evt_\x00"), "NUL character"),
    "lone surrogate in the type": (_event(type="invoice.\udfff"), "lone surrogate"),
    "NUL in the account": (_event(account="acct_\x00"), "NUL character"),
}


@pytest.mark.parametrize("event, reason", UNFIT.values(), ids=UNFIT.keys())
def test_a_signed_event_that_does_not_fit_is_stored_as_ignored_with_the_reason(
    client, db, stripe_customer, event, reason
):
    response = deliver(client, event)

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.IGNORED
    assert reason in stored.last_error
    assert not Subscription.objects.exists()


def test_a_payload_postgresql_cannot_store_keeps_the_raw_body(client, db, stripe_customer):
    event = _with_metadata("a\x00b")

    deliver(client, event)

    stored = WebhookEvent.objects.get()
    assert stored.payload == {}
    assert json.loads(stored.raw_body) == event
    assert stored.raw_body == json.dumps(event)


def test_an_event_whose_created_is_not_a_time_keeps_its_payload(client, db):
    event = _event(created=10**13)

    deliver(client, event)

    stored = WebhookEvent.objects.get()
    assert stored.payload == event
    assert stored.stripe_created is None


UNSTORABLE = {
    "id of 256 characters": (_event(id="evt_" + "e" * 252), "longer than 255 characters"),
    "NaN": ('{"object": "event", "id": "evt_nan", "created": NaN}', "not a JSON"),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "not a JSON"),
    "created a float": (_event(created=1.5), "not a Stripe event"),
    "created true": (_event(created=True), "not a Stripe event"),
}


@pytest.mark.parametrize("body, reason", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_signed_body_that_cannot_be_stored_is_refused_with_the_reason(client, db, body, reason):
    body = body if isinstance(body, str) else json.dumps(body)
    header = signature_header(body, settings.STRIPE_CONNECT_WEBHOOK_SECRET)

    response = client.post(
        "/webhooks/stripe/connect/",
        body,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )

    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]
    assert not WebhookEvent.objects.exists()


def test_a_bad_event_holds_up_no_other(client, transactional_db, stripe_customer):
    bad = _with_metadata("a\x00b")
    good = stripe_event("customer.subscription.created", subscription_object())

    assert post_event(client, bad).status_code == 200
    assert post_event(client, good).status_code == 200

    assert WebhookEvent.objects.get(stripe_id=good["id"]).status == WebhookEvent.Status.PROCESSED
    assert Subscription.objects.get().stripe_id == "sub_Test0001"
    assert requeue_stale_events() == 0


def test_a_signature_more_than_60_seconds_in_the_future_is_refused(client, db):
    response = post_event(client, _event(), timestamp=int(time.time()) + 3600)

    assert response.status_code == 400
    assert "in the future" in response.json()["error"]["message"]
    assert not WebhookEvent.objects.exists()


def test_a_signature_from_a_clock_a_little_ahead_is_accepted(client, db):
    response = post_event(client, _event(), timestamp=int(time.time()) + 30)

    assert response.status_code == 200
    assert WebhookEvent.objects.exists()
