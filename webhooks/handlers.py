"""What most handlers do with an event from a connected account."""

import time
from collections.abc import Callable
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agencies.models import Agency
from agencies.sync import agency_for_stripe_account
from webhooks.models import WebhookEvent

UNKNOWN_CUSTOMER = "customer {customer} is not a customer of agency {agency}"

# Every event of a connected account needs the account's agency, which seldom changes: each
# worker process keeps the agencies it found for this long instead of reading the agency
# again for every event (a disconnected account's events may still be applied meanwhile).
AGENCY_KEPT_SECONDS = 60
_agencies: dict[str, tuple[float, Agency]] = {}


def upsert_for_agency(
    event: WebhookEvent,
    upsert: Callable[..., object | None],
    *,
    unknown: str = UNKNOWN_CUSTOMER,
    then: Callable[[Agency, WebhookEvent, Any], None] | None = None,
) -> str | None:
    """Find the agency that owns `event.account` and call `upsert(agency=, data=, as_of=)` with
    the event's object and time, then `then(agency, event, row)` (what else the event means,
    e.g. an Activity line; `row` is what the upsert returned). Returns the reason to ignore
    the event, or None: no agency owns the account, or the upsert found nothing to mirror
    (`unknown`, formatted with the object's fields and `agency`, the agency's id)."""
    agency = _agency_for(event.account)
    if agency is None:
        return f"no agency has the Stripe account {event.account or '(platform)'}"
    data = event.data_object
    row = upsert(agency=agency, data=data, as_of=event.stripe_created)
    if row is None:
        return unknown.format_map({**data, "agency": agency.pk})
    if then is not None:
        then(agency, event, row)
    return None


def _agency_for(account: str) -> Agency | None:
    now = time.monotonic()
    kept = _agencies.get(account)
    if kept is not None and kept[0] > now:
        return kept[1]
    agency = agency_for_stripe_account(account)
    if agency is not None:
        _agencies[account] = (now + AGENCY_KEPT_SECONDS, agency)
    return agency


@receiver(post_save, sender=Agency)
@receiver(post_delete, sender=Agency)
def _forget_agencies(**kwargs: object) -> None:
    """An agency saved or deleted in this process is read again by the next event."""
    _agencies.clear()
