"""The sandbox's own tables: one row per Stripe object, event, idempotency key, plus the clock.

Objects are stored as the JSON Stripe would return (`data`); state Stripe never shows (what a
checkout session will create, an account link's return URL) lives in `private`.
"""

from django.db import models


class SandboxObject(models.Model):
    """A Stripe object owned by `account` ("" for the platform itself)."""

    id = models.CharField(primary_key=True, max_length=255)
    object = models.CharField(max_length=64)
    account = models.CharField(max_length=255, blank=True, default="")
    data = models.JSONField()
    private = models.JSONField(default=dict, blank=True)
    created = models.BigIntegerField()
    # Breaks ties between objects created in the same second, so lists keep creation order.
    inserted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "object", "created", "inserted_at"])]

    def __str__(self) -> str:
        return f"{self.object} {self.id}"


class SandboxIdempotencyKey(models.Model):
    """The first successful response to an `Idempotency-Key`, replayed to later requests."""

    account = models.CharField(max_length=255, blank=True, default="")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="sandbox_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account or 'platform'} {self.key}"


class SandboxEvent(models.Model):
    """An event as Stripe would list it, with our delivery attempts to the webhook endpoints."""

    class Delivery(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed"
        SKIPPED = "skipped"

    sequence = models.BigAutoField(primary_key=True)
    stripe_id = models.CharField(max_length=255, unique=True)
    account = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=128)
    data = models.JSONField()
    created = models.BigIntegerField()
    delivery_status = models.CharField(
        max_length=16, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"


class SandboxClock(models.Model):
    """The sandbox's notion of now: real time plus `offset_seconds` (moved by a test clock)."""

    offset_seconds = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"now + {self.offset_seconds}s"


class OutboxEmail(models.Model):
    """An email the product sent in sandbox mode, kept for /sandbox/outbox/ instead of mailed."""

    from_email = models.CharField(max_length=500)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)  # RFC 5322's line limit
    text = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
