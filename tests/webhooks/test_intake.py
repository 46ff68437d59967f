import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.webhooks.stripe_events import (
    post_event,
    sample,
    signature_header,
    stripe_event,
    subscription_object,
)
from webhooks.models import WebhookEvent


@pytest.fixture
def event():
    return stripe_event("customer.subscription.created", subscription_object())


def test_it_stores_a_signed_connect_event_and_answers_200(client, db, event):
    response = post_event(client, event)

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.stripe_id == event["id"]
    assert stored.type == "customer.subscription.created"
    assert stored.endpoint == WebhookEvent.Endpoint.CONNECT
    assert stored.account == event["account"]
    assert stored.payload == event
    assert stored.status == WebhookEvent.Status.PENDING


def test_it_stores_a_signed_platform_event(client, db):
    event = stripe_event("account.updated", sample("account"), account=None)

    response = post_event(client, event, connect=False)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().endpoint == WebhookEvent.Endpoint.PLATFORM


def test_it_rejects_a_bad_signature(client, db, event):
    response = post_event(client, event, signature="t=1,v1=deadbeef")

    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert not WebhookEvent.objects.exists()


def test_it_rejects_a_body_changed_after_signing(client, db, event, settings):
    body = json.dumps(event)
    header = signature_header(body, settings.STRIPE_CONNECT_WEBHOOK_SECRET)

    response = client.post(
        "/webhooks/stripe/connect/",
        body.replace("active", "canceled"),
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_it_rejects_a_missing_signature(client, db, event):
    response = post_event(client, event, signature="")

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_it_rejects_a_signature_older_than_five_minutes(client, db, event):
    response = post_event(client, event, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert "tolerance" in response.json()["error"]["message"]
    assert not WebhookEvent.objects.exists()


def test_it_rejects_an_event_signed_with_the_other_endpoints_secret(client, db, event, settings):
    response = post_event(client, event, secret=settings.STRIPE_WEBHOOK_SECRET)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("connect", [True, False])
def test_it_refuses_every_event_when_no_secret_is_configured(client, db, event, settings, connect):
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = ""

    response = post_event(client, event, connect=connect, secret="whsec_anything")

    assert response.status_code == 503
    assert not WebhookEvent.objects.exists()


def test_it_rejects_a_connect_event_without_an_account(client, db):
    event = stripe_event("customer.subscription.created", subscription_object(), account=None)

    response = post_event(client, event)

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_it_rejects_a_signed_body_that_is_not_an_event(client, db):
    response = post_event(client, {"object": "event", "id": "evt_1"})

    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()


def test_it_answers_get_with_405(client, db):
    assert client.get("/webhooks/stripe/").status_code == 405


def test_it_stores_unknown_types_and_answers_200(client, db):
    event = stripe_event("climate.order.delayed", {"id": "climorder_1", "object": "climate.order"})

    response = post_event(client, event)

    assert response.status_code == 200
    assert WebhookEvent.objects.get().type == "climate.order.delayed"


def test_a_repeated_delivery_answers_200_and_changes_nothing(client, db, event):
    post_event(client, event)
    stored = WebhookEvent.objects.get()

    response = post_event(client, {**event, "type": "tampered.but.same.id"})

    assert response.status_code == 200
    assert WebhookEvent.objects.get() == stored
    assert WebhookEvent.objects.get().type == "customer.subscription.created"


def test_concurrent_deliveries_of_one_event_store_one_row_and_all_answer_200(transactional_db):
    event = stripe_event("customer.subscription.created", subscription_object())
    start = threading.Barrier(4)

    def deliver() -> int:
        start.wait()
        try:
            return post_event(Client(), event).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: deliver(), range(4)))

    assert statuses == [200] * 4
    assert WebhookEvent.objects.filter(stripe_id=event["id"]).count() == 1


def test_intake_stores_an_event_in_one_statement_that_commits_by_itself(transactional_db):
    event = stripe_event("climate.order.delayed", {"id": "climorder_1", "object": "climate.order"})

    with CaptureQueriesContext(connection) as queries:
        assert post_event(Client(), event).status_code == 200

    # Then the enqueued task (eager in tests) processes it in a transaction of its own.
    statements = [query["sql"] for query in queries.captured_queries]
    assert statements[0].startswith('INSERT INTO "webhooks_webhookevent"'), statements
    assert statements[1] == "BEGIN", statements
