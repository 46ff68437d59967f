"""Mirror Stripe Checkout Sessions onto our CheckoutLinks.

A link's status only moves forward (pending → open → complete | expired): complete and
expired are final, so any delivery order and any number of repeats end in the same state.
Because the status cannot go backwards, a forward step is applied whenever it arrives, even
from an event dated earlier than the link's last read-back.
"""

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from agencies.models import Agency
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from checkout.models import CheckoutLink
from checkout.services import checkout_links_expire_open
from customers.sync import subscription_upsert
from webhooks.mirror import stripe_id_of, stripe_time

logger = logging.getLogger(__name__)

_STATUS_STEP = {
    CheckoutLink.Status.PENDING: 0,
    CheckoutLink.Status.OPEN: 1,
    CheckoutLink.Status.COMPLETE: 2,
    CheckoutLink.Status.EXPIRED: 2,
}


def checkout_link_upsert_from_session(
    *, agency: Agency, data: Mapping[str, Any], as_of: datetime
) -> CheckoutLink | None:
    """Copy a session's status, completion and subscription onto its link, found by session
    id or by our link id (`client_reference_id` or `metadata.checkout_link_id`). When the link
    has just completed, the customer's other open links are expired at Stripe (raises
    BillingError if Stripe refuses, so a webhook is retried). Returns None when the session is
    not one of the agency's links."""
    with transaction.atomic(savepoint=False):  # the row lock needs a transaction, no savepoint
        link = _link_for_session(agency, data)
        if link is None:
            return None
        was_complete = link.status == CheckoutLink.Status.COMPLETE
        _apply_session(link, data, as_of)
    if link.status == CheckoutLink.Status.COMPLETE and not was_complete:
        # The customer has a subscription now: close every other link before it is paid too.
        checkout_links_expire_open(customer=link.customer, keep=link)
    return link


def checkout_link_refresh(link: CheckoutLink) -> CheckoutLink:
    """Read the link's session back from Stripe, with its subscription and payment method, and
    mirror all three at once (the payer landed on the success URL: the page does not wait for
    the webhook, and the webhook later changes nothing). Raises BillingError if Stripe cannot
    be read."""
    if not (link.stripe_session_id and link.agency.stripe_account_id):
        return link
    with stripe_errors_as_billing_errors("read the checkout session"):
        session = stripe_client().v1.checkout.sessions.retrieve(
            link.stripe_session_id,
            {"expand": ["subscription", "subscription.default_payment_method"]},
            account_options(link.agency.stripe_account_id),
        )
    data, as_of = session.to_dict(), stripe_now()
    with transaction.atomic():
        if isinstance(data.get("subscription"), Mapping):
            subscription_upsert(agency=link.agency, data=data["subscription"], as_of=as_of)
        return checkout_link_upsert_from_session(agency=link.agency, data=data, as_of=as_of) or link


def _link_for_session(agency: Agency, data: Mapping[str, Any]) -> CheckoutLink | None:
    # The customer comes along (no lock on it): a completion closes the customer's other links.
    links = (
        CheckoutLink.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(agency=agency)
    )
    link = links.filter(stripe_session_id=data["id"]).first()
    if link is not None:
        return link
    reference = data.get("client_reference_id") or (data.get("metadata") or {}).get(
        "checkout_link_id"
    )
    try:
        link_id = uuid.UUID(str(reference))
    except ValueError:
        return None
    link = links.filter(pk=link_id).first()
    # A regenerated link has a newer session: the old session's events are not about it.
    if link is None or link.stripe_session_id not in (None, "", data["id"]):
        return None
    return link


def _apply_session(link: CheckoutLink, data: Mapping[str, Any], as_of: datetime) -> None:
    link.stripe_session_id = data["id"]
    status = data.get("status")
    if status in _STATUS_STEP and _STATUS_STEP[status] > _STATUS_STEP[link.status]:
        logger.info("Checkout link %s: %s → %s", link.pk, link.status, status)
        link.status = status
    if link.status == CheckoutLink.Status.COMPLETE:
        link.completed_at = link.completed_at or as_of
        link.stripe_subscription_id = (
            stripe_id_of(data.get("subscription")) or link.stripe_subscription_id
        )
    link.expires_at = stripe_time(data.get("expires_at")) or link.expires_at
    link.stripe_synced_at = max(filter(None, (link.stripe_synced_at, as_of)))
    link.save()
