from django.db import models


class WebhookEvent(models.Model):
    """Every Stripe event we received, stored before we answer 2xx. Never deleted."""

    class Endpoint(models.TextChoices):
        PLATFORM = "platform"
        CONNECT = "connect"

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSED = "processed"
        FAILED = "failed"
        IGNORED = "ignored"

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=10, choices=Endpoint.choices)
    account = models.CharField(max_length=255, blank=True)
    livemode = models.BooleanField(default=False)
    api_version = models.CharField(max_length=50, blank=True)
    stripe_created = models.DateTimeField()
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type} ({self.status})"

    @property
    def data_object(self) -> dict:
        """The Stripe object the event carries (`data.object`), as Stripe sent it."""
        return self.payload["data"]["object"]
