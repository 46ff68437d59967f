"""Signed webhook delivery, exactly as Stripe signs.

Connected-account events (`account` set) go to `/webhooks/stripe/connect/` signed with
`STRIPE_CONNECT_WEBHOOK_SECRET`; platform events to `/webhooks/stripe/` with
`STRIPE_WEBHOOK_SECRET`. The header is `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`. `SANDBOX_WEBHOOK_DELIVERY` (read on every call) picks the transport:
"http" posts to `SANDBOX_WEBHOOK_BASE_URL` in a background thread after commit,
"test_client" posts through Django's test client at once, "off" only stores the event.
A failed delivery is recorded on the event and logged, never raised to the caller.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.test import Client

from stripe_sandbox.models import SandboxEvent

logger = logging.getLogger(__name__)

PLATFORM_PATH = "/webhooks/stripe/"
CONNECT_PATH = "/webhooks/stripe/connect/"


@dataclass(frozen=True)
class SignedRequest:
    path: str
    body: str
    signature: str
    secret: str


def signature_header(body: str, secret: str, timestamp: int | None = None) -> str:
    """`t=…,v1=…` for `body`, as `stripe.WebhookSignature.verify_header` expects."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


def signed_request(event: SandboxEvent) -> SignedRequest | None:
    """The path, body and signature for `event`; None when that endpoint has no secret."""
    if event.account:
        path, secret = CONNECT_PATH, settings.STRIPE_CONNECT_WEBHOOK_SECRET
    else:
        path, secret = PLATFORM_PATH, settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        return None
    body = json.dumps(event.data, indent=2)
    return SignedRequest(
        path=path, body=body, signature=signature_header(body, secret), secret=secret
    )


def dispatch(event_ids: list[str]) -> None:
    """Deliver events emitted by one finished sandbox operation, in order."""
    if not event_ids:
        return
    mode = settings.SANDBOX_WEBHOOK_DELIVERY
    if mode == "test_client":
        for event_id in event_ids:
            redeliver(event_id)
    elif mode == "http":
        transaction.on_commit(lambda: _start_http_thread(list(event_ids)))
    elif mode != "off":
        logger.warning("SANDBOX_WEBHOOK_DELIVERY=%r is not http, test_client or off", mode)


def redeliver(event_id: str) -> int | None:
    """Deliver one stored event now (by the configured mode); the HTTP status, or None."""
    event = SandboxEvent.objects.get(stripe_id=event_id)
    request = signed_request(event)
    if request is None:
        logger.warning("not delivering %s: no webhook secret for %s", event_id, event.type)
        _record(event, status=None, error="no webhook secret configured", skipped=True)
        return None
    mode = settings.SANDBOX_WEBHOOK_DELIVERY
    try:
        if mode == "http":
            status = _post_http(request)
        elif mode == "test_client":
            status = _post_test_client(request)
        else:
            return None
    except Exception as error:  # a broken receiver must never break the sandbox's caller
        logger.warning("delivering %s to %s failed: %s", event_id, request.path, error)
        _record(event, status=None, error=str(error))
        return None
    _record(event, status=status, error=None)
    if status >= 300:
        logger.warning("delivering %s to %s got HTTP %s", event_id, request.path, status)
    return status


def _post_http(request: SignedRequest) -> int:
    response = requests.post(
        settings.SANDBOX_WEBHOOK_BASE_URL.rstrip("/") + request.path,
        data=request.body.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": request.signature},
        timeout=10,
    )
    return response.status_code


def _post_test_client(request: SignedRequest) -> int:
    response = Client(raise_request_exception=False).post(
        request.path,
        data=request.body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=request.signature,
    )
    return response.status_code


# HTTP deliveries still running, so whoever owns the process (a test's teardown) can wait
# for them before it resets the database under them.
_in_flight: set[threading.Thread] = set()
_in_flight_lock = threading.Lock()


def _start_http_thread(event_ids: list[str]) -> None:
    # A thread, so a server with one worker can receive its own webhooks.
    thread = threading.Thread(
        target=_deliver_in_thread, args=(event_ids,), daemon=True, name="sandbox-webhooks"
    )
    with _in_flight_lock:
        _in_flight.add(thread)
    thread.start()


def _deliver_in_thread(event_ids: list[str]) -> None:
    close_old_connections()
    try:
        for event_id in event_ids:
            redeliver(event_id)
    finally:
        connection.close()
        with _in_flight_lock:
            _in_flight.discard(threading.current_thread())


def deliveries_in_flight() -> int:
    """How many HTTP deliveries are running now."""
    with _in_flight_lock:
        return len(_in_flight)


def wait_for_deliveries(timeout: float) -> bool:
    """Wait, at most `timeout` seconds, until no HTTP delivery is running, the deliveries the
    receiver's handlers cause included (a handler's own sandbox call starts its delivery after
    its commit, so before the delivery that caused it has its answer). True if none is left."""
    deadline = time.monotonic() + timeout
    while True:
        with _in_flight_lock:
            running = next(iter(_in_flight), None)
        if running is None:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        running.join(left)


def _record(
    event: SandboxEvent, *, status: int | None, error: str | None, skipped: bool = False
) -> None:
    event.attempts = [*event.attempts, {"at": int(time.time()), "status": status, "error": error}]
    if skipped:
        event.delivery_status = SandboxEvent.Delivery.SKIPPED
    elif status is not None and 200 <= status < 300:
        event.delivery_status = SandboxEvent.Delivery.DELIVERED
    else:
        event.delivery_status = SandboxEvent.Delivery.FAILED
    event.save(update_fields=["attempts", "delivery_status"])
