"""Reads of checkout links for the pages that show them (Manage Customer)."""

from django.db.models import QuerySet
from django.utils import timezone

from checkout.models import CheckoutLink
from customers.models import Customer
from customers.selectors import subscription_needing_card
from plans.models import Price


def open_links(customer: Customer) -> QuerySet[CheckoutLink]:
    """The customer's links a payer can still use, newest first."""
    return customer.checkout_links.filter(  # type: ignore[attr-defined]
        status=CheckoutLink.Status.OPEN, expires_at__gt=timezone.now()
    )


# Manage Customer lists this many of the customer's latest links.
LINK_HISTORY_LENGTH = 20


def checkout_sessions(customer: Customer) -> dict:
    """The Checkout Sessions section: one row per recurring price of the customer's plan, with
    the Stripe link a payer can still use and the evergreen pay link, if any; and the states
    of the customer's latest links (sent, opened, expired, paid). Four queries."""
    prices: list[Price] = []
    if customer.plan:
        prices = list(
            customer.plan.prices.filter(active=True).exclude(interval=Price.Interval.ONE_TIME)
        )
    links = {link.price_id: link for link in open_links(customer).order_by("created_at")}
    pay_links = {
        pay_link.price_id: pay_link
        for pay_link in customer.pay_links.filter(revoked_at=None)  # type: ignore[attr-defined]
    }
    history = customer.checkout_links.select_related(
        "price", "pay_link"
    )[  # type: ignore[attr-defined]
        :LINK_HISTORY_LENGTH
    ]
    return {
        "checkout_rows": [
            {"price": price, "link": links.get(price.pk), "pay_link": pay_links.get(price.pk)}
            for price in prices
        ],
        "link_history": list(history),
        "live_pay_links": list(pay_links.values()),
        **payment_method_section(customer),
    }


def payment_method_section(customer: Customer) -> dict:
    """Add Payment Method: shown instead of new-subscription options while the customer is
    on a trial with no card, with the open setup link if there is one."""
    needs_card = subscription_needing_card(customer) is not None
    link = open_links(customer).filter(mode=CheckoutLink.Mode.SETUP).first() if needs_card else None
    return {"needs_card": needs_card, "payment_method_link": link}
