"""Reads of checkout links for the pages that show them (Manage Customer)."""

from django.db.models import QuerySet
from django.utils import timezone

from checkout.models import CheckoutLink
from customers.models import Customer
from plans.models import Price


def open_links(customer: Customer) -> QuerySet[CheckoutLink]:
    """The customer's links a payer can still use, newest first."""
    return customer.checkout_links.filter(  # type: ignore[attr-defined]
        status=CheckoutLink.Status.OPEN, expires_at__gt=timezone.now()
    )


def checkout_sessions(customer: Customer) -> dict:
    """The Checkout Sessions section: one row per recurring price of the customer's plan,
    with the link a payer can still use, if any."""
    prices: list[Price] = []
    if customer.plan:
        prices = list(
            customer.plan.prices.filter(active=True).exclude(interval=Price.Interval.ONE_TIME)
        )
    links = {link.price_id: link for link in open_links(customer).order_by("created_at")}
    return {"checkout_rows": [(price, links.get(price.pk)) for price in prices]}
