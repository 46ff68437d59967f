from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from customers.selectors import subscriber_counts_by_price
from plans.forms import PlanForm, plan_form_initial
from plans.models import Plan
from plans.services import plan_archive, plan_create, plan_update


def _get_plan_for_member(request: HttpRequest, plan_id: int) -> Plan:
    """The plan, if it belongs to the signed-in member's agency; 404 otherwise."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    return get_object_or_404(Plan.objects.select_related("agency"), pk=plan_id, agency=agency)


@member_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """Custom Plans: each plan's prices (archived ones too while anyone is subscribed to them)
    with their live subscribers; archived plans below."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    plans = list(agency.plans.prefetch_related("prices"))
    subscribers = subscriber_counts_by_price(agency)
    for plan in plans:
        plan.price_rows = [
            (price, subscribers.get(price.stripe_price_id, 0))
            for price in plan.prices.all()
            if price.active or subscribers.get(price.stripe_price_id)
        ]
    return render(
        request,
        "plans/plan_list.html",
        {
            "plans": [plan for plan in plans if plan.archived_at is None],
            "archived_plans": [plan for plan in plans if plan.archived_at is not None],
            "billing_page": True,
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    form = PlanForm(request.POST if request.method == "POST" else None, currency=agency.currency)
    if request.method == "POST" and agency.can_bill and form.is_valid():
        try:
            plan = plan_create(agency=agency, **form.cleaned_data)
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Plan “{plan.name}” created.")
            return redirect("plan_list")
    return render(request, "plans/plan_form.html", {"form": form, "billing_page": True})


@member_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _get_plan_for_member(request, plan_id)
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        currency=plan.agency.currency,
        initial=plan_form_initial(plan),
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = plan_update(plan=plan, **form.cleaned_data)
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            note = " New prices apply to new links; subscribers stay on theirs." if made else ""
            messages.success(request, f"Plan “{plan.name}” saved.{note}")
            return redirect("plan_list")
    context = {"form": form, "plan": plan, "billing_page": True}
    return render(request, "plans/plan_form.html", context)


@member_required
@require_POST
def plan_archive_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _get_plan_for_member(request, plan_id)
    try:
        plan_archive(plan=plan)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Plan “{plan.name}” archived. Its subscribers keep their subscriptions."
        )
    return redirect("plan_list")
