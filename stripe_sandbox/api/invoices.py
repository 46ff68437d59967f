"""Invoices: create (one-off, with `application_fee_amount`), finalize, send, pay, void, mark
uncollectible, read and list; preview a subscription's next invoice or a plan switch.
Subscription invoices are made by `billing.py`."""

import copy
from typing import Any

from django.db.models import Q

from stripe_sandbox import billing, clock, events, invoicing, lifecycle, proration, store
from stripe_sandbox.api.base import ApiRequest, exact_filters
from stripe_sandbox.api.invoice_items import pending_items
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject


def create_invoice(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    if "customer" not in params:
        raise ApiError("Missing required param: customer.", param="customer")
    customer = store.load("customer", params["customer"], account=request.account, param="customer")
    collection_method = params.get("collection_method", "charge_automatically")
    days = params.get("days_until_due")
    if collection_method == "send_invoice" and days is None and "due_date" not in params:
        raise ApiError(
            "Missing required param: days_until_due. Invoices with collection_method "
            "send_invoice need days_until_due or due_date.",
            param="days_until_due",
        )
    if collection_method != "send_invoice" and days is not None:
        raise ApiError(
            "Can't set days_until_due when collection_method is charge_automatically.",
            param="days_until_due",
        )
    fee = params.get("application_fee_amount")
    if fee is not None:
        request.require_connected_account("application_fee_amount")
        if fee < 0:
            raise ApiError("Invalid non-negative integer", param="application_fee_amount")
    items = []
    if params.get("pending_invoice_items_behavior") == "include":
        items = pending_items(request.account, customer.id)
    currency = params.get("currency") or (items[0].data["currency"] if items else None)
    invoice = invoicing.new_invoice(
        account=request.account,
        customer=customer,
        currency=currency or customer.data.get("currency") or "usd",
        collection_method=collection_method,
        billing_reason="manual",
        description=params.get("description"),
        metadata=params.get("metadata") or {},
        days_until_due=days,
        auto_advance=params.get("auto_advance", False),
        application_fee_amount=fee,
    )
    if "due_date" in params:
        invoice.data["due_date"] = params["due_date"]
    for item in items:
        item.data["invoice"] = invoice.id
        store.save(item)
    invoicing.set_lines(invoice, [invoicing.invoice_item_line(invoice.id, i.data) for i in items])
    events.emit("invoice.created", invoice.data, account=request.account)
    return request.expanded(invoice.data)


def _load(request: ApiRequest, id: str) -> SandboxObject:
    return store.load("invoice", id, account=request.account, param="invoice")


def finalize_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    invoice = _load(request, id)
    if "auto_advance" in request.params:
        invoice.data["auto_advance"] = request.params["auto_advance"]
    invoicing.finalize(invoice)
    return request.expanded(invoice.data)


def send_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    invoice = _load(request, id)
    invoicing.send(invoice)
    return request.expanded(invoice.data)


def pay_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    """Pay with `payment_method`, the invoice's or the customer's default card (the sandbox
    only stores cards that pay), or `paid_out_of_band`."""
    invoice = _load(request, id)
    if request.params.get("paid_out_of_band"):
        invoicing.pay_out_of_band(invoice)
    else:
        invoicing.pay_by_card(invoice, _payment_method_for(request, invoice).data)
    return request.expanded(invoice.data)


def _payment_method_for(request: ApiRequest, invoice: SandboxObject) -> SandboxObject:
    customer = SandboxObject.objects.get(id=invoice.data["customer"])
    payment_method_id = (
        request.params.get("payment_method")
        or invoice.data.get("default_payment_method")
        or customer.data["invoice_settings"].get("default_payment_method")
    )
    if not payment_method_id:
        raise ApiError(
            "This customer has no attached payment source or default payment method. Please "
            "consider adding a default payment method.",
            code="invoice_no_payment_method_types",
        )
    return store.load(
        "payment_method", payment_method_id, account=request.account, param="payment_method"
    )


def void_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    invoice = _load(request, id)
    invoicing.void(invoice)
    return request.expanded(invoice.data)


def mark_uncollectible(request: ApiRequest, id: str) -> dict[str, Any]:
    invoice = _load(request, id)
    invoicing.mark_uncollectible(invoice)
    return request.expanded(invoice.data)


def retrieve_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("invoice", id, account=request.account, param="id").data)


def list_invoices(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("customer", "status", "collection_method"))
    if "subscription" in params:
        filters &= Q(data__parent__subscription_details__subscription=params["subscription"])
    return store.list_response(
        "invoice", account=request.account, url="/v1/invoices", params=params, filters=filters
    )


def create_preview(request: ApiRequest) -> dict[str, Any]:
    """The invoice a subscription change would make, without changing anything: the one
    billed now when the change invoices at once (`always_invoice`, or a new interval that
    restarts the cycle), else the next renewal with its pending and new prorations."""
    params = request.params
    if not params.get("subscription"):
        raise ApiError(
            "The sandbox previews subscription invoices only; pass `subscription`.",
            param="subscription",
            code="parameter_missing",
        )
    row = store.load("subscription", params["subscription"], account=request.account)
    customer_id = params.get("customer") or row.data["customer"]
    if customer_id != row.data["customer"]:
        raise ApiError(
            f"The subscription {row.id} does not belong to customer {customer_id}.",
            param="customer",
        )
    customer = store.load("customer", customer_id, account=request.account, param="customer")
    details = params.get("subscription_details") or {}
    data = copy.deepcopy(row.data)
    when = details.get("proration_date", clock.now())
    change = proration.plan_change(
        request.account,
        data,
        details.get("items") or [],
        proration_behavior=details.get("proration_behavior", "create_prorations"),
        proration_date=when,
    )
    change.apply(data)
    invoice_id = new_id("upcoming_in")
    pending = [
        item.data for item in billing.pending_invoice_items(request.account, customer_id, row.id)
    ]
    if change.invoice_now or change.restarts_cycle:
        items, reason = change.proration_items, "subscription_update"
        with_items = change.restarts_cycle
        if change.restarts_cycle:
            items = pending + items
    else:
        items, reason, with_items = pending + change.proration_items, "subscription_cycle", True
        if data["status"] == "trialing" and data["trial_end"]:
            lifecycle.start_period(data, data["trial_end"])
        else:
            lifecycle.start_period(
                data, max(item["current_period_end"] for item in data["items"]["data"])
            )
    lines = billing.subscription_lines(
        invoice_id, data, trialing=False, invoice_items=items, with_items=with_items
    )
    for line in lines:
        line["id"] = new_id("il_tmp")
    starts = min(item["current_period_start"] for item in data["items"]["data"])
    preview = billing.preview_invoice(
        account=request.account,
        subscription=data,
        customer=customer,
        lines=lines,
        invoice_id=invoice_id,
        billing_reason=reason,
    )
    preview["period_start"] = preview["period_end"] = starts
    preview["next_payment_attempt"] = (
        starts if with_items and reason != "subscription_update" else clock.now()
    )
    preview["parent"]["subscription_details"]["subscription_proration_date"] = when
    return request.expanded(preview)


def retrieve_tax_rate(request: ApiRequest, id: str) -> dict[str, Any]:
    """A tax rate the sandbox's automatic tax made (stripe_sandbox.tax)."""
    return request.expanded(store.load("tax_rate", id, account=request.account).data)
