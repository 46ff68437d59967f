"""The client portal: /portal/ (login by emailed code) and /portal/billing (what the client
pays and owes, Pay now, cards through the Stripe Billing Portal)."""

import re

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from agencies.models import Agency
from agency_billing.errors import BillingError
from agency_billing.rate_limits import client_ip, rate_limit
from customers.models import Contact
from customers.selectors import contacts_for_email
from invoices import selectors as invoice_selectors
from portal import selectors
from portal.access import (
    PORTAL_COOKIE,
    PORTAL_COOKIE_PATH,
    billing_contact_required,
    contact_required,
    logged_out,
    portal_session_required,
)
from portal.forms import CodeForm, EmailForm
from portal.services import (
    billing_portal_session_create,
    login_code_request,
    login_code_verify,
    portal_session_choose,
    portal_session_end,
    portal_session_for_token,
)

INVOICES_PER_PAGE = 50
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@require_http_methods(["GET", "POST"])
def portal_login(request: HttpRequest) -> HttpResponse:
    """Email → code. The answer is the same redirect whether or not the email is a contact."""
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                login_code_request(email=email, ip=client_ip(request) or None)
            except BillingError as error:
                form.add_error(error.field, error.message)
                return render(request, "portal/login.html", {"form": form}, status=429)
            return redirect(f"{reverse('portal_code')}?{urlencode({'email': email})}")
    else:
        form = EmailForm(initial={"email": request.GET.get("email", "")[:254]})
    return render(request, "portal/login.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limit("portal_code")
def portal_code(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None, initial={"email": request.GET.get("email", "")[:254]})
    if request.method == "POST" and form.is_valid():
        try:
            token, session = login_code_verify(
                email=form.cleaned_data["email"], code=form.cleaned_data["code"]
            )
        except BillingError as error:
            form.add_error(error.field, error.message)
        else:
            previous = portal_session_for_token(request.COOKIES.get(PORTAL_COOKIE, ""))
            if previous is not None:
                portal_session_end(session=previous)
            response = redirect("portal_billing" if session.contact else "portal_choose")
            response.set_cookie(
                PORTAL_COOKIE,
                token,
                max_age=settings.PORTAL_SESSION_DAYS * 86400,
                path=PORTAL_COOKIE_PATH,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
    email = form["email"].value() or ""
    if not email:
        return redirect("portal_login")
    return render(request, "portal/code.html", {"form": form, "email": email})


@portal_session_required
@require_http_methods(["GET", "POST"])
def portal_choose(request: HttpRequest) -> HttpResponse:
    """A person who is a contact of several customers picks which one to act for."""
    session = request.portal_session  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            portal_session_choose(session=session, contact_id=int(request.POST.get("contact", "")))
        except (ValueError, Contact.DoesNotExist):
            raise Http404("No such customer") from None
        return redirect("portal_billing")
    contacts = list(contacts_for_email(session.email))
    if not contacts:
        portal_session_end(session=session)
        return logged_out(redirect("portal_login"))
    return render(request, "portal/choose.html", {"contacts": contacts, "session": session})


@require_POST
def portal_logout(request: HttpRequest) -> HttpResponse:
    session = portal_session_for_token(request.COOKIES.get(PORTAL_COOKIE, ""))
    if session is not None:
        portal_session_end(session=session)
    messages.success(request, "You are logged out.")
    return logged_out(redirect("portal_login"))


def _portal_context(request: HttpRequest, **extra) -> dict:
    contact = request.contact  # type: ignore[attr-defined]
    session = request.portal_session  # type: ignore[attr-defined]
    return {
        "contact": contact,
        "customer": contact.customer,
        "portal_agency": contact.customer.agency,
        "can_switch": contacts_for_email(session.email).count() > 1,
        **extra,
    }


@contact_required
def portal_billing(request: HttpRequest) -> HttpResponse:
    """Overview: active subscriptions, outstanding invoices and the total due."""
    customer = request.contact.customer  # type: ignore[attr-defined]
    return render(
        request,
        "portal/billing.html",
        _portal_context(
            request,
            subscriptions=selectors.live_subscriptions(customer),
            section="overview",
            **invoice_selectors.client_outstanding(customer),
        ),
    )


@contact_required
def portal_invoices(request: HttpRequest) -> HttpResponse:
    customer = request.contact.customer  # type: ignore[attr-defined]
    page = Paginator(invoice_selectors.client_invoices(customer), INVOICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "portal/invoices.html", _portal_context(request, page=page, section="invoices")
    )


def _invoice_for_contact(request: HttpRequest, invoice_id: int):
    """The invoice, if it is the contact's customer's and the client may see it; else 404."""
    customer = request.contact.customer  # type: ignore[attr-defined]
    invoice = invoice_selectors.client_invoice(customer, invoice_id)
    if invoice is None:
        raise Http404("No such invoice")
    return invoice


@billing_contact_required
@require_POST
def portal_invoice_pay(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Pay now: off to the invoice's hosted page on Stripe."""
    invoice = _invoice_for_contact(request, invoice_id)
    if not invoice.payable:
        messages.error(request, f"Invoice {invoice.number or ''} has nothing left to pay.")
        return redirect("portal_invoices")
    return HttpResponseRedirect(invoice.hosted_invoice_url, status=303)


@contact_required
def portal_invoice_pdf(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = _invoice_for_contact(request, invoice_id)
    if not invoice.invoice_pdf:
        raise Http404("This invoice has no PDF yet")
    return HttpResponseRedirect(invoice.invoice_pdf)


@contact_required
def portal_payment_methods(request: HttpRequest) -> HttpResponse:
    customer = request.contact.customer  # type: ignore[attr-defined]
    return render(
        request,
        "portal/payment_methods.html",
        _portal_context(request, card=selectors.card_on_file(customer), section="payment_methods"),
    )


@billing_contact_required
@require_POST
def portal_billing_portal(request: HttpRequest) -> HttpResponse:
    """Manage (or, with flow=update_card, Update card): a Stripe Billing Portal session."""
    flow = "payment_method_update" if request.POST.get("flow") == "update_card" else None
    try:
        url = billing_portal_session_create(
            session=request.portal_session,  # type: ignore[attr-defined]
            contact=request.contact,  # type: ignore[attr-defined]
            flow=flow,
        )
    except BillingError as error:
        messages.error(request, error.message)
        return redirect("portal_payment_methods")
    return HttpResponseRedirect(url, status=303)


@contact_required
def portal_brand_css(request: HttpRequest) -> HttpResponse:
    """The agency's brand colour as a stylesheet (pages carry no inline styles)."""
    colour = request.contact.customer.agency.brand_color  # type: ignore[attr-defined]
    if not _COLOUR.match(colour or ""):
        colour = Agency._meta.get_field("brand_color").default
    return HttpResponse(f":root {{ --portal-brand: {colour}; }}\n", content_type="text/css")


@contact_required
def portal_logo(request: HttpRequest) -> HttpResponse:
    agency = Agency.objects.only("logo", "logo_content_type").get(
        pk=request.contact.customer.agency_id  # type: ignore[attr-defined]
    )
    if not agency.logo or not agency.logo_content_type.startswith("image/"):
        raise Http404("No logo")
    response = HttpResponse(bytes(agency.logo), content_type=agency.logo_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
