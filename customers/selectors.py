"""Reads of customers shared by several pages (Manage Customers, Manage Customer, the
dashboard), always through the member's agency."""

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from agencies.models import Agency
from customers.models import Contact, Customer, Subscription

# A subscription in one of these states is still the customer's: it charges, or will again.
LIVE_SUBSCRIPTION_STATUSES = [
    Subscription.Status.TRIALING,
    Subscription.Status.ACTIVE,
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
    Subscription.Status.PAUSED,
]


def get_customer_for_member(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if it belongs to the signed-in member's agency; 404 otherwise."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    return get_object_or_404(
        Customer.objects.select_related("agency", "plan"), pk=customer_id, agency=agency
    )


def customer_has_live_subscription(customer: Customer) -> bool:
    return customer.subscriptions.filter(status__in=LIVE_SUBSCRIPTION_STATUSES).exists()


def customers_for_list(agency: Agency) -> QuerySet[Customer]:
    """The agency's customers with their plan and subscriptions (newest first) in two
    queries, whatever the count."""
    return agency.customers.select_related("plan").prefetch_related(  # type: ignore[attr-defined]
        Prefetch("subscriptions", queryset=Subscription.objects.order_by("-created_at"))
    )


def stripe_information(customer: Customer) -> dict:
    """What the Stripe Information section of Manage Customer shows."""
    subscriptions = list(customer.subscriptions.select_related("default_payment_method"))
    live = [s for s in subscriptions if s.status in LIVE_SUBSCRIPTION_STATUSES]
    return {"subscriptions": subscriptions, "live_subscription": live[0] if live else None}


ACTIVITY_SHOWN = 25


def customer_activity(customer: Customer, *, limit: int = ACTIVITY_SHOWN) -> dict:
    """The Activity section: the customer's latest lines, newest first, with who did each
    (one query)."""
    return {"activity": list(customer.activities.select_related("actor")[:limit])}


def contacts_for_email(email: str) -> QuerySet[Contact]:
    """Every contact with this (lower-cased) email, across customers and agencies."""
    return (
        Contact.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=email)
        .select_related("customer__agency")
        .defer("customer__agency__logo")
        .order_by("customer__agency__name", "customer__name", "pk")
    )


def contacts_section(customer: Customer) -> dict:
    """What the Contacts section of Manage Customer shows."""
    return {"contacts": list(customer.contacts.all())}
