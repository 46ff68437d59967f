import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from customers.models import Customer
from plans.models import Price


def new_pay_link_token() -> str:
    # 32 random bytes: unguessable, and the only thing a payer needs to open the link.
    return secrets.token_urlsafe(32)


class PayLink(models.Model):
    """An evergreen pay link on our own domain, `/pay/<token>/`, for one customer and one
    price. It never expires unless staff revoke it: each open reuses the link's live Checkout
    Session or makes a fresh one, so staff can send it instead of a 24-hour Stripe URL."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="pay_links")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="pay_links")
    price = models.ForeignKey(Price, on_delete=models.PROTECT, related_name="pay_links")
    token = models.CharField(max_length=64, unique=True, default=new_pay_link_token)
    revoked_at = models.DateTimeField(null=True, blank=True)
    first_opened_at = models.DateTimeField(null=True, blank=True)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.TextField(blank=True)  # the billing contacts' addresses, comma-separated
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "price"],
                condition=models.Q(revoked_at=None),
                name="one_live_pay_link_per_customer_price",
            )
        ]

    def __str__(self) -> str:
        return f"pay link for {self.customer} ({self.price})"

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{reverse('pay_link', args=[self.token])}"


class CheckoutLink(models.Model):
    """A Stripe Checkout Session we made for a customer. Our row is written first (pending) and
    its id is the idempotency key of the Stripe call, so a retry or a double click makes one
    session."""

    class Mode(models.TextChoices):
        SUBSCRIPTION = "subscription"
        SETUP = "setup"
        PAYMENT = "payment"

    class Status(models.TextChoices):
        PENDING = "pending"  # our row exists, the Stripe session not yet
        OPEN = "open"
        COMPLETE = "complete"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="checkout_links")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="checkout_links")
    price = models.ForeignKey(
        Price, on_delete=models.PROTECT, null=True, blank=True, related_name="checkout_links"
    )
    mode = models.CharField(max_length=20, choices=Mode.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    # the evergreen link whose open made this session, if any
    pay_link = models.ForeignKey(
        PayLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.TextField(blank=True)  # the billing contacts' addresses, comma-separated
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mode} link for {self.customer} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"checkoutlink-{self.id}"

    @property
    def state(self) -> str:
        """What staff see: pending, open, paid or expired (also once its time has passed, before
        Stripe's event says so)."""
        if self.status == self.Status.COMPLETE:
            return "paid"
        if self.status == self.Status.EXPIRED or (
            self.status == self.Status.OPEN
            and self.expires_at
            and self.expires_at <= timezone.now()
        ):
            return "expired"
        return self.status
