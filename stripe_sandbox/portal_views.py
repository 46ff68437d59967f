"""The hosted Billing Portal behind a billing_portal.session's `url`: the default card with
"Update card", live subscriptions with "Cancel subscription" (when the configuration allows
it), invoice history, and "Return to …" back to the session's `return_url`. A session made
with `flow_data[type]=payment_method_update` opens on the card form."""

import logging

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from stripe_sandbox.api import billing_portal
from stripe_sandbox.cards import DECLINES, TEST_CARDS
from stripe_sandbox.forms import PortalCardForm
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.money import format_amount
from stripe_sandbox.operation import sandbox_operation

logger = logging.getLogger(__name__)


def _session(session_id: str) -> SandboxObject:
    session = billing_portal.find_session(session_id)
    if session is None:
        raise Http404("No such billing portal session")
    return session


@require_http_methods(["GET"])
def portal_home(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _session(session_id)
    flow = session.data["flow"]
    if flow and flow["type"] == "payment_method_update" and "home" not in request.GET:
        return redirect("stripe_sandbox:billing_portal_card", session_id)
    page = billing_portal.portal_page(session)
    for invoice in page["invoices"]:
        invoice["display_total"] = format_amount(invoice["total"], invoice["currency"])
    for subscription in page["subscriptions"]:
        price = subscription["items"]["data"][0]["price"]
        subscription["display_price"] = (
            f"{format_amount(price['unit_amount'], price['currency'])} / "
            f"{price['recurring']['interval']}"
        )
        subscription["period_end"] = subscription["items"]["data"][0]["current_period_end"]
    return render(
        request,
        "stripe_sandbox/billing_portal.html",
        {**page, "session": session.data, "features": billing_portal.session_features(session)},
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def portal_card(request: HttpRequest, session_id: str) -> HttpResponse:
    session = _session(session_id)
    if not billing_portal.session_features(session)["payment_method_update"]:
        raise Http404("Updating payment methods is turned off for this portal")
    form = PortalCardForm(request.POST or None)
    decline = None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["card_number"]
        if number in DECLINES:
            decline = DECLINES[number].message
        else:
            month, year = form.cleaned_data["expiry"]
            with sandbox_operation():
                billing_portal.update_card(
                    session,
                    card=TEST_CARDS[number],
                    last4=number[-4:],
                    exp_month=month,
                    exp_year=year,
                    name=form.cleaned_data["name"],
                )
            logger.info("sandbox billing portal %s: card updated", session_id)
            flow = session.data["flow"]
            if flow and flow["after_completion"]["type"] == "redirect":
                return HttpResponseRedirect(flow["after_completion"]["redirect"]["return_url"])
            return redirect(f"/sandbox/billing_portal/{session_id}/?home=1")
    return render(
        request,
        "stripe_sandbox/billing_portal_card.html",
        {"session": session.data, "form": form, "decline": decline},
    )


@csrf_protect
@require_POST
def portal_cancel(request: HttpRequest, session_id: str, subscription_id: str) -> HttpResponse:
    session = _session(session_id)
    if not billing_portal.session_features(session)["subscription_cancel"]:
        raise Http404("Cancelling is turned off for this portal")
    with sandbox_operation():
        billing_portal.cancel_at_period_end(session, subscription_id)
    logger.info("sandbox billing portal %s: %s cancels at period end", session_id, subscription_id)
    return redirect(f"/sandbox/billing_portal/{session_id}/?home=1")
