import logging

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from agency_billing.rate_limits import rate_limit
from checkout.models import CheckoutLink, PayLink
from checkout.payment_method import payment_method_link_generate, payment_method_set_from_link
from checkout.services import (
    checkout_link_generate,
    checkout_link_send,
    pay_link_ensure,
    pay_link_open,
    pay_link_revoke,
)
from checkout.sync import checkout_link_refresh
from customers.models import Customer
from customers.selectors import get_customer_for_member, live_subscription
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
    """Where Stripe sends the payer after Checkout. On the first visit we read the session
    back, so the subscription is on Manage Customer before any webhook arrives; every later
    visit (a reload, anyone holding the URL) reads our mirror and never calls Stripe."""
    link = get_object_or_404(CheckoutLink.objects.select_related("agency", "customer"), pk=link_id)
    if request.GET.get("session_id") != link.stripe_session_id:
        raise Http404("Unknown checkout session")
    if _first_return(link):
        try:
            link = checkout_link_refresh(link)
            payment_method_set_from_link(link)
        except BillingError as error:
            # The webhook brings the result later; the payer still gets their answer below.
            logger.warning("Could not read back session %s: %s", link.stripe_session_id, error)
    return render(request, "checkout/return.html", {"link": link})


def _first_return(link: CheckoutLink) -> bool:
    """True once per session that is not yet complete or expired (the cache remembers it for
    as long as a session can stay open)."""
    if link.status in {CheckoutLink.Status.COMPLETE, CheckoutLink.Status.EXPIRED}:
        return False
    lifetime = settings.CHECKOUT_LINK_LIFETIME_HOURS * 3600
    return cache.add(f"checkout-return-read:{link.stripe_session_id}", True, timeout=lifetime)


@require_GET
def checkout_canceled(request: HttpRequest, link_id) -> HttpResponse:
    link = get_object_or_404(CheckoutLink.objects.select_related("agency"), pk=link_id)
    return render(request, "checkout/canceled.html", {"link": link})


def _pay_link_token(group: str, request: HttpRequest) -> str:
    return request.resolver_match.kwargs["token"] if request.resolver_match else ""


@rate_limit("pay_link", key=_pay_link_token, method="GET")
@require_GET
def pay_link(request: HttpRequest, token: str) -> HttpResponse:
    """An evergreen pay link: anyone with the token may open it. It sends the payer on to a
    live Checkout Session, or says plainly why it cannot (withdrawn, already subscribed)."""
    try:
        opening = pay_link_open(token)
    except PayLink.DoesNotExist:
        raise Http404("No such pay link") from None
    if opening.session is not None:
        return redirect(opening.session.url)
    customer = opening.pay_link.customer
    context = {
        "pay_link": opening.pay_link,
        "agency": opening.pay_link.agency,
        "refused": opening.refused,
        "subscription": live_subscription(customer) if opening.refused == "subscribed" else None,
    }
    status = {"revoked": 410, "unavailable": 503}.get(opening.refused, 200)
    return render(request, "checkout/pay_link_refused.html", context, status=status)


@member_required
@require_POST
def pay_link_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    price = _get_price_of_plan(customer, request.POST.get("price"))
    try:
        pay_link_ensure(customer=customer, price=price)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{price.get_interval_display()} pay link ready to send.")
    return redirect("customer_manage", customer.pk)


@member_required
@require_POST
def checkout_link_email(request: HttpRequest, customer_id: int, link_id) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    link = get_object_or_404(customer.checkout_links.select_related("price__plan"), pk=link_id)
    return _send(request, customer, link)


@member_required
@require_POST
def pay_link_email(request: HttpRequest, customer_id: int, pay_link_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    link = get_object_or_404(
        customer.pay_links.select_related("price__plan"), pk=pay_link_id, revoked_at=None
    )
    return _send(request, customer, link)


@member_required
@require_POST
def pay_link_withdraw(request: HttpRequest, customer_id: int, pay_link_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    link = get_object_or_404(customer.pay_links, pk=pay_link_id, revoked_at=None)
    try:
        pay_link_revoke(link)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The pay link was revoked; opening it now says so.")
    return redirect("customer_manage", customer.pk)


def _send(request: HttpRequest, customer: Customer, link: CheckoutLink | PayLink) -> HttpResponse:
    link.customer = customer
    try:
        recipients = checkout_link_send(link=link, sent_by=request.user.email)  # type: ignore[union-attr]
    except BillingError as error:
        messages.error(request, error.message)
    else:
        listed = ", ".join(recipients[:-1]) + " and " if len(recipients) > 1 else ""
        messages.success(request, f"Link emailed to {listed}{recipients[-1]}.")
    return redirect("customer_manage", customer.pk)


@member_required
@require_POST
def payment_method_link_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Add Payment Method: a setup-mode link for a customer on a trial without a card."""
    customer = get_customer_for_member(request, customer_id)
    try:
        payment_method_link_generate(customer=customer)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Add Payment Method link ready to send.")
    return redirect("customer_manage", customer.pk)
