from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.access import member_required
from agency_billing.errors import BillingError
from plans.forms import PlanForm
from plans.services import plan_create


@member_required
def plan_list(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    plans = agency.plans.filter(archived_at=None).prefetch_related("prices")
    return render(request, "plans/plan_list.html", {"plans": plans, "billing_page": True})


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
