"""`make run` delivers over real HTTP, after commit, from a background thread."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_sandbox import delivery
from stripe_sandbox.models import SandboxEvent


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes, str]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Recorder.received.append((self.path, body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server(settings):
    Recorder.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SANDBOX_WEBHOOK_DELIVERY = "http"
    settings.SANDBOX_WEBHOOK_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield Recorder.received
    server.shutdown()
    server.server_close()


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the webhook"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_events_are_posted_signed_over_http_after_commit(webhook_server, client, account):
    client.v1.products.create({"name": "Retainer"}, {"stripe_account": account})

    wait_for(lambda: SandboxEvent.objects.filter(delivery_status="delivered").exists())
    [(path, body, signature)] = webhook_server
    assert path == "/webhooks/stripe/connect/"
    event = stripe.Webhook.construct_event(body.decode(), signature, "whsec_test_connect_secret")
    assert event.type == "product.created"


class HeldReceiver(BaseHTTPRequestHandler):
    """Answers each delivery only once the test releases it."""

    release = threading.Event()

    def do_POST(self):  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        HeldReceiver.release.wait(30)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def held_server(settings):
    HeldReceiver.release = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), HeldReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SANDBOX_WEBHOOK_DELIVERY = "http"
    settings.SANDBOX_WEBHOOK_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    yield HeldReceiver.release
    HeldReceiver.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_whoever_runs_the_sandbox_can_wait_for_its_deliveries_with_a_bound(
    held_server, client, account
):
    client.v1.products.create({"name": "Retainer"}, {"stripe_account": account})

    assert delivery.deliveries_in_flight() == 1
    started = time.monotonic()
    assert delivery.wait_for_deliveries(0.3) is False
    assert 0.3 <= time.monotonic() - started < 5
    assert SandboxEvent.objects.get(type="product.created").delivery_status == "pending"

    held_server.set()
    assert delivery.wait_for_deliveries(10) is True
    assert delivery.deliveries_in_flight() == 0
    assert SandboxEvent.objects.get(type="product.created").delivery_status == "delivered"
