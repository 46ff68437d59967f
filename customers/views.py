from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from checkout import selectors as checkout_selectors
from customers import selectors
from customers.forms import CustomerFilterForm, CustomerForm
from customers.models import Customer, Subscription
from customers.selectors import get_customer_for_member
from customers.services import customer_create, customer_update
from customers.subscriptions import subscription_start_trial
from customers.sync import customer_sync_from_stripe
from invoices import selectors as invoice_selectors
from plans.models import Price

CUSTOMERS_PER_PAGE = 50
STATUS_LABELS = dict(Subscription.Status.choices)


@member_required
def customer_list(request: HttpRequest) -> HttpResponse:
    """Manage Customers: search, filter by status and plan, sort, 50 a page."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    form = CustomerFilterForm(request.GET, agency=agency)
    customers = selectors.customers_for_list(agency, **form.filters())
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    for customer in page:
        customer.status_label = STATUS_LABELS.get(customer.current_status, "")
    query = request.GET.copy()
    query.pop("page", None)
    filters = form.filters()
    filtered = bool(filters.get("search") or filters.get("status") or filters.get("plan_id"))
    return render(
        request,
        "customers/customer_list.html",
        {"page": page, "form": form, "query": query.urlencode(), "filtered": filtered},
    )


@member_required
@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    form = CustomerForm(request.POST if request.method == "POST" else None, agency=agency)
    if request.method == "POST" and form.is_valid():
        start_trial = form.cleaned_data.pop("start_trial")
        try:
            customer = customer_create(agency=agency, **form.cleaned_data)
        except BillingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"{customer.name} was added.")
            if start_trial:
                _start_trial(request, customer)
            return redirect("customer_manage", customer.pk)
    return render(request, "customers/customer_form.html", {"form": form})


def _start_trial(request: HttpRequest, customer: Customer) -> None:
    """Add Customer's `Start trial now`: the plan's trial on its monthly price (else the
    first recurring one). The customer exists either way; a refusal is said on the page."""
    price = (
        customer.plan.prices.filter(active=True)  # type: ignore[union-attr]
        .exclude(interval=Price.Interval.ONE_TIME)
        .order_by("interval")
        .first()
    )
    try:
        if price is None:
            raise BillingError("The plan has no monthly or yearly price to trial.")
        subscription_start_trial(customer=customer, price=price, actor=request.user)
    except BillingError as error:
        messages.error(request, f"The trial did not start: {error.message}")
    else:
        messages.success(request, f"{customer.plan.trial_days}-day trial started, no card needed.")  # type: ignore[union-attr]


@member_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    form = CustomerForm(
        request.POST if request.method == "POST" else None,
        agency=customer.agency,
        customer=customer,
        initial={
            "name": customer.name,
            "email": customer.email,
            "company": customer.company,
            "plan": customer.plan_id,
            "email_login_credentials": customer.email_login_credentials,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(customer=customer, **form.cleaned_data)
        except BillingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"{customer.name} was updated.")
            return redirect("customer_manage", customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@member_required
def customer_manage(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Manage Customer: one section per app, each read from our mirror through that app's
    selector and shown by its include under templates/customers/manage/."""
    customer = get_customer_for_member(request, customer_id)
    return render(
        request,
        "customers/customer_manage.html",
        {
            "customer": customer,
            "billing_page": True,
            **selectors.stripe_information(customer),
            **checkout_selectors.checkout_sessions(customer),
            **invoice_selectors.customer_invoices_section(customer),
            **selectors.customer_activity(customer),
            **selectors.contacts_section(customer),
        },
    )


@member_required
@require_POST
def customer_sync(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Sync Subscription: read the customer's subscriptions back from Stripe and repair our
    mirror, for when something looks out of date."""
    customer = get_customer_for_member(request, customer_id)
    try:
        changes = customer_sync_from_stripe(customer)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        summary = "; ".join(changes) if changes else "nothing had changed"
        messages.success(request, f"Synced from Stripe: {summary}.")
    return redirect("customer_manage", customer.pk)
