"""Hosted pages: Connect onboarding and Checkout. Labels and buttons are what Stripe's pages
say, so browser tests can drive them: "Business name", "Agree and submit"; "Email", "Card
number", "Expiration (MM / YY)", "CVC", "Name on card", then "Start trial", "Subscribe",
"Pay" or "Save card", and a "Cancel" link. Invoices: the hosted invoice page (the same card
form, "Pay") and its PDF. The outbox: every email the product sent in sandbox mode."""

import logging
import re
from datetime import UTC, datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from stripe_sandbox import billing, checkout_flow, emails, invoicing, tax
from stripe_sandbox.api import accounts, checkout
from stripe_sandbox.cards import DECLINED_CARD, DECLINES, TEST_CARDS
from stripe_sandbox.forms import AddressForm, CardForm, OnboardingForm
from stripe_sandbox.invoice_pdf import render_invoice_pdf
from stripe_sandbox.models import OutboxEmail, SandboxObject
from stripe_sandbox.money import format_amount
from stripe_sandbox.operation import sandbox_operation

logger = logging.getLogger(__name__)
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@csrf_protect
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest, token: str) -> HttpResponse:
    with sandbox_operation():
        link = accounts.onboarding_link(token)
        if link is None:
            raise Http404("No such account link")
        if not accounts.link_is_usable(link):
            return redirect(link.private["refresh_url"])
        account = SandboxObject.objects.get(id=link.private["account"]).data
        form = OnboardingForm(
            request.POST or None, initial={"business_name": account["business_profile"]["name"]}
        )
        if request.method == "POST" and form.is_valid():
            return_url = accounts.complete_onboarding(
                link, business_name=form.cleaned_data["business_name"]
            )
            logger.info("sandbox onboarding completed for %s", account["id"])
            return HttpResponseRedirect(return_url)
    return render(request, "stripe_sandbox/onboarding.html", {"account": account, "form": form})


@csrf_protect
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, session_id: str) -> HttpResponse:
    shown = request.method == "GET"
    with sandbox_operation(read_only=shown):
        session = checkout.find_session(session_id, lock=not shown)
        if session is None:
            raise Http404("No such checkout session")
        if session.data["status"] == "complete":
            # Stripe answers a paid session's URL with the outcome, not an error.
            return render(request, "stripe_sandbox/checkout_paid.html", _paid_context(session))
        if not checkout_flow.is_payable(session):
            return render(request, "stripe_sandbox/checkout_gone.html", status=410)
        context = _checkout_context(session)
        taxed = bool(session.data["automatic_tax"]["enabled"])
        posted = request.POST or None
        updating_total = bool(request.POST.get("update_total"))
        form = CardForm(
            None if updating_total else posted,
            # "Update total" only prices the tax: keep what was typed, never the card.
            initial={
                "email": request.POST.get("email") or context["email"],
                "name": request.POST.get("name", ""),
            },
        )
        address_form = AddressForm(posted, initial=_address_initial(context["address"]))
        if taxed:
            if address_form.is_bound and address_form.is_valid():
                context["address"] = address_form.address() or context["address"]
            if context["address"]:
                _add_tax_line(context, session)
            context["address_form"] = address_form
        if request.method == "POST" and not updating_total:
            address_ok = address_form.is_valid()
            if taxed and address_ok and not context["address"]:
                address_form.add_error("country", "Enter your country to calculate tax.")
                address_ok = False
            if form.is_valid() and (address_ok or not taxed):
                number = form.cleaned_data["card_number"]
                decline = DECLINES.get(number)
                if decline is not None:
                    logger.info(
                        "sandbox checkout %s: card declined (%s)", session.id, decline.decline_code
                    )
                    context.update(form=form, decline=decline.message)
                    return render(request, "stripe_sandbox/checkout.html", context)
                month, year = form.cleaned_data["expiry"]
                success_url = checkout_flow.complete_session(
                    session,
                    checkout_flow.CardDetails(
                        card=TEST_CARDS[number],
                        last4=number[-4:],
                        exp_month=month,
                        exp_year=year,
                        name=form.cleaned_data["name"],
                        email=form.cleaned_data["email"],
                        address=address_form.address() if taxed else None,
                    ),
                )
                logger.info("sandbox checkout %s completed", session.id)
                if success_url is None:
                    return render(request, "stripe_sandbox/checkout_done.html", context)
                return HttpResponseRedirect(success_url, status=303)
    context["form"] = form
    return render(request, "stripe_sandbox/checkout.html", context)


