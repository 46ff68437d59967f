from django.db import models

from agencies.models import Agency


class Plan(models.Model):
    """A custom plan: a Stripe Product on the agency's account with one Price per interval."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=99)
    description = models.CharField(max_length=499, blank=True)
    trial_days = models.PositiveIntegerField(default=0)
    stripe_product_id = models.CharField(max_length=255, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Set while an edit is between our rows and Stripe's (plans.services.plan_update): a
    # second edit of the plan meanwhile is refused instead of racing the first.
    edit_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    class Interval(models.TextChoices):
        MONTH = "month", "Monthly"
        YEAR = "year", "Yearly"
        ONE_TIME = "one_time", "One-time"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    interval = models.CharField(max_length=10, choices=Interval.choices)
    unit_amount = models.PositiveBigIntegerField()  # minor units
    currency = models.CharField(max_length=3)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["interval"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "interval"],
                condition=models.Q(active=True),
                name="one_active_price_per_interval",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.interval})"
