"""Intake announces stored events to a drain: one Celery task that processes every pending
event, oldest first, instead of one task per event. These tests use the real broker (Redis)
and, where a worker is named, a real Celery worker process."""

import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.utils import timezone

from agency_billing.celery import app as celery_app
from customers.models import Subscription
from tests.webhooks.fixtures import subscription_mirrored_at
from tests.webhooks.processes import (
    app_environment,
    broker_empty,
    process_stop,
    shared_redis_url,
    worker_start,
)
from tests.webhooks.stripe_events import post_event, stripe_event, subscription_object
from webhooks import services
from webhooks.models import WebhookEvent
from webhooks.tasks import requeue_stale_events

DEADLINE_SECONDS = 30
PROCESS_EVENT = "webhooks.tasks.process_event"
PROCESS_PENDING = "webhooks.tasks.process_pending_events"


DRAIN_KEY = services.drain_key(0)


@pytest.fixture
def broker(settings) -> Iterator[redis.Redis]:
    """The shared Redis as the broker, with no task queued or unacked and no drain
    announced, and Celery tasks sent to it instead of run in process. One drain at a time
    (one slot), unless a test says otherwise."""
    url = shared_redis_url()
    client = redis.Redis.from_url(url)
    keys = [services.drain_key(slot) for slot in range(4)]
    broker_empty(url)
    client.delete(*keys)
    settings.WEBHOOK_DRAINS = 1
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    yield client
    broker_empty(url)
    client.delete(*keys)


def queued_tasks(client: redis.Redis) -> list[tuple[str, str]]:
    """The tasks waiting in Celery's default queue, oldest first: (name, arguments)."""
    messages = client.lrange("celery", 0, -1)  # LPUSHed: newest first
    headers = [json.loads(message)["headers"] for message in reversed(messages)]
    return [(header["task"], header["argsrepr"]) for header in headers]


def queued_task_names(client: redis.Redis) -> list[str]:
    return [name for name, _ in queued_tasks(client)]


def _updates(count: int) -> list[dict]:
    """`count` updates of one subscription, a second apart; the last one cancels it."""
    events = [
        stripe_event(
            "customer.subscription.updated", subscription_object(), created=1_790_000_000 + n
        )
        for n in range(count - 1)
    ]
    canceled = subscription_object(status="canceled", canceled_at=1_790_000_100)
    events.append(
        stripe_event("customer.subscription.updated", canceled, created=1_790_000_000 + count)
    )
    return events


def _pending_event(created: int) -> WebhookEvent:
    """A stored event whose intake announced nothing (it found a drain announced)."""
    event = stripe_event("customer.subscription.updated", subscription_object(), created=created)
    return WebhookEvent.objects.create(
        stripe_id=event["id"],
        type=event["type"],
        endpoint=WebhookEvent.Endpoint.CONNECT,
        account=event["account"],
        stripe_created=datetime.fromtimestamp(created, tz=UTC),
        payload=event,
    )


@pytest.mark.worker
def test_events_stored_while_a_drain_is_queued_share_its_one_task(
    client, transactional_db, stripe_customer, broker
):
    events = _updates(20)
    for event in events:
        assert post_event(client, event).status_code == 200

    # Twenty stored events, one task: the first intake announced a drain, the others
    # found it announced.
    assert queued_task_names(broker) == [PROCESS_PENDING]

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = worker_start(log, app_environment(shared_redis_url()))
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while (
                time.monotonic() < deadline
                and WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING).exists()
            ):
                time.sleep(0.25)
        finally:
            process_stop(worker)
        log.seek(0)
        worker_log = log.read()

    statuses = set(WebhookEvent.objects.values_list("status", "attempts"))
    assert statuses == {(WebhookEvent.Status.PROCESSED, 1)}, worker_log[-3000:]
    assert Subscription.objects.get().status == "canceled"  # the newest event won
    # The drain made its last look and cleared the announcement: the next event announces.
    assert broker.get(DRAIN_KEY) is None
    assert worker_log.count(f"Task {PROCESS_PENDING}[") == 2  # received, succeeded


def test_events_are_announced_in_as_many_slots_as_drains_may_run_side_by_side(
    client, transactional_db, stripe_customer, broker, settings
):
    settings.WEBHOOK_DRAINS = 2
    for event in _updates(10):
        assert post_event(client, event).status_code == 200

    drains = sorted(queued_tasks(broker))
    assert drains == [(PROCESS_PENDING, "(0,)"), (PROCESS_PENDING, "(1,)")]

    # Either drain takes every pending event, and clears only its own slot's key.
    assert services.webhook_events_drain(1) == 10
    assert broker.get(services.drain_key(1)) is None
    assert broker.get(services.drain_key(0)) is not None
    assert services.webhook_events_drain(0) == 0
    assert broker.get(services.drain_key(0)) is None
    assert not WebhookEvent.objects.filter(status=WebhookEvent.Status.PENDING).exists()


