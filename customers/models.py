from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from agencies.models import Agency
from plans.models import Plan


class Customer(models.Model):
    """One of the agency's clients. The Stripe Customer is created on the agency's account
    the first time we bill them."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    company = models.CharField(max_length=200, blank=True)
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="customers"
    )
    email_login_credentials = models.BooleanField(default=False)
    stripe_customer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Manage Customers pages through an agency's customers by name.
        indexes = [models.Index(fields=["agency", "name"])]
        constraints = [
            models.UniqueConstraint(
                "agency", Lower("email"), name="one_customer_per_email_per_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class PaymentMethod(models.Model):
    """Mirror of a Stripe PaymentMethod: brand and last 4 digits, never card data."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payment_methods")
    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=50, default="card")
    brand = models.CharField(max_length=50, blank=True)
    last4 = models.CharField(max_length=4, blank=True)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    detached = models.BooleanField(default=False)
    stripe_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.brand} •••• {self.last4}"


class Subscription(models.Model):
    """Mirror of a Stripe Subscription on the agency's account."""

    class Status(models.TextChoices):
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        UNPAID = "unpaid"
        CANCELED = "canceled"
        INCOMPLETE = "incomplete"
        INCOMPLETE_EXPIRED = "incomplete_expired"
        PAUSED = "paused"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="subscriptions")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    stripe_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    stripe_price_id = models.CharField(max_length=255, blank=True)
    stripe_item_id = models.CharField(max_length=255, blank=True)
    unit_amount = models.PositiveBigIntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    currency = models.CharField(max_length=3, blank=True)
    interval = models.CharField(max_length=10, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    collection_paused = models.BooleanField(default=False)
    # pause_collection: keep_as_draft | mark_uncollectible | void, and when it ends (if set)
    pause_behavior = models.CharField(max_length=20, blank=True)
    pause_resumes_at = models.DateTimeField(null=True, blank=True)
    cancel_at = models.DateTimeField(null=True, blank=True)
    # trial_settings.end_behavior.missing_payment_method: cancel | pause | create_invoice
    trial_end_behavior = models.CharField(max_length=20, blank=True)
    # The latest failed collection (from invoice.payment_failed): Stripe's message and retry.
    last_payment_error = models.CharField(max_length=500, blank=True)
    next_payment_attempt = models.DateTimeField(null=True, blank=True)
    default_payment_method = models.ForeignKey(
        PaymentMethod, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # created time of the Stripe event (or read-back) this row reflects; older events are ignored
    stripe_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status not in (self.Status.CANCELED, self.Status.INCOMPLETE_EXPIRED)

    @property
    def is_canceling(self) -> bool:
        return self.is_live and (self.cancel_at_period_end or self.cancel_at is not None)


class MrrMovement(models.Model):
    """How one subscription event (created, updated, deleted) moved the subscription's MRR:
    its monthly value just before and just after the change, both read from the event itself
    (`data.previous_attributes`), so events in any order add up. One row per event that
    moved the MRR, however often it is delivered. Write through
    `customers.mrr.mrr_movement_record`."""

    class Kind(models.TextChoices):
        NEW = "new"  # started counting for the first time: created active, or a trial converted
        EXPANSION = "expansion"
        CONTRACTION = "contraction"
        CHURN = "churn"  # stopped counting: ended, paused collection, unpaid
        REACTIVATION = "reactivation"  # counts again after it had stopped

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="mrr_movements"
    )
    stripe_event_id = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    mrr_before = models.BigIntegerField()
    mrr_after = models.BigIntegerField()
    occurred_at = models.DateTimeField()  # the event's `created`

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["agency", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.mrr_after - self.mrr_before} {self.currency}"

    @property
    def amount(self) -> int:
        return self.mrr_after - self.mrr_before


class Activity(models.Model):
    """One line of a customer's Activity list: a billing action someone took (and how it
    ended), or something Stripe told us about the customer's billing (from a webhook).

    Write through `customers.activity.activity_record`; read through
    `customers.selectors.customer_activity`."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Sent to Stripe"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        STRIPE = "stripe", "From Stripe"

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activities")
    # A short slug for what happened: "plan_switched", "payment_failed", "link_sent", …
    kind = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.DONE)
    # Who did it; None when Stripe or the system did.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The webhook event it came from: a redelivered event records nothing twice.
    stripe_event_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["customer", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_event_id", "kind"],
                condition=~models.Q(stripe_event_id=""),
                name="one_activity_per_event_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class Contact(models.Model):
    """A person at the client who may log in to the portal. `billing` contacts receive
    invoices and pay links, pay and manage cards; `viewer` contacts only look. One email may
    be a contact of several customers, even of several agencies."""

    class Role(models.TextChoices):
        BILLING = "billing", "Billing"
        VIEWER = "viewer", "Viewer"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.BILLING)
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "customer", Lower("email"), name="one_contact_per_email_per_customer"
            )
        ]
        # The portal login finds every contact of an email, across agencies.
        indexes = [models.Index(Lower("email"), name="contact_email_lower")]

    def __str__(self) -> str:
        return f"{self.name or self.email} ({self.role} of {self.customer_id})"

    @property
    def can_pay(self) -> bool:
        return self.role == self.Role.BILLING
