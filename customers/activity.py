"""The customer's Activity list: who did which billing action and what Stripe told us.

Any app may record here (checkout links, invoices, the portal); imports stay one-way because
this module only knows customers and agencies.
"""

import logging

from django.contrib.auth.models import AbstractBaseUser

from customers.models import Activity, Customer
from webhooks.mirror import row_insert_unless_taken

logger = logging.getLogger(__name__)


def activity_record(
    *,
    customer: Customer,
    kind: str,
    message: str,
    actor: AbstractBaseUser | None = None,
    outcome: str = "done",
    stripe_event_id: str = "",
) -> Activity | None:
    """Add a line to the customer's Activity list.

    `kind` is a short slug ("plan_switched"), `message` what a person reads ("Switched to
    Yearly, $25,000.00 / year"), `actor` the member who acted (None for Stripe or the
    system), `outcome` done | failed | stripe. With `stripe_event_id` (a webhook's event) the
    line is recorded once per event and kind, however often the event is delivered: a repeat
    returns None."""
    line = Activity(
        agency_id=customer.agency_id,
        customer=customer,
        kind=kind,
        message=message[:500],
        actor=actor if actor is not None and actor.is_authenticated else None,
        outcome=outcome,
        stripe_event_id=stripe_event_id,
    )
    # One statement, no savepoint: a line this event recorded already is left alone.
    if not row_insert_unless_taken(line):
        logger.info("activity %s for event %s already recorded", kind, stripe_event_id)
        return None
    return line
