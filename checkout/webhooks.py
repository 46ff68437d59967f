"""Stripe events about the Checkout Sessions behind our checkout links."""

from agencies.sync import agency_for_stripe_account
from checkout.sync import checkout_link_upsert_from_session
from webhooks.models import WebhookEvent
from webhooks.registry import handles


@handles(
    "checkout.session.completed",
    "checkout.session.expired",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
)
def checkout_session_changed(event: WebhookEvent) -> str | None:
    agency = agency_for_stripe_account(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    session = event.data_object
    link = checkout_link_upsert_from_session(
        agency=agency, data=session, as_of=event.stripe_created
    )
    if link is None:
        return f"session {session['id']} is not one of agency {agency.pk}'s checkout links"
    return None
