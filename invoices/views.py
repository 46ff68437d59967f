from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required, owner_required
from agency_billing.errors import BillingError
from agency_billing.money import format_money
from customers.models import Customer
from customers.selectors import billing_contacts
from invoices import selectors, services
from invoices.forms import InvoiceFilterForm, ProjectChargeForm, RefundForm
from invoices.models import Invoice

INVOICES_PER_PAGE = 50


def _agency(request: HttpRequest):
    return request.membership.agency  # type: ignore[attr-defined]


def _get_invoice_for_member(request: HttpRequest, invoice_id: int) -> Invoice:
    """The invoice, if it belongs to the signed-in member's agency; 404 otherwise."""
    invoice = selectors.invoice_for_agency(_agency(request), invoice_id)
    if invoice is None:
        raise Http404("No such invoice")
    return invoice


@member_required
@require_http_methods(["GET", "POST"])
def project_charge_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Charge for project: send the customer a one-off invoice."""
    agency = _agency(request)
    customer = get_object_or_404(Customer, pk=customer_id, agency=agency)
    form = ProjectChargeForm(request.POST if request.method == "POST" else None, agency=agency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            charge = services.project_charge_send(
                request_id=str(data["request_id"]),
                customer=customer,
                description=data["description"],
                amount=data["amount"],
                price=data["price"],
                days_until_due=data["days_until_due"],
                created_by=request.user,  # type: ignore[arg-type]
            )
        except BillingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            number = charge.invoice.number if charge.invoice else charge.stripe_invoice_id
            to = ", ".join(contact.email for contact in billing_contacts(customer))
            messages.success(request, f"Invoice {number} was sent to {to}.")
            return redirect("customer_manage", customer.pk)
    return render(
        request,
        "invoices/project_charge_form.html",
        {"form": form, "customer": customer, "billing_page": True},
    )


@member_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    """Billing & Revenue → Invoices: every invoice of the agency, filtered, totals on top."""
    agency = _agency(request)
    form = InvoiceFilterForm(request.GET or None)
    filters = form.filters()
    page = selectors.invoice_page(
        selectors.agency_invoices(agency, filters),
        older_than=request.GET.get("older", ""),
        newer_than=request.GET.get("newer", ""),
        size=INVOICES_PER_PAGE,
    )
    client = (
        agency.customers.filter(pk=filters.customer_id).first() if filters.customer_id else None
    )
    query = request.GET.copy()
    query.pop("older", None)
    query.pop("newer", None)
    return render(
        request,
        "invoices/invoice_list.html",
        {
            "form": form,
            "page": page,
            "totals": selectors.invoice_totals(agency, filters),
            "client": client,
            "query": query.urlencode(),
        },
    )


@member_required
def invoice_detail(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice_for_member(request, invoice_id)
    return render(
        request,
        "invoices/invoice_detail.html",
        {
            "invoice": invoice,
            "refunds": invoice.refunds.order_by("-stripe_created"),
            "disputes": invoice.disputes.order_by("-stripe_created"),
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def invoice_void(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Void, after a confirmation page: the client can no longer pay the invoice."""
    invoice = _get_invoice_for_member(request, invoice_id)
    if request.method == "GET":
        return render(request, "invoices/invoice_void_confirm.html", {"invoice": invoice})
    try:
        services.invoice_void(invoice=invoice)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invoice {invoice.number} was voided.")
    return redirect("invoice_detail", invoice.pk)


@member_required
@require_POST
def invoice_mark_uncollectible(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _get_invoice_for_member(request, invoice_id)
    try:
        services.invoice_mark_uncollectible(invoice=invoice)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Invoice {invoice.number} was marked uncollectible.")
    return redirect("invoice_detail", invoice.pk)


@owner_required
@require_http_methods(["GET", "POST"])
def invoice_refund(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Refund all or part of a paid invoice (owner only)."""
    invoice = _get_invoice_for_member(request, invoice_id)
    form = RefundForm(request.POST if request.method == "POST" else None, currency=invoice.currency)
    if request.method == "POST" and form.is_valid():
        try:
            refund = services.refund_create(
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                requested_by=request.user,  # type: ignore[arg-type]
            )
        except BillingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Refunded {format_money(refund.amount, refund.currency)}.")
            return redirect("invoice_detail", invoice.pk)
    return render(request, "invoices/invoice_refund.html", {"invoice": invoice, "form": form})
