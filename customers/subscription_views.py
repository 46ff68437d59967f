"""Manage Customer's subscription actions: start a trial, switch plan (preview, then
confirm), pause / resume collection, cancel at period end / reactivate, cancel now."""

from datetime import UTC, datetime, time

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from customers import subscriptions as actions
from customers.models import Customer, Subscription
from customers.selectors import LIVE_SUBSCRIPTION_STATUSES, get_customer_for_member
from customers.subscription_forms import CancelForm, PauseForm, SwitchForm, TrialForm
from plans.models import Price


def _live_subscription(customer: Customer) -> Subscription:
    subscription = (
        customer.subscriptions.select_related("customer__agency", "agency")
        .filter(status__in=LIVE_SUBSCRIPTION_STATUSES)
        .order_by("-created_at")
        .first()
    )
    if subscription is None:
        raise Http404("No live subscription")
    return subscription


def _recurring_prices(customer: Customer):
    return (
        Price.objects.filter(plan__agency=customer.agency, plan__archived_at=None, active=True)
        .exclude(interval=Price.Interval.ONE_TIME)
        .exclude(stripe_price_id="")
        .select_related("plan")
        .order_by("plan__name", "interval")
    )


def _done(request: HttpRequest, customer: Customer, run) -> HttpResponse:
    """Run the action; say what it did: its own Activity line, not whatever came last (a
    webhook's line may land meanwhile)."""
    newest_before = customer.activities.order_by("-pk").values_list("pk", flat=True).first()
    try:
        run()
    except BillingError as error:
        messages.error(request, error.message)
    else:
        line = (
            customer.activities.filter(pk__gt=newest_before or 0, actor=request.user)
            .order_by("-pk")
            .first()
        )
        messages.success(request, f"{line.message}." if line else "Done.")
    return redirect("customer_manage", customer.pk)


@member_required
@require_POST
def subscription_trial_start(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Start trial now: the plan's trial, no card asked."""
    customer = get_customer_for_member(request, customer_id)
    prices = (
        customer.plan.prices.filter(active=True).exclude(interval=Price.Interval.ONE_TIME)
        if customer.plan
        else Price.objects.none()
    )
    form = TrialForm(request.POST, prices=prices)
    if not form.is_valid():
        messages.error(request, "Choose the price the trial leads to.")
        return redirect("customer_manage", customer.pk)
    return _done(
        request,
        customer,
        lambda: actions.subscription_start_trial(
            customer=customer, price=form.cleaned_data["price"], actor=request.user
        ),
    )


@member_required
@require_http_methods(["GET", "POST"])
def subscription_switch(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Switch plan: pick a price, see what is due now and next (Stripe's preview), confirm."""
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    prices = _recurring_prices(customer).exclude(stripe_price_id=subscription.stripe_price_id)
    form = SwitchForm(request.POST if request.method == "POST" else None, prices=prices)
    preview = None
    if request.method == "POST" and form.is_valid():
        price, proration_date = form.cleaned_data["price"], form.cleaned_data["proration_date"]
        try:
            if request.POST.get("confirm") == "1" and proration_date:
                actions.subscription_switch(
                    subscription=subscription,
                    price=price,
                    proration_date=proration_date,
                    actor=request.user,
                )
                messages.success(
                    request, f"Switched to {price.plan.name} ({price.get_interval_display()})."
                )
                return redirect("customer_manage", customer.pk)
            preview = actions.subscription_switch_preview(subscription=subscription, price=price)
            form = SwitchForm(
                initial={"price": price, "proration_date": preview.proration_date}, prices=prices
            )
        except BillingError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "customers/subscription_switch.html",
        {"customer": customer, "subscription": subscription, "form": form, "preview": preview},
    )


@member_required
@require_POST
def subscription_pause(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether to keep invoices as drafts or void them.")
        return redirect("customer_manage", customer.pk)
    day = form.cleaned_data["resumes_at"]
    zone = timezone.get_current_timezone()
    resumes_at = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) if day else None
    return _done(
        request,
        customer,
        lambda: actions.subscription_pause(
            subscription=subscription,
            behavior=form.cleaned_data["behavior"],
            resumes_at=resumes_at,
            actor=request.user,
        ),
    )


@member_required
@require_POST
def subscription_resume(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    return _done(
        request,
        customer,
        lambda: actions.subscription_resume(subscription=subscription, actor=request.user),
    )


@member_required
@require_POST
def subscription_cancel_at_period_end(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    return _done(
        request,
        customer,
        lambda: actions.subscription_cancel_at_period_end(
            subscription=subscription, actor=request.user
        ),
    )


@member_required
@require_POST
def subscription_reactivate(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    return _done(
        request,
        customer,
        lambda: actions.subscription_reactivate(subscription=subscription, actor=request.user),
    )


@member_required
@require_http_methods(["GET", "POST"])
def subscription_cancel(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Cancel now, after a page saying what the client will and will not be charged, with
    Stripe's two choices: credit the unused time, invoice now."""
    customer = get_customer_for_member(request, customer_id)
    subscription = _live_subscription(customer)
    if request.method == "POST":
        form = CancelForm(request.POST)
        form.is_valid()  # two checkboxes: always valid
        return _done(
            request,
            customer,
            lambda: actions.subscription_cancel_now(
                subscription=subscription,
                actor=request.user,
                invoice_now=form.cleaned_data["invoice_now"],
                prorate=form.cleaned_data["prorate"],
            ),
        )
    return render(
        request,
        "customers/subscription_cancel.html",
        {
            "customer": customer,
            "subscription": subscription,
            "form": CancelForm(),
            "credit": actions.subscription_cancel_credit(subscription),
        },
    )
