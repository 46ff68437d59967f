"""A stand-in for our webhook endpoints, so delivery is tested without the webhooks app."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

RECEIVED: list[tuple[str, bytes, str]] = []


@csrf_exempt
def record(request: HttpRequest) -> HttpResponse:
    RECEIVED.append((request.path, request.body, request.headers.get("Stripe-Signature", "")))
    return HttpResponse(status=200)


urlpatterns = [
    path("webhooks/stripe/", record),
    path("webhooks/stripe/connect/", record),
    path("sandbox/", include("stripe_sandbox.urls")),
]
