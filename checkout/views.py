import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from checkout.sync import checkout_link_refresh
from customers.models import Customer
from customers.selectors import get_customer_for_member
from plans.models import Price

logger = logging.getLogger(__name__)


@member_required
@require_POST
def checkout_link_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    price = _get_price_of_plan(customer, request.POST.get("price"))
    regenerate = request.POST.get("regenerate") == "1"
    try:
        checkout_link_generate(customer=customer, price=price, regenerate=regenerate)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{price.get_interval_display()} checkout link ready to send.")
    return redirect("customer_manage", customer.pk)


def _get_price_of_plan(customer: Customer, price_id: str | None) -> Price:
    if customer.plan is None or not (price_id or "").isdigit():
        raise Http404("No such price")
    return get_object_or_404(customer.plan.prices, pk=int(price_id or 0), active=True)


@require_GET
def checkout_return(request: HttpRequest, link_id) -> HttpResponse:
    """Where Stripe sends the payer after Checkout. We read the session back at once, so the
    subscription is on Manage Customer before any webhook arrives."""
    link = get_object_or_404(CheckoutLink.objects.select_related("agency", "customer"), pk=link_id)
    if request.GET.get("session_id") != link.stripe_session_id:
        raise Http404("Unknown checkout session")
    try:
        link = checkout_link_refresh(link)
    except BillingError as error:
        # The webhook brings the result later; the payer still gets their answer below.
        logger.warning("Could not read back session %s: %s", link.stripe_session_id, error)
    return render(request, "checkout/return.html", {"link": link})


@require_GET
def checkout_canceled(request: HttpRequest, link_id) -> HttpResponse:
    link = get_object_or_404(CheckoutLink.objects.select_related("agency"), pk=link_id)
    return render(request, "checkout/canceled.html", {"link": link})
