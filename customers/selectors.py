"""Reads of customers shared by several pages (Manage Customers, Manage Customer, the
dashboard), always through the member's agency."""

import calendar
from datetime import date, timedelta

from django.db.models import Case, Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from agencies.models import Agency
from customers.models import Contact, Customer, PaymentMethod, Subscription
from plans.models import Price

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


def live_subscription(customer: Customer) -> Subscription | None:
    """The customer's newest subscription that still charges, or None."""
    return (
        customer.subscriptions.filter(status__in=LIVE_SUBSCRIPTION_STATUSES)  # type: ignore[attr-defined]
        .order_by("-created_at")
        .first()
    )


# Manage Customers' status filter: "subscribed" (a live subscription), "none" (never
# subscribed), or one of Stripe's statuses of the customer's current subscription.
STATUS_FILTERS = [
    ("subscribed", "Subscribed"),
    ("none", "No subscription"),
    *Subscription.Status.choices,
]
SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "status": (F("current_status").asc(nulls_last=True), "name", "pk"),
    "-status": (F("current_status").desc(nulls_last=True), "name", "pk"),
}


def _current_subscription_status():
    """The status of the customer's current subscription: the newest live one, else the
    newest of any status (None: never subscribed)."""
    live_first = Case(When(status__in=LIVE_SUBSCRIPTION_STATUSES, then=Value(0)), default=Value(1))
    return Subquery(
        Subscription.objects.filter(customer=OuterRef("pk"))
        .order_by(live_first, "-created_at")
        .values("status")[:1]
    )


def customers_for_list(
    agency: Agency,
    *,
    search: str = "",
    status: str = "",
    plan_id: int | None = None,
    sort: str = "name",
) -> QuerySet[Customer]:
    """Manage Customers: the agency's customers matching a search (name, email or company),
    a status filter and a plan, sorted, each annotated with `current_status`, with its plan
    and subscriptions (newest first) in a fixed number of queries, however many there are.
    The dashboard counts through this same function."""
    customers = agency.customers.annotate(  # type: ignore[attr-defined]
        current_status=_current_subscription_status()
    )
    if search:
        customers = customers.filter(
            Q(name__icontains=search) | Q(email__icontains=search) | Q(company__icontains=search)
        )
    if status == "subscribed":
        customers = customers.filter(current_status__in=LIVE_SUBSCRIPTION_STATUSES)
    elif status == "none":
        customers = customers.filter(current_status=None)
    elif status:
        customers = customers.filter(current_status=status)
    if plan_id is not None:
        customers = customers.filter(plan_id=plan_id)
    return (
        customers.order_by(*SORTS.get(sort, SORTS["name"]))
        .select_related("plan")
        .prefetch_related(
            Prefetch("subscriptions", queryset=Subscription.objects.order_by("-created_at"))
        )
    )


def subscriber_counts_by_price(agency: Agency) -> dict[str, int]:
    """Live subscriptions per Stripe price id, for Custom Plans (one query)."""
    rows = (
        Subscription.objects.filter(agency=agency, status__in=LIVE_SUBSCRIPTION_STATUSES)
        .values("stripe_price_id")
        .annotate(count=Count("id"))
    )
    return {row["stripe_price_id"]: row["count"] for row in rows}


def customer_counts(agency: Agency) -> dict[str, int]:
    """The dashboard's numbers, from the same query as the Manage Customers list it links to:
    a customer with two subscriptions is one customer."""
    return {
        "customers": customers_for_list(agency).count(),
        "subscribed": customers_for_list(agency, status="subscribed").count(),
    }


def stripe_information(customer: Customer) -> dict:
    """What the Stripe Information section of Manage Customer shows: the subscriptions with
    their cards, the live one (with whether its card expires within 30 days), and the prices
    a trial can start on (the latest invoice comes from the invoices app's section). A fixed
    number of queries."""
    subscriptions = list(customer.subscriptions.select_related("default_payment_method"))
    live = next((s for s in subscriptions if s.status in LIVE_SUBSCRIPTION_STATUSES), None)
    card = live.default_payment_method if live else None
    trial_prices = []
    if live is None and customer.plan and customer.plan.trial_days:
        trial_prices = list(
            customer.plan.prices.filter(active=True)
            .exclude(interval=Price.Interval.ONE_TIME)
            .exclude(stripe_price_id="")
        )
    return {
        "subscriptions": subscriptions,
        "live_subscription": live,
        "card_expires_soon": card is not None and card_expires_soon(card),
        "trial_prices": trial_prices,
    }


CARD_WARNING_DAYS = 30


def card_expires_soon(card: PaymentMethod) -> bool:
    """The card stops working within 30 days: its expiry month ends before then."""
    if not (card.exp_month and card.exp_year):
        return False
    last_day = calendar.monthrange(card.exp_year, card.exp_month)[1]
    expires = date(card.exp_year, card.exp_month, last_day)
    return expires < timezone.localdate() + timedelta(days=CARD_WARNING_DAYS)


ACTIVITY_SHOWN = 25


def customer_activity(customer: Customer, *, limit: int = ACTIVITY_SHOWN) -> dict:
    """The Activity section: the customer's latest lines, newest first, with who did each
    (one query)."""
    return {"activity": list(customer.activities.select_related("actor")[:limit])}


def billing_contacts(customer: Customer) -> list[Contact]:
    """The contacts who receive the customer's invoices and pay links (viewers get none),
    oldest first."""
    return list(
        customer.contacts.filter(role=Contact.Role.BILLING).order_by("created_at", "pk")  # type: ignore[attr-defined]
    )


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


def subscription_needing_card(customer: Customer) -> Subscription | None:
    """The customer's trialing subscription that has no card on file, if any."""
    return (
        customer.subscriptions.filter(
            status=Subscription.Status.TRIALING, default_payment_method__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