def _address_initial(address: dict | None) -> dict:
    return {key: value for key, value in (address or {}).items() if value}


def _add_tax_line(context: dict, session: SandboxObject) -> None:
    """The tax the page's address owes now, from stripe_sandbox.tax's table, and the total."""
    data = session.data
    if data["amount_subtotal"] is None or context["trial_days"]:
        return
    jurisdiction = tax.jurisdiction_for(context["address"])
    amount = tax.tax_amount(data["amount_subtotal"], jurisdiction)
    percent = f"{jurisdiction.basis_points / 100:g} %" if jurisdiction else "0 %"
    name = jurisdiction.display_name if jurisdiction else "Tax"
    context["tax_line"] = {
        "label": f"{name} ({percent})",
        "amount": format_amount(amount, data["currency"]),
    }
    context["total_due"] = format_amount(data["amount_subtotal"] + amount, data["currency"])


def _checkout_context(session: SandboxObject) -> dict:
    data = session.data
    account = SandboxObject.objects.filter(id=session.account, object="account").first()
    agency = account.data["business_profile"]["name"] if account else None
    customer = (
        SandboxObject.objects.filter(id=data["customer"]).first() if data.get("customer") else None
    )
    lines = []
    for price, quantity in checkout_flow.session_prices(session):
        product = SandboxObject.objects.filter(id=price["product"]).first()
        amount = format_amount(price["unit_amount"] * quantity, price["currency"])
        recurring = price["recurring"]
        if recurring:
            count = recurring["interval_count"]
            every = recurring["interval"] if count == 1 else f"{count} {recurring['interval']}s"
            amount = f"{amount} per {every}"
        name = product.data["name"] if product else price["product"]
        lines.append({"name": name, "quantity": quantity, "amount": amount})
    trial_days = session.private["subscription_data"].get("trial_period_days")
    mode = data["mode"]
    if mode == "subscription":
        submit = "Start trial" if trial_days else "Subscribe"
    else:
        submit = "Pay" if mode == "payment" else "Save card"
    branding = data.get("branding_settings") or {}
    return {
        "session": data,
        "agency": branding.get("display_name") or agency or "Sandbox business",
        "logo_url": (branding.get("logo") or {}).get("url"),
        "lines": lines,
        "trial_days": trial_days,
        "submit_label": submit,
        "email": (customer.data.get("email") if customer else None) or data.get("customer_email"),
        "cancel_url": data.get("cancel_url"),
        "address": checkout.tax_address(session),
    }


@require_http_methods(["GET"])
def checkout_brand_css(request: HttpRequest, session_id: str) -> HttpResponse:
    """The session's button colour as a stylesheet: the hosted page has no inline styles."""
    session = SandboxObject.objects.filter(id=session_id, object="checkout.session").first()
    if session is None:
        raise Http404("No such checkout session")
    colour = (session.data.get("branding_settings") or {}).get("button_color") or ""
    if not HEX_COLOUR.fullmatch(colour):
        colour = "#635bff"
    css = f":root {{ --brand: {colour}; --brand-text: {_readable_text_on(colour)}; }}\n"
    return HttpResponse(css, content_type="text/css")


