"""A real Celery worker process picks the event up from Redis and mirrors it in PostgreSQL."""

import tempfile
import time

import pytest
from django.db import connection

from agency_billing.celery import app as celery_app
from customers.models import Subscription
from tests.webhooks.processes import (
    app_environment,
    broker_empty,
    process_stop,
    shared_redis_url,
    worker_start,
)
from tests.webhooks.stripe_events import post_event, stripe_event, subscription_object
from webhooks.models import WebhookEvent

DEADLINE_SECONDS = 30


def _wait_until_mirrored(event_id: str) -> bool:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        processed = WebhookEvent.objects.filter(
            stripe_id=event_id, status=WebhookEvent.Status.PROCESSED
        ).exists()
        if processed and Subscription.objects.filter(stripe_id="sub_Test0001").exists():
            return True
        time.sleep(0.25)
    return False


@pytest.mark.worker
def test_a_real_worker_processes_a_delivered_event(client, transactional_db, stripe_customer):
    redis_url = shared_redis_url()
    broker_empty(redis_url)  # tasks other runs left queued or unacked
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    event = stripe_event("customer.subscription.created", subscription_object())

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = worker_start(log, app_environment(redis_url))
        try:
            assert post_event(client, event).status_code == 200
            mirrored = _wait_until_mirrored(event["id"])
        finally:
            process_stop(worker)
        log.seek(0)
        worker_log = log.read()

    assert mirrored, f"the worker did not mirror {event['id']} in time:\n{worker_log[-3000:]}"
    stored = WebhookEvent.objects.get(stripe_id=event["id"])
    assert stored.attempts == 1
    assert Subscription.objects.get().customer == stripe_customer


def _sessions_opened() -> int:
    """Connections ever opened to the test database (PostgreSQL 14+)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.mark.worker
def test_a_real_worker_keeps_one_database_connection_across_tasks(
    client, transactional_db, stripe_customer
):
    redis_url = shared_redis_url()
    broker_empty(redis_url)
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    events = [
        stripe_event("customer.subscription.updated", subscription_object(), created=second)
        for second in range(1_790_000_000, 1_790_000_010)
    ]
    opened_before = _sessions_opened()

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = worker_start(log, app_environment(redis_url))
        try:
            for event in events:
                assert post_event(client, event).status_code == 200
            mirrored = _wait_until_mirrored(events[-1]["id"])
        finally:
            process_stop(worker)
        log.seek(0)
        worker_log = log.read()

    assert mirrored, f"the worker did not mirror the events in time:\n{worker_log[-3000:]}"
    assert WebhookEvent.objects.filter(status=WebhookEvent.Status.PROCESSED).count() == 10
    # The worker's one connection, and at most one more the test itself reopened.
    assert _sessions_opened() - opened_before <= 2