def test_a_drain_takes_an_event_stored_while_it_was_still_announced(
    transactional_db, stripe_customer, broker
):
    broker.set(DRAIN_KEY, "1")  # a drain is queued or running
    first = _pending_event(1_790_000_000)

    assert services.webhook_events_drain() == 1

    first.refresh_from_db()
    assert first.status == WebhookEvent.Status.PROCESSED
    assert broker.get(DRAIN_KEY) is None
    assert queued_task_names(broker) == []


def test_intake_announces_again_once_the_drain_cleared_the_announcement(
    client, transactional_db, stripe_customer, broker
):
    first, second = _updates(2)
    assert post_event(client, first).status_code == 200
    assert services.webhook_events_drain() == 1
    assert post_event(client, second).status_code == 200

    assert queued_task_names(broker) == [PROCESS_PENDING, PROCESS_PENDING]
    assert broker.get(DRAIN_KEY) is not None


def test_a_drain_hands_over_to_a_new_task_after_its_batch(
    transactional_db, stripe_customer, broker
):
    broker.set(DRAIN_KEY, "1")
    events = [_pending_event(1_790_000_000 + second) for second in range(5)]

    assert services.webhook_events_drain(batch=3) == 3

    statuses = [WebhookEvent.objects.get(pk=event.pk).status for event in events]
    assert statuses == ["processed"] * 3 + ["pending"] * 2  # oldest first
    assert queued_task_names(broker) == [PROCESS_PENDING]
    assert broker.get(DRAIN_KEY) is not None  # the new task clears it


def test_a_failing_event_in_a_drain_is_marked_failed_and_retried_on_its_own(
    transactional_db, stripe_customer, broker
):
    broker.set(DRAIN_KEY, "1")
    # The subscription is mirrored as of the failing event's second: the tie is settled by
    # reading it back, which Stripe refuses (the account is not on this Stripe).
    second = 1_790_000_000
    subscription_mirrored_at(stripe_customer, second)
    failing = _pending_event(second)
    after = _pending_event(second + 1)

    assert services.webhook_events_drain() == 2

    failing.refresh_from_db()
    after.refresh_from_db()
    assert failing.status == WebhookEvent.Status.FAILED
    assert failing.attempts == 1
    assert failing.last_error.startswith("PermissionError:")
    assert after.status == WebhookEvent.Status.PROCESSED
    assert queued_task_names(broker) == [PROCESS_EVENT]


def test_the_sweeper_enqueues_a_drain_for_announced_events_left_waiting(
    transactional_db, stripe_customer, broker, settings
):
    broker.set(DRAIN_KEY, "1")  # announced, but its task was lost
    waiting = _pending_event(1_790_000_000)
    _pending_event(1_790_000_001)  # just stored: its drain may still come
    assert requeue_stale_events() == 0
    assert queued_task_names(broker) == []

    interval = timedelta(seconds=settings.WEBHOOK_SWEEP_INTERVAL_SECONDS)
    WebhookEvent.objects.filter(pk=waiting.pk).update(
        received_at=timezone.now() - interval - timedelta(seconds=1)
    )
    assert requeue_stale_events() == 0  # not stale: a drain takes it, not a task of its own
    assert queued_task_names(broker) == [PROCESS_PENDING]


@pytest.mark.worker
def test_a_worker_killed_mid_drain_loses_nothing_and_applies_nothing_twice(
    client, transactional_db, stripe_customer, broker
):
    events = _updates(400)
    for event in events:
        assert post_event(client, event).status_code == 200
    processed = WebhookEvent.objects.filter(status=WebhookEvent.Status.PROCESSED)

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = worker_start(log, app_environment(shared_redis_url()))
        try:
            deadline = time.monotonic() + DEADLINE_SECONDS
            while time.monotonic() < deadline and processed.count() < 20:
                time.sleep(0.02)
            worker.kill()  # SIGKILL, mid-drain: no warm shutdown, the task is not acked
            worker.wait()
            done_when_killed = processed.count()
            attempts_when_killed = set(processed.values_list("attempts", flat=True))

            # The drain's key is still set and its task unacked: the sweeper (every second
            # here) finds the events waiting and enqueues a drain.
            environment = app_environment(shared_redis_url(), WEBHOOK_SWEEP_INTERVAL_SECONDS="1")
            worker = worker_start(log, environment, beat=True)
            deadline = time.monotonic() + 2 * DEADLINE_SECONDS
            while time.monotonic() < deadline and processed.count() < len(events):
                time.sleep(0.25)
        finally:
            process_stop(worker)
        log.seek(0)
        worker_log = log.read()

    assert 20 <= done_when_killed < len(events), worker_log[-3000:]
    assert attempts_when_killed == {1}
    # Every event processed exactly once: the one being applied when the worker died was
    # rolled back with its transaction and applied again, once, afterwards.
    statuses = set(WebhookEvent.objects.values_list("status", "attempts"))
    assert statuses == {(WebhookEvent.Status.PROCESSED, 1)}, worker_log[-3000:]
    assert Subscription.objects.get().status == "canceled"
