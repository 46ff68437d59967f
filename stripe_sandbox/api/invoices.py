"""Invoices: create (one-off, with `application_fee_amount`), finalize, send, pay, void, mark
uncollectible, read and list. Subscription invoices are made by `billing.py`."""

from typing import Any

from django.db.models import Q

from stripe_sandbox import events, invoicing, store
from stripe_sandbox.api.base import ApiRequest, exact_filters
from stripe_sandbox.api.invoice_items import pending_items
from stripe_sandbox.errors import ApiError
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
