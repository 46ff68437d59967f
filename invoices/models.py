import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils import timezone

from agencies.models import Agency
from customers.models import Customer
from plans.models import Price


class Invoice(models.Model):
    """Mirror of a Stripe Invoice on the agency's account, with the card payment that paid
    it (the Charge: its fees and refunded amount)."""

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
    description = models.CharField(max_length=500, blank=True)
    collection_method = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    currency = models.CharField(max_length=3)
    subtotal = models.BigIntegerField(default=0)
    tax = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    amount_due = models.BigIntegerField(default=0)
    amount_paid = models.BigIntegerField(default=0)
    amount_remaining = models.BigIntegerField(default=0)
    # The platform's application fee: known from our one-off request before payment, then
    # from the charge. Stripe's processing fee comes from the charge's balance transaction.
    platform_fee = models.BigIntegerField(null=True, blank=True)
    # What the platform gave back of its application fee (application_fee.refunded); it only
    # grows. The platform's cut of this invoice is platform_fee − platform_fee_refunded.
    platform_fee_refunded = models.BigIntegerField(default=0)
    stripe_application_fee_id = models.CharField(max_length=255, blank=True)
    stripe_fee = models.BigIntegerField(null=True, blank=True)
    amount_refunded = models.BigIntegerField(default=0)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    card_brand = models.CharField(max_length=50, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    hosted_invoice_url = models.URLField(max_length=2000, blank=True)
    invoice_pdf = models.URLField(max_length=2000, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    last_payment_error = models.CharField(max_length=500, blank=True)
    stripe_created = models.DateTimeField()
    stripe_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-stripe_created"]
        indexes = [
            models.Index(fields=["agency", "status", "stripe_created"]),
            models.Index(fields=["agency", "stripe_created"]),
            models.Index(fields=["customer", "stripe_created"]),
            models.Index(fields=["customer", "paid_at"]),
            # The overdue filter and today's part of the overdue total: unpaid rows only.
            models.Index(
                fields=["agency", "stripe_created"],
                condition=models.Q(status__in=["open", "uncollectible"]),
                name="invoice_unpaid_created",
            ),
            models.Index(
                fields=["agency", "due_date"],
                condition=models.Q(status__in=["open", "uncollectible"]),
                name="invoice_unpaid_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.stripe_id} ({self.status})"

    @property
    def is_overdue(self) -> bool:
        """Open (or uncollectible) past its due date."""
        unpaid = self.status in (self.Status.OPEN, self.Status.UNCOLLECTIBLE)
        return unpaid and self.due_date is not None and self.due_date < timezone.now()

    @property
    def payable(self) -> bool:
        """The client can still pay it on Stripe's hosted invoice page ("Pay now")."""
        unpaid = self.status in (self.Status.OPEN, self.Status.UNCOLLECTIBLE)
        return unpaid and self.amount_remaining > 0 and bool(self.hosted_invoice_url)

    @property
    def platform_fee_kept(self) -> int | None:
        """The platform's cut, after what it gave back."""
        if self.platform_fee is None:
            return None
        return self.platform_fee - self.platform_fee_refunded

    @property
    def refundable(self) -> int:
        """What may still be refunded: paid by card, less what has been refunded."""
        if self.status != self.Status.PAID or not self.stripe_charge_id:
            return 0
        return self.amount_paid - self.amount_refunded


class Refund(models.Model):
    """A refund of an invoice's charge, made here (our row first) or in Stripe's dashboard.
    Linked to the invoice once both are known, whatever order Stripe's events come in."""

    class Status(models.TextChoices):
        PENDING = "pending"  # our row; Stripe has not answered yet
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELED = "canceled"
        REQUIRES_ACTION = "requires_action"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="refunds")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="refunds"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="refunds"
    )
    stripe_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_charge_id = models.CharField(max_length=255, db_index=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stripe_created = models.DateTimeField()
    stripe_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-stripe_created"]
        indexes = [models.Index(fields=["customer", "stripe_created"])]

    def __str__(self) -> str:
        return f"refund {self.stripe_id or self.pk} of {self.amount} {self.currency}"

    @property
    def idempotency_key(self) -> str:
        return f"refund-{self.id}"


class Dispute(models.Model):
    """A cardholder's dispute of an invoice's charge (charge.dispute.*)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="disputes")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, null=True, blank=True, related_name="disputes"
    )
    stripe_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, db_index=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=40)
    reason = models.CharField(max_length=60, blank=True)
    # Stripe's dispute fee, from the dispute's balance transactions.
    fee = models.BigIntegerField(default=0)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    stripe_created = models.DateTimeField()
    stripe_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-stripe_created"]
        indexes = [models.Index(fields=["customer", "stripe_created"])]

    def __str__(self) -> str:
        return f"dispute {self.stripe_id} ({self.status})"

    @property
    def lost(self) -> bool:
        return self.status == "lost"


class ProjectCharge(models.Model):
    """A "Charge for project" request: our row, written before any Stripe call. Its id comes
    from the form (a double click posts the same id) and derives every idempotency key, so one
    request makes one Stripe invoice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="project_charges")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="project_charges")
    description = models.CharField(max_length=500)
    price = models.ForeignKey(
        Price, on_delete=models.PROTECT, null=True, blank=True, related_name="project_charges"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    platform_fee = models.BigIntegerField()
    days_until_due = models.PositiveSmallIntegerField()
    stripe_invoice_id = models.CharField(max_length=255, blank=True)
    invoice = models.OneToOneField(
        Invoice, on_delete=models.SET_NULL, null=True, blank=True, related_name="project_charge"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.description} for {self.customer}"

    def idempotency_key(self, step: str) -> str:
        return f"projectcharge-{self.id}-{step}"


class RevenueFigures(models.Model):
    """The revenue columns a client's or an agency's month (or running total) carries, in
    minor units of the row's currency."""

    payments = models.BigIntegerField(default=0)
    gross = models.BigIntegerField(default=0)
    refunds = models.BigIntegerField(default=0)
    disputes_lost = models.BigIntegerField(default=0)
    platform_fees = models.BigIntegerField(default=0)
    stripe_fees = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def net(self) -> int:
        return (
            self.gross - self.refunds - self.disputes_lost - self.platform_fees - self.stripe_fees
        )


class InvoiceAmounts(models.Model):
    """How many invoices a kept total counts and their amounts, in minor units."""

    invoices = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    amount_paid = models.BigIntegerField(default=0)
    amount_remaining = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class RevenueMonth(RevenueFigures):
    """What one client brought the agency in one month and currency, kept up to date by the
    mirror (recomputed from the rows whenever one of them changes), so the revenue dashboard
    reads a few hundred rows, not every invoice."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    month = models.DateField()  # the first day of the month, UTC
    payments = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "customer", "currency", "month"], name="revenue_month_unique"
            )
        ]
        indexes = [models.Index(fields=["agency", "month"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.currency}"


class AgencyRevenueMonth(RevenueFigures):
    """The agency's figures for one month and currency: the sum of its clients'
    `RevenueMonth` rows, kept equal to that sum by a PostgreSQL trigger on RevenueMonth
    (migration 0003), whatever writes it. The revenue dashboard's months and totals read
    these, at most one row per month and currency."""

    # Deleted with the agency by the database (ON DELETE CASCADE, migration 0004): the
    # trigger writes here while Django deletes the agency's rows, so Django must not.
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    currency = models.CharField(max_length=3)
    month = models.DateField()  # the first day of the month, UTC

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "currency"], name="agency_revenue_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m} {self.currency}"


class InvoiceTotal(InvoiceAmounts):
    """How many invoices the agency has in one currency and status, and their amounts: kept
    equal to the sums over its Invoice rows by a PostgreSQL trigger on Invoice (migration
    0003), whatever writes them. The Invoices page's totals read these, not the invoices."""

    # Deleted with the agency by the database (ON DELETE CASCADE, migration 0004): the
    # trigger writes here while Django deletes the agency's rows, so Django must not.
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "currency", "status"], name="invoice_total_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.currency} {self.status}"


class InvoiceDueDay(InvoiceAmounts):
    """The agency's unpaid (open or uncollectible) invoices with a due date, per currency,
    status and due day (UTC): kept by the same trigger as `InvoiceTotal`. What is overdue now
    is every day before today plus today's invoices already past their due time."""

    # Deleted with the agency by the database (ON DELETE CASCADE, migration 0004): the
    # trigger writes here while Django deletes the agency's rows, so Django must not.
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    due_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "due_day", "currency", "status"], name="invoice_due_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.due_day} {self.currency} {self.status}"


