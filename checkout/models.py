import uuid

from django.db import models

from agencies.models import Agency
from customers.models import Customer
from plans.models import Price


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
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mode} link for {self.customer} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"checkoutlink-{self.id}"
