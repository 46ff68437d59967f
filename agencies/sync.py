"""Mirror an agency's connected Stripe account (charges, payouts, requirements)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agencies.models import Agency
from agency_billing.stripe_client import (
    stripe_client,
    stripe_errors_as_billing_errors,
    stripe_now,
)
from webhooks.mirror import mirror_upsert


def agency_for_stripe_account(stripe_account_id: str) -> Agency | None:
    """The agency that owns the connected account, or None (also for a platform event)."""
    if not stripe_account_id:
        return None
    return Agency.objects.filter(stripe_account_id=stripe_account_id).first()


def agency_account_upsert(*, data: Mapping[str, Any], as_of: datetime) -> Agency | None:
    """Copy a Stripe Account's state onto the agency that owns it. Returns None when no agency
    owns the account; data older than what the agency reflects changes nothing."""
    requirements = data.get("requirements") or {}
    fields = {
        "charges_enabled": bool(data.get("charges_enabled")),
        "payouts_enabled": bool(data.get("payouts_enabled")),
        "details_submitted": bool(data.get("details_submitted")),
        "requirements_due": list(requirements.get("currently_due") or []),
        "disabled_reason": requirements.get("disabled_reason") or "",
    }
    return mirror_upsert(
        Agency.objects.all(),
        lookup={"stripe_account_id": data["id"]},
        fields=fields,
        as_of=as_of,
        read_back=lambda: _account_read_back(data["id"]),
        create=False,
    )


def agency_account_refresh(agency: Agency) -> Agency:
    """Read the agency's account from Stripe and mirror it (e.g. when the owner returns from
    onboarding). Raises BillingError if Stripe cannot be read."""
    with stripe_errors_as_billing_errors("read your Stripe account"):
        return _account_read_back(agency.stripe_account_id or "") or agency


def _account_read_back(stripe_account_id: str) -> Agency | None:
    account = stripe_client().v1.accounts.retrieve(stripe_account_id)
    return agency_account_upsert(data=account.to_dict(), as_of=stripe_now())
