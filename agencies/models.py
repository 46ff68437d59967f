from django.conf import settings
from django.db import models

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

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    @property
    def can_bill(self) -> bool:
        return bool(self.stripe_account_id) and self.charges_enabled and not self.suspended


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
