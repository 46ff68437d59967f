"""Intake answers 2xx exactly when the event is stored, whatever fails around it: the broker
(a private Redis the test kills), the database (refusing connections), or the event itself
(signed, but unfit for our columns or for PostgreSQL)."""

import contextlib
import json
import tempfile
import time
from collections.abc import Iterator

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from psycopg import sql

from customers.models import Subscription
from tests.webhooks.processes import (
    app_environment,
    gunicorn_start,
    private_redis,
    process_stop,
    worker_start,
)
from tests.webhooks.stripe_events import (
    post_event,
    signature_header,
    stripe_event,
    subscription_object,
)
from webhooks.models import WebhookEvent
from webhooks.tasks import requeue_stale_events

DEADLINE_SECONDS = 30


def _post_over_http(base_url: str, event: dict) -> requests.Response:
    body = json.dumps(event)
    header = signature_header(body, settings.STRIPE_CONNECT_WEBHOOK_SECRET)
    return requests.post(
        f"{base_url}/webhooks/stripe/connect/",
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
        timeout=30,
    )


def _wait_until_processed(stripe_id: str) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if WebhookEvent.objects.filter(
            stripe_id=stripe_id, status=WebhookEvent.Status.PROCESSED
        ).exists():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.worker
def test_with_the_broker_down_intake_answers_200_and_the_sweeper_enqueues_the_event_once_it_is_back(
    transactional_db, stripe_customer
):
    event = stripe_event("customer.subscription.created", subscription_object())
    with tempfile.TemporaryFile(mode="w+") as log, private_redis() as broker:
        web, base_url = gunicorn_start(log, app_environment(broker.url))
        worker = None
        try:
            broker.kill()
            response = _post_over_http(base_url, event)
            health = requests.get(f"{base_url}/healthz/", timeout=30)
            stored = WebhookEvent.objects.get(stripe_id=event["id"])

            broker.start()
            # A sweep every second instead of every minute, so the test is quick.
            worker_environment = app_environment(broker.url, WEBHOOK_SWEEP_INTERVAL_SECONDS="1")
            worker = worker_start(log, worker_environment, beat=True)
            processed = _wait_until_processed(event["id"])
        finally:
            process_stop(worker)
            process_stop(web)
        log.seek(0)
        output = log.read()

    assert response.status_code == 200, output[-3000:]
    assert stored.status == WebhookEvent.Status.PENDING
    assert stored.enqueue_failed_at is not None
    assert stored.last_error.startswith("could not enqueue:")
    assert health.status_code == 503
    assert health.json() == {"database": "ok", "broker": "down"}
    assert processed, f"the event was not processed once Redis came back:\n{output[-3000:]}"
    stored.refresh_from_db()
    assert stored.attempts == 1
    assert stored.enqueue_failed_at is None
    assert Subscription.objects.get().customer == stripe_customer


def test_by_default_a_sweep_runs_every_minute_and_enqueues_a_refused_event_at_once(
    db, stripe_customer
):
    assert settings.CELERY_BEAT_SCHEDULE["requeue-stale-webhook-events"]["schedule"] <= 60
    payload = stripe_event("customer.subscription.created", subscription_object())
    WebhookEvent.objects.create(
        stripe_id=payload["id"],
        type=payload["type"],
        endpoint=WebhookEvent.Endpoint.CONNECT,
        account=payload["account"],
        stripe_created=stripe_customer.created_at,
        payload=payload,
        enqueue_failed_at=stripe_customer.created_at,
    )

    assert requeue_stale_events() == 1

    stored = WebhookEvent.objects.get()
    assert stored.status == WebhookEvent.Status.PROCESSED
    assert stored.enqueue_failed_at is None


@contextlib.contextmanager
def database_refusing_connections() -> Iterator[None]:
    """PostgreSQL refuses every new connection to the test database (as while it is down or
    restarting), then accepts them again."""
    db = settings.DATABASES["default"]
    connection.close()
    allow = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}")
    name = sql.Identifier(db["NAME"])
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(allow.format(name, sql.SQL("false")))
        try:
            yield
        finally:
            admin.execute(allow.format(name, sql.SQL("true")))


def test_with_the_database_down_intake_answers_503_and_stores_the_event_when_stripe_retries(
    client, transactional_db
):
    event = stripe_event("customer.subscription.created", subscription_object())

    with database_refusing_connections():
        refused = post_event(client, event)

    assert refused.status_code == 503
    assert "could not be stored" in refused.json()["error"]["message"]
    assert not WebhookEvent.objects.filter(stripe_id=event["id"]).exists()
    assert post_event(client, event).status_code == 200
    assert WebhookEvent.objects.filter(stripe_id=event["id"]).count() == 1


def test_healthz_says_the_database_is_down(client, transactional_db):
    with database_refusing_connections():
        response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json() == {"database": "down", "broker": "ok"}


def test_healthz_answers_200_when_database_and_broker_answer(client, db):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
