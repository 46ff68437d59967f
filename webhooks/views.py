"""Stripe's two webhook endpoints: verify the signature, store the event, answer 200."""

import json
import logging

import stripe
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_receive
from webhooks.tasks import process_event

logger = logging.getLogger(__name__)

# Stripe's own default: a signature older than this is a replay, not a delivery.
SIGNATURE_TOLERANCE_SECONDS = 300


@csrf_exempt
@require_POST
def stripe_platform_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, WebhookEvent.Endpoint.PLATFORM, settings.STRIPE_WEBHOOK_SECRET)


@csrf_exempt
@require_POST
def stripe_connect_webhook(request: HttpRequest) -> JsonResponse:
    return _receive(request, WebhookEvent.Endpoint.CONNECT, settings.STRIPE_CONNECT_WEBHOOK_SECRET)


def _receive(request: HttpRequest, endpoint: str, secret: str) -> JsonResponse:
    if not secret:
        # Our misconfiguration, not the sender's: 503 makes Stripe retry for days, so the
        # events arrive once the secret is set, and unsigned events are never accepted.
        logger.error("Refused a Stripe event on the %s endpoint: no signing secret", endpoint)
        return _error("This endpoint has no webhook signing secret configured.", status=503)
    try:
        stripe.WebhookSignature.verify_header(
            request.body,
            request.headers.get("Stripe-Signature"),
            secret,
            tolerance=SIGNATURE_TOLERANCE_SECONDS,
        )
        payload = json.loads(request.body)
    except stripe.SignatureVerificationError as error:
        logger.warning("Rejected a Stripe event on the %s endpoint: %s", endpoint, error)
        return _error(f"Invalid signature: {error.user_message}")
    except ValueError:
        return _error("The body is not a JSON Stripe event.")
    if not _is_event(payload):
        return _error("The body is not a Stripe event.")
    if endpoint == WebhookEvent.Endpoint.CONNECT and not payload.get("account"):
        return _error("A Connect event must name its connected `account`.")
    event, created = webhook_event_receive(payload=payload, endpoint=endpoint)
    if created:
        transaction.on_commit(lambda: process_event.delay(event.pk))
    return JsonResponse({"received": True})


def _is_event(payload: object) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("object") == "event"
        and all(isinstance(payload.get(key), str) for key in ("id", "type"))
        and isinstance(payload.get("created"), int)
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("object"), dict)
    )


def _error(message: str, *, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": {"type": "invalid_request_error", "message": message}}, status=status
    )
