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
    # None when the event's `created` is not a time (the event is then ignored, see below).
    stripe_created = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    # The body exactly as Stripe sent it, kept only when PostgreSQL cannot store its JSON
    # (a NUL character, a lone surrogate): `payload` is then {} and the event ignored.
    raw_body = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    # When intake could not hand the event to the broker; the sweeper enqueues such an event
    # on its next run instead of waiting for it to become stale, and clears this.
    enqueue_failed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            # The queue a drain takes the oldest pending event from (see services).
            models.Index(
                fields=["id"],
                condition=models.Q(status="pending"),
                name="webhook_event_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type} ({self.status})"

    @property
    def data_object(self) -> dict:
        """The Stripe object the event carries (`data.object`), as Stripe sent it."""
        return self.payload["data"]["object"]
