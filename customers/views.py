from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from checkout.services import open_links
from customers.forms import CustomerForm
from customers.models import Customer, Subscription
from customers.services import customer_create
from customers.sync import subscriptions_sync_for_customer
from plans.models import Price

CUSTOMERS_PER_PAGE = 50


def get_customer_for_member(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if it belongs to the signed-in member's agency; 404 otherwise."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    return get_object_or_404(
        Customer.objects.select_related("agency", "plan"), pk=customer_id, agency=agency
    )


@member_required
def customer_list(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    customers = agency.customers.select_related("plan").prefetch_related(
        Prefetch("subscriptions", queryset=Subscription.objects.order_by("-created_at"))
    )
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"page": page})


@member_required
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    form = CustomerForm(request.POST if request.method == "POST" else None, agency=agency)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_create(agency=agency, **form.cleaned_data)
        except BillingError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{customer.name} was added.")
            return redirect("customer_manage", customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


@member_required
def customer_manage(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Manage Customer: Stripe Information and Checkout Sessions, read from our mirror."""
    customer = get_customer_for_member(request, customer_id)
    subscriptions = customer.subscriptions.select_related("default_payment_method")
    prices = []
    if customer.plan:
        prices = list(
            customer.plan.prices.filter(active=True).exclude(interval=Price.Interval.ONE_TIME)
        )
    links = {link.price_id: link for link in open_links(customer).order_by("created_at")}
    live = [s for s in subscriptions if s.status not in {"canceled", "incomplete_expired"}]
    return render(
        request,
        "customers/customer_manage.html",
        {
            "customer": customer,
            "subscriptions": subscriptions,
            "live_subscription": live[0] if live else None,
            "checkout_rows": [(price, links.get(price.pk)) for price in prices],
            "billing_page": True,
        },
    )


@member_required
@require_POST
def customer_sync(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Sync Subscription: read the customer's subscriptions back from Stripe and repair our
    mirror, for when something looks out of date."""
    customer = get_customer_for_member(request, customer_id)
    try:
        synced = subscriptions_sync_for_customer(customer)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Synced {len(synced)} subscription(s) from Stripe.")
    return redirect("customer_manage", customer.pk)
