import secrets
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower

from agency_billing.errors import (
    AgencySuspendedCannotBillError,
    BillingError,
    StripeDisconnectedError,
    StripeNotConnectedError,
    StripeOnboardingIncompleteError,
)
from agency_billing.money import CURRENCY_CHOICES


class Agency(models.Model):
    """A tenant: one agency billing its own clients through its own Stripe account."""

    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="usd")
    suspended = models.BooleanField(default=False)
    # None means the platform's PLATFORM_FEE_PERCENT applies.
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    stripe_account_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # created time of the Stripe event (or read) the account fields reflect
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    # The owner disconnected Stripe: no new billing until they reconnect. The account id is
    # kept, so nothing in Stripe changes and reconnecting finds the same account.
    stripe_disconnected_at = models.DateTimeField(null=True, blank=True)

    # Settings the owner changes on the Settings page.
    time_zone = models.CharField(max_length=64, default="UTC")  # an IANA name
    brand_color = models.CharField(
        max_length=7,
        default="#635bff",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #635bff.")],
    )
    # Kept in the database, not on disk: every mode (make run, compose, tests) serves it the
    # same way, with no media server, and it is small (the Settings form caps its size).
    logo = models.BinaryField(blank=True, editable=True, default=b"")
    logo_content_type = models.CharField(max_length=100, blank=True)
    # None follows the platform's STRIPE_AUTOMATIC_TAX.
    stripe_tax_enabled = models.BooleanField(null=True, blank=True)
    default_days_until_due = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1)]
    )

    class TrialEndBehavior(models.TextChoices):
        # Stripe's trial_settings.end_behavior.missing_payment_method
        CANCEL = "cancel", "Cancel the subscription"
        PAUSE = "pause", "Pause the subscription"

    trial_end_behavior = models.CharField(
        max_length=10, choices=TrialEndBehavior.choices, default=TrialEndBehavior.CANCEL
    )
    # Billing Portal: whether clients may cancel (at period end) themselves, and the portal
    # configuration the product created on the connected account.
    portal_allow_cancel = models.BooleanField(default=False)
    billing_portal_configuration_id = models.CharField(max_length=255, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The agency's time zone; UTC if the stored name is unknown to this machine."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    @property
    def automatic_tax(self) -> bool:
        """Whether Stripe Tax applies to this agency's sessions and invoices."""
        if self.stripe_tax_enabled is None:
            return bool(settings.STRIPE_AUTOMATIC_TAX)
        return self.stripe_tax_enabled

    @property
    def platform_fee_percent(self) -> Decimal:
        """The platform's fee on this agency's payments, in percent."""
        if self.fee_percent is None:
            return Decimal(settings.PLATFORM_FEE_PERCENT)
        return self.fee_percent

    @property
    def billing_blocked_error(self) -> BillingError | None:
        """Why the agency cannot start new billing now (one reason, the first that applies),
        or None when it can."""
        if self.suspended:
            return AgencySuspendedCannotBillError()
        if self.stripe_disconnected_at is not None:
            return StripeDisconnectedError()
        if not self.stripe_account_id:
            return StripeNotConnectedError()
        if not self.charges_enabled:
            return StripeOnboardingIncompleteError()
        return None

    @property
    def billing_blocked_message(self) -> str:
        error = self.billing_blocked_error
        return error.message if error else ""

    @property
    def is_stripe_connected(self) -> bool:
        return bool(self.stripe_account_id) and self.stripe_disconnected_at is None

    @property
    def can_bill(self) -> bool:
        return self.billing_blocked_error is None


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"

    # One agency per person for now: the signed-in member's agency is never ambiguous.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.agency})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """The owner's invitation for someone to join the agency as an admin. Accepting it (the
    emailed link) creates their account; it works once."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=150)  # becomes the username (150 characters)
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "agency",
                Lower("email"),
                condition=models.Q(accepted_at=None),
                name="one_open_invitation_per_email_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.agency}"
