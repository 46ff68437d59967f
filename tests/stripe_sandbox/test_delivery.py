import json

import pytest
import stripe

from stripe_sandbox import delivery
from stripe_sandbox.models import SandboxEvent
from tests.stripe_sandbox import receiver_urls
from tests.stripe_sandbox.hosted import PAYING_CARD, submit


@pytest.fixture
def receiver(settings):
    settings.ROOT_URLCONF = "tests.stripe_sandbox.receiver_urls"
    receiver_urls.RECEIVED.clear()
    return receiver_urls.RECEIVED


def test_connected_account_events_are_signed_with_the_connect_secret(
    receiver, client, on_account, account
):
    product = client.v1.products.create({"name": "Retainer"}, on_account)

    [(path, body, signature)] = receiver
    assert path == "/webhooks/stripe/connect/"
    event = stripe.Webhook.construct_event(
        body.decode(), signature, "whsec_test_connect_secret", tolerance=300
    )
    assert event.type == "product.created"
    assert event.account == account
    assert event.data.object.id == product.id
    assert event.api_version == stripe.api_version
    stored = SandboxEvent.objects.get(stripe_id=event.id)
    assert stored.delivery_status == "delivered"
    assert stored.attempts[0]["status"] == 200


def test_platform_events_go_to_the_platform_endpoint(settings, db):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
    from stripe_sandbox.events import emit
    from stripe_sandbox.operation import sandbox_operation

    with sandbox_operation():
        event = emit(
            "account.application.authorized",
            {"id": "ca_1", "object": "application", "name": "Agency Billing"},
            account="",
        )

    request = delivery.signed_request(event)
    assert request is not None
    assert request.path == "/webhooks/stripe/"
    assert "account" not in json.loads(request.body)
    stripe.WebhookSignature.verify_header(
        request.body, request.signature, "whsec_test_platform_secret", tolerance=300
    )
    event.refresh_from_db()
    assert event.attempts == []


def test_a_signature_made_with_the_other_secret_does_not_verify(settings, client, on_account):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
    client.v1.products.create({"name": "Retainer"}, on_account)
    request = delivery.signed_request(SandboxEvent.objects.get())

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(
            request.body, request.signature, "whsec_test_platform_secret", tolerance=300
        )


def test_the_idempotency_key_is_carried_on_the_event(settings, client, on_account):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"

    client.v1.products.create({"name": "Retainer"}, {**on_account, "idempotency_key": "plan-7"})

    event = SandboxEvent.objects.get()
    assert event.data["request"]["idempotency_key"] == "plan-7"
    assert event.data["request"]["id"].startswith("req_")


def test_nothing_is_delivered_without_a_secret(settings, receiver, client, on_account):
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = ""

    client.v1.products.create({"name": "Retainer"}, on_account)

    assert receiver == []
    assert SandboxEvent.objects.get().delivery_status == "skipped"


def test_a_failing_receiver_never_breaks_the_api_call(settings, client, on_account):
    settings.ROOT_URLCONF = "stripe_sandbox.urls"  # no webhook endpoints at all: 404

    product = client.v1.products.create({"name": "Retainer"}, on_account)

    assert product.id.startswith("prod_")
    event = SandboxEvent.objects.get()
    assert event.delivery_status == "failed"
    assert event.attempts[0]["status"] == 404


def test_redeliver_sends_a_stored_event_again(settings, receiver, client, on_account):
    client.v1.products.create({"name": "Retainer"}, on_account)
    event = SandboxEvent.objects.get()

    assert delivery.redeliver(event.stripe_id) == 200

    assert len(receiver) == 2
    assert json.loads(receiver[0][1])["id"] == json.loads(receiver[1][1])["id"]
    event.refresh_from_db()
    assert len(event.attempts) == 2


def test_checkout_events_reach_the_connect_endpoint_in_order(
    receiver, client, on_account, monthly_price
):
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "success_url": "http://testserver/done/",
        },
        on_account,
    )
    receiver.clear()

    submit(session.url, PAYING_CARD)

    types = [json.loads(body)["type"] for _, body, _ in receiver]
    assert types[-1] == "checkout.session.completed"
    assert types.index("payment_method.attached") < types.index("customer.subscription.created")
    assert {path for path, _, _ in receiver} == {"/webhooks/stripe/connect/"}
