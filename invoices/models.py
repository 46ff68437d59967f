from django.db import models

from agencies.models import Agency
from customers.models import Customer


class Invoice(models.Model):
    """Mirror of a Stripe Invoice on the agency's account."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        PAID = "paid"
        UNCOLLECTIBLE = "uncollectible"
        VOID = "void"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invoices")
    stripe_id = models.CharField(max_length=255, unique=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    number = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    currency = models.CharField(max_length=3)
    total = models.BigIntegerField(default=0)
    amount_due = models.BigIntegerField(default=0)
    amount_paid = models.BigIntegerField(default=0)
    amount_remaining = models.BigIntegerField(default=0)
    hosted_invoice_url = models.URLField(max_length=2000, blank=True)
    invoice_pdf = models.URLField(max_length=2000, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    last_payment_error = models.CharField(max_length=500, blank=True)
    stripe_created = models.DateTimeField()
    stripe_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-stripe_created"]
        indexes = [models.Index(fields=["agency", "status", "stripe_created"])]

    def __str__(self) -> str:
        return f"{self.number or self.stripe_id} ({self.status})"