class RevenueToDate(RevenueFigures):
    """A client's figures in one currency from their first payment through each month of
    `months` (a run of months in which nothing changed): running totals of RevenueMonth,
    kept by a PostgreSQL trigger on it (migration 0005). A client's figures for any period
    are the row holding its last month less the row holding the month before it, so the
    revenue page ranks clients reading two rows per client whatever the period's length."""

    # Both deleted by the database (ON DELETE CASCADE): the trigger writes here while
    # Django deletes a client's or agency's RevenueMonth rows.
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.DO_NOTHING, related_name="+")
    currency = models.CharField(max_length=3)
    months = DateRangeField()  # [first day of a month, first day of a later month or open)

    class Meta:
        constraints = [
            ExclusionConstraint(
                name="revenue_to_date_no_overlap",
                expressions=[
                    ("customer", RangeOperators.EQUAL),
                    ("currency", RangeOperators.EQUAL),
                    ("months", RangeOperators.OVERLAPS),
                ],
            )
        ]
        # Holds every column the revenue page reads: an index-only scan, no table reads.
        indexes = [
            GistIndex(
                fields=["agency", "months"],
                include=["customer", "currency", "payments", "gross", "refunds"]
                + ["disputes_lost", "platform_fees", "stripe_fees"],
                name="revenue_to_date_agency_all",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency} {self.months}"
