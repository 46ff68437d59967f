"""A real Celery worker process picks the event up from Redis and mirrors it in PostgreSQL."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from agency_billing.celery import app as celery_app
from customers.models import Subscription
from tests.conftest import skip_or_fail
from tests.webhooks.stripe_events import post_event, stripe_event, subscription_object
from webhooks.models import WebhookEvent

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 30


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        skip_or_fail("a worker process needs the PostgreSQL test database (set DATABASE_URL)")
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", settings.REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is unreachable at {url}: {error}")
    return url


def _start_worker(log) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": _redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "STRIPE_MODE": "sandbox",
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
        "STRIPE_CONNECT_WEBHOOK_SECRET": settings.STRIPE_CONNECT_WEBHOOK_SECRET,
    }
    command = [sys.executable, "-m", "celery", "-A", "agency_billing", "worker"]
    options = ["--pool=solo", "--concurrency=1", "-Q", "celery", "--loglevel=INFO"]
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(
        command + options + quiet, cwd=PROJECT_DIR, env=env, stdout=log, stderr=log
    )


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
    redis_url = _redis_url()
    # Broker = this process's Celery app: purge tasks other runs left in the queue.
    assert celery_app.conf.broker_url == redis_url
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    event = stripe_event("customer.subscription.created", subscription_object())

    with tempfile.TemporaryFile(mode="w+") as log:
        worker = _start_worker(log)
        try:
            assert post_event(client, event).status_code == 200
            mirrored = _wait_until_mirrored(event["id"])
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.seek(0)
        worker_log = log.read()

    assert mirrored, f"the worker did not mirror {event['id']} in time:\n{worker_log[-3000:]}"
    stored = WebhookEvent.objects.get(stripe_id=event["id"])
    assert stored.attempts == 1
    assert Subscription.objects.get().customer == stripe_customer
