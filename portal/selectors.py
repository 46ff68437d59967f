"""What the portal pages read: the contact's customer's mirror rows, in a fixed number of
queries whatever the number of invoices. Invoices are read through the customer's reverse
relation: invoices sits beside portal, not below it."""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from customers.models import Customer, PaymentMethod, Subscription

LIVE_STATUSES = ("trialing", "active", "past_due", "unpaid", "paused", "incomplete")
OPEN = "open"  # Invoice.Status.OPEN


@dataclass
class AmountDue:
    currency: str
    amount: int
    count: int


def live_subscriptions(customer: Customer) -> list[Subscription]:
    return list(
        customer.subscriptions.filter(status__in=LIVE_STATUSES).select_related(
            "default_payment_method"
        )
    )


def outstanding_invoices(customer: Customer) -> list:
    return list(customer_invoices(customer).filter(status=OPEN))


def amounts_due(invoices: list) -> list[AmountDue]:
    """The total still due, per currency."""
    totals: dict[str, AmountDue] = {}
    for invoice in invoices:
        due = totals.setdefault(invoice.currency, AmountDue(invoice.currency, 0, 0))
        due.amount += invoice.amount_remaining
        due.count += 1
    return list(totals.values())


def customer_invoices(customer: Customer) -> QuerySet:
    """Every invoice the client may see (drafts are the agency's business), newest first,
    each with `overdue`: open and past its due date."""
    overdue = Q(status=OPEN, due_date__lt=timezone.now())
    return (
        customer.invoices.exclude(status="draft")  # type: ignore[attr-defined]
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
        .order_by("-stripe_created", "-pk")
    )


def card_on_file(customer: Customer) -> PaymentMethod | None:
    """The card the client pays with: the live subscription's default, else the newest
    attached card."""
    subscription = (
        customer.subscriptions.filter(
            status__in=LIVE_STATUSES, default_payment_method__isnull=False
        )
        .select_related("default_payment_method")
        .first()
    )
    if subscription is not None and not subscription.default_payment_method.detached:  # type: ignore[union-attr]
        return subscription.default_payment_method
    return customer.payment_methods.filter(detached=False).exclude(last4="").order_by("-pk").first()
