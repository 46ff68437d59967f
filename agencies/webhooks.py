"""Stripe events about the agencies' connected accounts."""

from agencies.sync import agency_account_upsert
from webhooks.models import WebhookEvent
from webhooks.registry import handles


@handles("account.updated")
def account_updated(event: WebhookEvent) -> str | None:
    account = event.data_object
    if agency_account_upsert(data=account, as_of=event.stripe_created) is None:
        return f"no agency has the Stripe account {account.get('id')}"
    return None
