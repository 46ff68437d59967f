"""Reads of the invoice mirror shared by Manage Customer, the Invoices page, the revenue
dashboard and the client portal. Every function is scoped by the agency or the customer it is
given; none calls Stripe.

For the client portal: `client_invoices(customer)` (what the client may see, newest first,
each with `overdue`), `client_invoice(customer, id)` (one of them, or None) and
`client_outstanding(customer)` (the overview's unpaid invoices and total due): a fixed number
of queries whatever the number of invoices.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from agencies.models import Agency
from customers.models import Customer
from invoices.models import Dispute, Invoice, Refund

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
            stripe_created__lt=_start_of(filters.date_to) + timezone.timedelta(days=1)
        )
    return invoices.order_by("-stripe_created", "-pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def invoice_totals(invoices: QuerySet[Invoice]) -> list[dict]:
    """Per currency: how many invoices, their total, what is paid, open and overdue. One
    query; never summed across currencies."""
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
