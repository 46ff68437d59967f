"""What most handlers do with an event from a connected account."""

from collections.abc import Callable

from agencies.sync import agency_for_stripe_account
from webhooks.models import WebhookEvent

UNKNOWN_CUSTOMER = "customer {customer} is not a customer of agency {agency}"


def upsert_for_agency(
    event: WebhookEvent, upsert: Callable[..., object | None], *, unknown: str = UNKNOWN_CUSTOMER
) -> str | None:
    """Find the agency that owns `event.account` and call `upsert(agency=, data=, as_of=)` with
    the event's object and time. Returns the reason to ignore the event, or None: no agency
    owns the account, or the upsert found nothing to mirror (`unknown`, formatted with the
    object's fields and `agency`, the agency's id)."""
    agency = agency_for_stripe_account(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    data = event.data_object
    if upsert(agency=agency, data=data, as_of=event.stripe_created) is None:
        return unknown.format_map({**data, "agency": agency.pk})
    return None