def _readable_text_on(colour: str) -> str:
    """White or near-black, whichever contrasts more with the button colour (WCAG)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#1a1f36"


def _paid_context(session: SandboxObject) -> dict:
    context = _checkout_context(session)
    subscription_id = session.data.get("subscription")
    subscription = (
        SandboxObject.objects.filter(id=subscription_id).first() if subscription_id else None
    )
    if subscription is not None:
        data = subscription.data
        item = data["items"]["data"][0]
        next_charge = data["trial_end"] if data["status"] == "trialing" else None
        context["subscription"] = data
        if not data["cancel_at_period_end"]:
            timestamp = next_charge or item["current_period_end"]
            context["next_charge"] = datetime.fromtimestamp(timestamp, tz=UTC)
        context["next_amount"] = format_amount(
            item["price"]["unit_amount"] * item["quantity"], item["price"]["currency"]
        )
    return context


def _finalized_invoice(invoice_id: str, *, lock: bool = False) -> tuple[SandboxObject, str]:
    rows = SandboxObject.objects.select_for_update() if lock else SandboxObject.objects
    row = rows.filter(id=invoice_id, object="invoice").first()
    if row is None or row.data["status"] == "draft":
        raise Http404("No such invoice")
    account = SandboxObject.objects.filter(id=row.account, object="account").first()
    name = (account.data["business_profile"]["name"] if account else None) or "Sandbox business"
    return row, name


@csrf_protect
@require_http_methods(["GET", "POST"])
def invoice_page(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """The hosted invoice page behind `hosted_invoice_url`: the invoice, and while it is open
    (or uncollectible) a card form with "Pay"; 4242… pays, 4000 0000 0000 0002 is declined."""
    with sandbox_operation():
        row, business_name = _finalized_invoice(invoice_id, lock=request.method == "POST")
        invoice = row.data
        payable = invoice["status"] in ("open", "uncollectible")
        form = CardForm(request.POST or None, initial={"email": invoice.get("customer_email")})
        decline = None
        if request.method == "POST" and payable and form.is_valid():
            decline = _pay_invoice(row, form.cleaned_data)
            payable = invoice["status"] != "paid"
    currency = invoice["currency"]
    lines = [
        {"description": line["description"], "amount": format_amount(line["amount"], currency)}
        for line in invoice["lines"]["data"]
    ]
    return render(
        request,
        "stripe_sandbox/invoice.html",
        {
            "invoice": invoice,
            "business_name": business_name,
            "lines": lines,
            "total": format_amount(invoice["total"], currency),
            "amount_due": format_amount(invoice["amount_remaining"], currency),
            "form": form if payable else None,
            "decline": decline,
        },
    )


def _pay_invoice(row: SandboxObject, card_form: dict) -> str | None:
    """Pay the invoice with the card typed in; the decline message, or None when it paid."""
    number = card_form["card_number"]
    declined = DECLINES.get(number)
    month, year = card_form["expiry"]
    payment_method = billing.create_card_payment_method(
        account=row.account,
        customer=None,
        card=TEST_CARDS.get(number) or DECLINED_CARD,
        last4=number[-4:],
        exp_month=month,
        exp_year=year,
        name=card_form["name"],
        email=card_form["email"],
    )
    decline = (declined.code, declined.decline_code, declined.message) if declined else None
    charge = invoicing.pay_by_card(row, payment_method, decline)
    if declined is not None:
        logger.info("sandbox invoice %s: card declined (%s)", row.id, declined.decline_code)
        return declined.message
    emails.receipt(row.data, charge.data)
    logger.info("sandbox invoice %s paid by %s", row.id, charge.id)
    return None


@require_http_methods(["GET"])
def invoice_pdf(request: HttpRequest, invoice_id: str) -> HttpResponse:
    """The PDF behind `invoice_pdf`."""
    row, business_name = _finalized_invoice(invoice_id)
    invoice = row.data
    response = HttpResponse(
        render_invoice_pdf(invoice, business_name), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{invoice["number"] or invoice_id}.pdf"'
    return response


# The outbox's own policy for an email's HTML: emails carry inline styles (mail clients need
# them) and may show remote images; nothing else, and no script, ever runs in it.
OUTBOX_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:"


@require_http_methods(["GET"])
def outbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(OutboxEmail.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "stripe_sandbox/outbox/list.html", {"page": page})


@require_http_methods(["GET"])
def outbox_email(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(OutboxEmail, pk=pk)
    return render(request, "stripe_sandbox/outbox/email.html", {"email": email})


@xframe_options_sameorigin
@require_http_methods(["GET"])
def outbox_email_html(request: HttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(OutboxEmail, pk=pk)
    if not email.html:
        raise Http404("This email has no HTML part")
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = OUTBOX_HTML_POLICY
    return response
