"""Reads of the invoice mirror shared by Manage Customer, the Invoices page, the revenue
dashboard and the client portal. Every function is scoped by the agency or the customer it is
given; none calls Stripe.

For the client portal: `client_invoices(customer)` (what the client may see, newest first,
each with `overdue`), `client_invoice(customer, id)` (one of them, or None) and
`client_outstanding(customer)` (the overview's unpaid invoices and total due): a fixed number
of queries whatever the number of invoices.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from agencies.models import Agency
from customers.models import Customer
from invoices.models import Dispute, Invoice, InvoiceDueDay, InvoiceTotal, Refund

UNPAID = (Invoice.Status.OPEN, Invoice.Status.UNCOLLECTIBLE)


def _with_payments(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.prefetch_related(
        Prefetch("refunds", queryset=Refund.objects.order_by("-stripe_created")),
        Prefetch("disputes", queryset=Dispute.objects.order_by("-stripe_created")),
    )


def invoices_for_customer(customer: Customer) -> QuerySet[Invoice]:
    """Every invoice of the customer (subscription and one-off), newest first, with its refunds
    and disputes: three queries however many there are."""
    return _with_payments(customer.invoices.order_by("-stripe_created", "-pk"))


def outstanding_invoices_for_customer(customer: Customer) -> QuerySet[Invoice]:
    """Invoices the customer can still pay, oldest due first."""
    return customer.invoices.filter(status__in=UNPAID, amount_remaining__gt=0).order_by(
        "due_date", "stripe_created"
    )


def invoice_for_agency(agency: Agency, invoice_id: int) -> Invoice | None:
    """One invoice of the agency (None for another agency's), with its customer."""
    return agency.invoices.select_related("customer").filter(pk=invoice_id).first()


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    overdue: bool = False
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def agency_invoices(agency: Agency, filters: InvoiceFilters) -> QuerySet[Invoice]:
    """The agency's invoices matching `filters` (by the invoice's date), newest first."""
    invoices = agency.invoices.select_related("customer")
    if filters.overdue:
        invoices = invoices.filter(status__in=UNPAID, due_date__lt=timezone.now())
    elif filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.customer_id:
        invoices = invoices.filter(customer_id=filters.customer_id)
    if filters.date_from:
        invoices = invoices.filter(stripe_created__gte=_start_of(filters.date_from))
    if filters.date_to:
        invoices = invoices.filter(
            stripe_created__lt=_start_of(filters.date_to) + timedelta(days=1)
        )
    return invoices.order_by("-stripe_created", "-pk")


@dataclass(frozen=True)
class InvoicePage:
    """One page of invoices, newest first, and the cursors of the pages beside it (None at
    either end): keyset pagination, so page 20,000 costs what page 1 costs and nothing
    counts the invoices."""

    invoices: list[Invoice]
    newer: str | None
    older: str | None


def invoice_page(
    invoices: QuerySet[Invoice], *, older_than: str = "", newer_than: str = "", size: int
) -> InvoicePage:
    """The `size` invoices of `invoices` (ordered newest first, as agency_invoices orders
    them) just older than the cursor `older_than`, just newer than `newer_than`, or the
    newest (also when nothing is newer than `newer_than`). A cursor that is not one of ours
    reads as none. One query, two when nothing is newer."""
    newer_key, older_key = _cursor_key(newer_than), _cursor_key(older_than)
    if newer_key:
        created, pk = newer_key
        rows = list(
            invoices.filter(
                Q(stripe_created__gt=created) | Q(stripe_created=created, pk__gt=pk),
                stripe_created__gte=created,
            ).order_by("stripe_created", "pk")[: size + 1]
        )
        shown = rows[:size][::-1]
        if shown:
            more_newer = len(rows) > size
            return InvoicePage(
                shown, newer=_cursor(shown[0]) if more_newer else None, older=_cursor(shown[-1])
            )
        older_key = None
    if older_key:
        created, pk = older_key
        invoices = invoices.filter(
            Q(stripe_created__lt=created) | Q(stripe_created=created, pk__lt=pk),
            stripe_created__lte=created,
        )
    rows = list(invoices[: size + 1])
    shown = rows[:size]
    return InvoicePage(
        shown,
        newer=_cursor(shown[0]) if shown and older_key else None,
        older=_cursor(shown[-1]) if len(rows) > size else None,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(invoice: Invoice) -> str:
    """An invoice's place in the newest-first order: its creation time (microseconds since
    1970) and id."""
    return f"{(invoice.stripe_created - _EPOCH) // timedelta(microseconds=1)}_{invoice.pk}"


def _cursor_key(cursor: str) -> tuple[datetime, int] | None:
    micros, _, pk = cursor.partition("_")
    if not (micros.isdigit() and pk.isdigit()) or len(micros) > 17:
        return None
    return _EPOCH + timedelta(microseconds=int(micros)), int(pk)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def keeps_aggregates() -> bool:
    """Whether the database keeps the aggregate tables (InvoiceTotal, InvoiceDueDay,
    AgencyRevenueMonth, RevenueToDate): PostgreSQL's triggers do (invoices/migrations/0004,
    0006). SQLite, used only by make run's demo over a few rows, has no such triggers; there
    the readers sum the rows under them instead, giving the same figures."""
    return connection.vendor == "postgresql"


def invoice_totals(agency: Agency, filters: InvoiceFilters) -> list[dict]:
    """Per currency: how many invoices match `filters`, their total, what is paid, open and
    overdue; never summed across currencies. Without a client or date filter, read from the
    aggregates the database keeps (InvoiceTotal, InvoiceDueDay), in two queries however many
    invoices the agency has; with one (or where the database keeps no aggregates), summed over
    the matching invoices in one query."""
    if filters.customer_id or filters.date_from or filters.date_to or not keeps_aggregates():
        return _totals_of(agency_invoices(agency, filters))
    overdue = _overdue_by_currency(agency, filters.status, timezone.now())
    if filters.overdue:
        return [{"currency": currency, **overdue[currency]} for currency in sorted(overdue)]
    totals = InvoiceTotal.objects.filter(agency=agency)
    if filters.status:
        totals = totals.filter(status=filters.status)
    rows = (
        totals.values("currency")
        .annotate(
            count=Sum("invoices"),
            total=Sum("total"),
            paid=Sum("amount_paid"),
            outstanding=Sum("amount_remaining", filter=Q(status__in=UNPAID)),
        )
        .filter(count__gt=0)
        .order_by("currency")
    )
    none_overdue = {"overdue": None, "overdue_count": 0}
    return [
        {**row, **{name: overdue.get(row["currency"], none_overdue)[name] for name in none_overdue}}
        for row in rows
    ]


def _overdue_by_currency(agency: Agency, status: str, now: datetime) -> dict[str, dict]:
    """Per currency, the unpaid invoices (of `status`, if given) due before `now`: the days
    before today (UTC) from InvoiceDueDay, and today's from the invoices themselves (an index
    holds the unpaid ones by due date). One query; none for a status that is never unpaid."""
    statuses = [name for name in UNPAID if name == status or not status]
    if not statuses:
        return {}
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    sums = {
        "count": Sum("invoices"),
        "total": Sum("total"),
        "paid": Sum("amount_paid"),
        "outstanding": Sum("amount_remaining"),
    }
    earlier_days = (
        InvoiceDueDay.objects.filter(agency=agency, status__in=statuses, due_day__lt=today.date())
        .values("currency")
        .annotate(**sums)
        .order_by()
    )
    due_today = (
        agency.invoices.filter(status__in=statuses, due_date__gte=today, due_date__lt=now)
        .values("currency")
        .annotate(**{**sums, "count": Count("pk")})
        .order_by()
    )
    found: dict[str, dict] = {}
    for part in earlier_days.union(due_today, all=True):
        row = found.setdefault(part["currency"], dict.fromkeys(sums, 0))
        for name in sums:
            row[name] += part[name]
    return {
        currency: {**row, "overdue": row["outstanding"], "overdue_count": row["count"]}
        for currency, row in found.items()
        if row["count"]
    }


def _totals_of(invoices: QuerySet[Invoice]) -> list[dict]:
    now = timezone.now()
    unpaid = Q(status__in=UNPAID)
    return list(
        invoices.order_by()
        .values("currency")
        .annotate(
            count=Count("pk"),
            total=Sum("total"),
            paid=Sum("amount_paid"),
            outstanding=Sum("amount_remaining", filter=unpaid),
            overdue=Sum("amount_remaining", filter=unpaid & Q(due_date__lt=now)),
            overdue_count=Count("pk", filter=unpaid & Q(due_date__lt=now)),
        )
        .order_by("currency")
    )


MANAGE_CUSTOMER_INVOICES = 10


def customer_invoices_section(customer: Customer) -> dict:
    """Manage Customer's Invoices section: the newest invoices (one query), and whether there
    are more to see on the Invoices page."""
    newest = list(
        customer.invoices.order_by("-stripe_created", "-pk")[: MANAGE_CUSTOMER_INVOICES + 1]
    )
    return {
        "customer_invoices": newest[:MANAGE_CUSTOMER_INVOICES],
        "customer_invoices_more": len(newest) > MANAGE_CUSTOMER_INVOICES,
    }


CLIENT_OUTSTANDING_SHOWN = 10


@dataclass(frozen=True)
class AmountDue:
    currency: str
    amount: int
    count: int


def client_invoices(customer: Customer) -> QuerySet[Invoice]:
    """Every invoice the client may see in the portal (drafts are the agency's business),
    newest first, each with `overdue`: unpaid and past its due date."""
    overdue = Q(status__in=UNPAID, due_date__lt=timezone.now())
    return (
        customer.invoices.exclude(status=Invoice.Status.DRAFT)
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
        .order_by("-stripe_created", "-pk")
    )


def client_invoice(customer: Customer, invoice_id: int) -> Invoice | None:
    """One invoice the client may see; None for a draft, or another customer's."""
    return client_invoices(customer).filter(pk=invoice_id).first()


def client_outstanding(customer: Customer) -> dict:
    """The portal overview's outstanding invoices: the oldest-due few, and the total still
    due per currency over all of them (two queries, however many there are)."""
    unpaid = client_invoices(customer).filter(status__in=UNPAID, amount_remaining__gt=0)
    totals = (
        unpaid.order_by()
        .values("currency")
        .annotate(amount=Sum("amount_remaining"), count=Count("pk"))
        .order_by("currency")
    )
    amounts = [AmountDue(row["currency"], row["amount"], row["count"]) for row in totals]
    return {
        "outstanding": list(unpaid.order_by("due_date", "pk")[:CLIENT_OUTSTANDING_SHOWN]),
        "amounts_due": amounts,
        "outstanding_count": sum(due.count for due in amounts),
    }
