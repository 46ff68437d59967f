"""What the portal pages read of the customers app: the contact's customer's subscriptions
and card. Invoices sits beside portal, not below it: the pages read invoices through
invoices/selectors.py (`client_invoices`, `client_outstanding`)."""

from customers.models import Customer, PaymentMethod, Subscription

LIVE_STATUSES = ("trialing", "active", "past_due", "unpaid", "paused", "incomplete")


def live_subscriptions(customer: Customer) -> list[Subscription]:
    return list(
        customer.subscriptions.filter(status__in=LIVE_STATUSES).select_related(
            "default_payment_method"
        )
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
