"""Stripe events for tests: Stripe's own sample objects (stripe_samples.json, copied from
Stripe's OpenAPI fixtures), wrapped in an event and signed exactly as Stripe signs them."""

import copy
import hashlib
import hmac
import itertools
import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client, TestCase

SAMPLES = json.loads((Path(__file__).parent / "stripe_samples.json").read_text())
ACCOUNT_ID = "acct_1TestAgency000001"
CUSTOMER_ID = "cus_TestCustomer0001"
_numbers = itertools.count(1)


def sample(kind: str, **overrides: Any) -> dict:
    """A deep copy of Stripe's sample `kind` object with top-level fields replaced."""
    return {**copy.deepcopy(SAMPLES[kind]), **overrides}


def subscription_object(
    *,
    sub_id: str = "sub_Test0001",
    status: str = "active",
    price_id: str = "price_Monthly2500",
    unit_amount: int = 250000,
    period_start: int = 1_790_000_000,
    period_end: int = 1_792_592_000,
    **overrides: Any,
) -> dict:
    """A subscription in API 2026-10-28 shape: the period lives on the item."""
    quiet = {
        "cancel_at": None,
        "canceled_at": None,
        "ended_at": None,
        "trial_end": None,
        "cancel_at_period_end": False,
        "pause_collection": None,
    }
    data = sample(
        "subscription",
        **{**quiet, "id": sub_id, "customer": CUSTOMER_ID, "status": status, **overrides},
    )
    item = data["items"]["data"][0]
    item.update(
        subscription=sub_id,
        current_period_start=period_start,
        current_period_end=period_end,
    )
    item["price"].update(id=price_id, unit_amount=unit_amount, currency="usd")
    return data


def stripe_event(
    event_type: str,
    obj: dict,
    *,
    account: str | None = ACCOUNT_ID,
    created: int | None = None,
    event_id: str | None = None,
    previous_attributes: dict | None = None,
) -> dict:
    event = sample("event")
    event.update(
        id=event_id or f"evt_Test{next(_numbers):08d}",
        type=event_type,
        created=created if created is not None else int(time.time()),
        api_version="2026-10-28.endive",
        data={"object": obj},
    )
    if previous_attributes is not None:
        event["data"]["previous_attributes"] = previous_attributes
    if account is not None:
        event["account"] = account
    return event


def signature_header(body: str, secret: str, *, timestamp: int | None = None) -> str:
    """`t=<unix>,v1=<hex hmac-sha256 of "t.body">`, as Stripe builds Stripe-Signature."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def post_event(
    client: Client,
    event: dict,
    *,
    connect: bool = True,
    secret: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
):
    """POST `event` to our endpoint signed with that endpoint's secret (or the one given)."""
    url = "/webhooks/stripe/connect/" if connect else "/webhooks/stripe/"
    if secret is None:
        secret = (
            settings.STRIPE_CONNECT_WEBHOOK_SECRET if connect else settings.STRIPE_WEBHOOK_SECRET
        )
    body = json.dumps(event)
    if signature is None:
        signature = signature_header(body, secret, timestamp=timestamp)
    headers = {"Stripe-Signature": signature} if signature else {}
    return client.post(url, body, content_type="application/json", headers=headers)


def deliver(client: Client, event: dict, **kwargs: Any):
    """POST `event` inside the test's transaction and run what its commit would enqueue
    (processing, eager in tests). End-to-end tests use transactional_db and post_event."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post_event(client, event, **kwargs)
    assert response.status_code == 200, response.content
    return response
