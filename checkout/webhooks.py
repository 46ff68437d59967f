"""Stripe events about the Checkout Sessions behind our checkout links."""

from agencies.models import Agency
from checkout.payment_method import payment_method_set_from_session
from checkout.sync import checkout_link_upsert_from_session
from webhooks.handlers import upsert_for_agency
from webhooks.models import WebhookEvent
from webhooks.registry import handles


@handles(
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
)
def checkout_session_changed(event: WebhookEvent) -> str | None:
    return upsert_for_agency(
        event,
        checkout_link_upsert_from_session,
        unknown="session {id} is not one of agency {agency}'s checkout links",
        then=_card_from_setup_session,
    )


def _card_from_setup_session(agency: Agency, event: WebhookEvent, link: object) -> None:
    """Add Payment Method: the saved card becomes the subscription's default."""
    payment_method_set_from_session(agency=agency, data=event.data_object)
