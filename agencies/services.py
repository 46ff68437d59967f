"""Agencies: sign-up and Stripe Connect onboarding."""

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Membership
from agencies.signals import portal_settings_changed
from agencies.sync import agency_account_refresh
from agency_billing.stripe_client import stripe_client, stripe_errors_as_billing_errors


@transaction.atomic
def agency_signup(*, agency_name: str, email: str, password: str, currency: str) -> Membership:
    """Create a person, their agency and their owner membership, together or not at all."""
    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    agency = Agency.objects.create(name=agency_name, currency=currency)
    return Membership.objects.create(user=user, agency=agency, role=Membership.Role.OWNER)


def agency_stripe_disconnect(*, agency: Agency) -> None:
    """Disconnect Stripe: new billing stops (links, plans, invoices); nothing in Stripe changes,
    so existing subscriptions keep charging into the agency's account and their webhooks keep
    the mirror current. The account id is kept for reconnecting."""
    Agency.objects.filter(pk=agency.pk, stripe_disconnected_at=None).update(
        stripe_disconnected_at=timezone.now()
    )
    agency.refresh_from_db(fields=["stripe_disconnected_at"])


def agency_stripe_reconnect(*, agency: Agency) -> Agency:
    """Undo a disconnect and read the account back, so billing resumes if Stripe still has
    charges enabled. Raises BillingError if Stripe cannot be read."""
    Agency.objects.filter(pk=agency.pk).update(stripe_disconnected_at=None)
    agency.stripe_disconnected_at = None
    return agency_account_refresh(agency)


def agency_connect_account_ensure(*, agency: Agency, owner_email: str) -> str:
    """The agency's connected account id, creating the account on first use.

    The idempotency key is derived from the agency, so a retry after a lost response finds
    the same account instead of making a second one."""
    if agency.stripe_account_id:
        return agency.stripe_account_id
    with stripe_errors_as_billing_errors("create your Stripe account"):
        account = stripe_client().v1.accounts.create(
            {
                "controller": {
                    "fees": {"payer": "account"},
                    "losses": {"payments": "stripe"},
                    "requirement_collection": "stripe",
                    "stripe_dashboard": {"type": "full"},
                },
                "business_profile": {"name": agency.name},
                "email": owner_email,
                "metadata": {"agency_id": str(agency.pk)},
            },
            {"idempotency_key": f"agency-{agency.pk}-account"},
        )
    Agency.objects.filter(pk=agency.pk).update(stripe_account_id=account.id)
    agency.stripe_account_id = account.id
    return account.id


def agency_onboarding_link(
    *, agency: Agency, owner_email: str, return_url: str, refresh_url: str
) -> str:
    """A fresh single-use Stripe onboarding URL for the agency's connected account."""
    account_id = agency_connect_account_ensure(agency=agency, owner_email=owner_email)
    with stripe_errors_as_billing_errors("start Stripe onboarding"):
        link = stripe_client().v1.account_links.create(
            {
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            },
            # A platform call naming the account. Each link is single use, so the key only
            # makes the SDK's own network retries safe.
            {"idempotency_key": f"accountlink-{uuid.uuid4()}"},
        )
    return link.url


@transaction.atomic
def agency_settings_update(
    *,
    agency: Agency,
    name: str,
    brand_color: str,
    currency: str,
    time_zone: str,
    stripe_tax_enabled: bool | None,
    default_days_until_due: int,
    trial_end_behavior: str = "cancel",
    portal_allow_cancel: bool = False,
    logo: tuple[bytes, str] | None = None,
    remove_logo: bool = False,
) -> Agency:
    """Save the owner's settings. The currency stays as it is once the agency has a plan
    (its Stripe prices are in that currency), whatever the caller passes. A change to
    whether portal clients may cancel is sent to Stripe (the `portal_settings_changed`
    receivers) inside the same transaction: if Stripe refuses, nothing is saved."""
    agency = Agency.objects.select_for_update(no_key=True).get(pk=agency.pk)
    agency.name = name
    agency.brand_color = brand_color.lower()
    if not agency.plans.exists():  # type: ignore[attr-defined]
        agency.currency = currency
    agency.time_zone = time_zone
    agency.stripe_tax_enabled = stripe_tax_enabled
    agency.default_days_until_due = default_days_until_due
    agency.trial_end_behavior = trial_end_behavior
    portal_changed = agency.portal_allow_cancel != portal_allow_cancel
    agency.portal_allow_cancel = portal_allow_cancel
    if logo is not None:
        agency.logo, agency.logo_content_type = logo
    elif remove_logo:
        agency.logo, agency.logo_content_type = b"", ""
    agency.save()
    if portal_changed:
        portal_settings_changed.send(sender=Agency, agency=agency)
    return agency
