"""What the portal pages read: the contact's customer's mirror rows, in a fixed number of
queries whatever the number of invoices. Invoices are read through the customer's reverse
relation: invoices sits beside portal, not below it."""

from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.utils import timezone

from customers.models import Customer, PaymentMethod, Subscription

LIVE_STATUSES = ("trialing", "active", "past_due", "unpaid", "paused", "incomplete")
# What the client can still pay (invoices.selectors.UNPAID): open or uncollectible.
UNPAID = ("open", "uncollectible")


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


OUTSTANDING_SHOWN = 10


def outstanding(customer: Customer) -> dict:
    """The overview's outstanding invoices: the oldest-due few, and the total still due per
    currency over all of them (two queries, however many there are)."""
    open_invoices = customer_invoices(customer).filter(status__in=UNPAID, amount_remaining__gt=0)
    totals = (
        open_invoices.order_by()
        .values("currency")
        .annotate(amount=Sum("amount_remaining"), count=Count("pk"))
        .order_by("currency")
    )
    amounts = [AmountDue(row["currency"], row["amount"], row["count"]) for row in totals]
    return {
        "outstanding": list(open_invoices.order_by("due_date", "pk")[:OUTSTANDING_SHOWN]),
        "amounts_due": amounts,
        "outstanding_count": sum(due.count for due in amounts),
    }


def customer_invoices(customer: Customer) -> QuerySet:
    """Every invoice the client may see (drafts are the agency's business), newest first,
    each with `overdue`: open and past its due date."""
    overdue = Q(status__in=UNPAID, due_date__lt=timezone.now())
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
