"""Stripe's two webhook endpoints: verify the signature, store the event, answer 200.

2xx exactly when the event is stored: a signed body is stored (marked ignored with the
reason when it cannot be applied) or refused with a 4xx and the reason; 503 when the
database cannot store it, so Stripe delivers it again."""

import json
import logging
import time

import stripe
from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_receive

logger = logging.getLogger(__name__)

# Stripe's own default: a signature older than this is a replay, not a delivery.
SIGNATURE_TOLERANCE_SECONDS = 300
# Clock skew allowed between Stripe and us for a signature's timestamp in the future.
SIGNATURE_FUTURE_SKEW_SECONDS = 60
# The longest Stripe event id we can store (and deduplicate on).
STRIPE_ID_MAX = WebhookEvent._meta.get_field("stripe_id").max_length


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
    header = request.headers.get("Stripe-Signature")
    try:
        stripe.WebhookSignature.verify_header(
            request.body, header, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        body = request.body.decode()
        payload = json.loads(body, parse_constant=_refuse_constant)
    except stripe.SignatureVerificationError as error:
        logger.warning("Rejected a Stripe event on the %s endpoint: %s", endpoint, error)
        return _error(f"Invalid signature: {error.user_message}")
    except (ValueError, RecursionError):
        return _error("The body is not a JSON Stripe event.")
    problem = _signed_in_future(header or "") or _not_an_event(payload, endpoint)
    if problem:
        return _error(problem)
    try:
        webhook_event_receive(payload=payload, endpoint=endpoint, body=body)
    except DatabaseError:
        # Not stored, so not 2xx: Stripe delivers it again later.
        logger.exception("Could not store Stripe event %s", payload["id"])
        return _error("The event could not be stored; deliver it again later.", status=503)
    return JsonResponse({"received": True})


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON (and jsonb refuses them); Stripe never sends them.
    raise ValueError(f"{name} is not JSON")


def _signed_in_future(header: str) -> str | None:
    """stripe-python refuses old signatures only; a timestamp ahead of our clock by more
    than the allowed skew is a forged or replayable signature."""
    times = [item[2:] for item in header.split(",") if item.startswith("t=")]
    if times and int(times[0]) > time.time() + SIGNATURE_FUTURE_SKEW_SECONDS:
        return (
            f"Invalid signature: its timestamp is more than {SIGNATURE_FUTURE_SKEW_SECONDS} "
            "seconds in the future."
        )
    return None


def _not_an_event(payload: object, endpoint: str) -> str | None:
    if not (
        isinstance(payload, dict)
        and payload.get("object") == "event"
        and all(isinstance(payload.get(key), str) for key in ("id", "type"))
        and type(payload.get("created")) is int
        and isinstance(payload.get("data"), dict)
        and isinstance(payload["data"].get("object"), dict)
    ):
        return "The body is not a Stripe event."
    if len(payload["id"]) > STRIPE_ID_MAX:
        return f"The event id is longer than {STRIPE_ID_MAX} characters."
    if endpoint == WebhookEvent.Endpoint.CONNECT and not payload.get("account"):
        return "A Connect event must name its connected `account`."
    return None


def _error(message: str, *, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": {"type": "invalid_request_error", "message": message}}, status=status
    )
