"""Invoice items: an amount (or a one-time price) waiting for an invoice, or added to a draft."""

from typing import Any

from stripe_sandbox import clock, events, invoicing, store
from stripe_sandbox.api.base import ApiRequest, exact_filters, merge_metadata
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject


def pending_items(account: str, customer_id: str) -> list[SandboxObject]:
    """The customer's items not yet on an invoice, oldest first, row-locked."""
    return list(
        SandboxObject.objects.select_for_update()
        .filter(object="invoiceitem", account=account, data__customer=customer_id)
        .filter(data__invoice=None)
        .order_by("created", "inserted_at")
    )


def create_invoice_item(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    if "customer" not in params:
        raise ApiError("Missing required param: customer.", param="customer")
    customer = store.load("customer", params["customer"], account=request.account, param="customer")
    quantity = params.get("quantity", 1)
    price = _price(request, params)
    if price is not None:
        amount = price["unit_amount"] * quantity
        currency = price["currency"]
        unit_amount_decimal = price["unit_amount_decimal"]
        price_details = {"price": price["id"], "product": price["product"]}
    else:
        if "amount" not in params:
            raise ApiError("Missing required param: amount.", param="amount")
        if "currency" not in params:
            raise ApiError("Missing required param: currency.", param="currency")
        amount, currency = params["amount"], params["currency"].lower()
        unit_amount_decimal = str(amount // quantity) if quantity else "0"
        price_details = None
    invoice = None
    if params.get("invoice"):
        invoice = store.load("invoice", params["invoice"], account=request.account, param="invoice")
        if invoice.data["status"] != "draft":
            raise ApiError(
                f"Invoice {invoice.id} is finalized; items can only be added to a draft.",
                param="invoice",
                code="invoice_not_editable",
            )
        if invoice.data["currency"] != currency:
            raise ApiError(
                f"The invoice item's currency ({currency}) must match the invoice's "
                f"({invoice.data['currency']}).",
                param="currency",
            )
    now = clock.now()
    row = store.create(
        "invoiceitem",
        "ii",
        account=request.account,
        fields={
            "amount": amount,
            "currency": currency,
            "customer": customer.id,
            "customer_account": None,
            "date": now,
            "description": params.get("description"),
            "discountable": params.get("discountable", True),
            "discounts": [],
            "invoice": invoice.id if invoice else None,
            "metadata": merge_metadata(params),
            "net_amount": amount,
            "parent": None,
            "period": {"end": now, "start": now},
            "pricing": {
                "price_details": price_details,
                "type": "price_details",
                "unit_amount_decimal": unit_amount_decimal,
            },
            "proration": False,
            "proration_details": {"discount_amounts": []},
            "quantity": quantity,
            "quantity_decimal": str(quantity),
            "tax_rates": [],
            "test_clock": None,
        },
        omit=("created",),
    )
    if invoice is not None:
        lines = [*invoice.data["lines"]["data"], invoicing.invoice_item_line(invoice.id, row.data)]
        invoicing.set_lines(invoice, lines)
        events.emit("invoice.updated", invoice.data, account=request.account)
    events.emit("invoiceitem.created", row.data, account=request.account)
    return request.expanded(row.data)


def _price(request: ApiRequest, params: dict[str, Any]) -> dict[str, Any] | None:
    price_id = (params.get("pricing") or {}).get("price")
    if not price_id:
        return None
    if "amount" in params:
        raise ApiError("You may only specify one of these parameters: amount, pricing.price.")
    price = store.load("price", price_id, account=request.account, param="pricing[price]").data
    if price["recurring"]:
        raise ApiError(
            f"The price {price_id} is recurring; invoice items take one-time prices.",
            param="pricing[price]",
        )
    return price


def retrieve_invoice_item(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("invoiceitem", id, account=request.account).data)


def list_invoice_items(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("customer", "invoice"))
    if params.get("pending") is True:
        filters &= exact_filters({"invoice": None}, ("invoice",))
    return store.list_response(
        "invoiceitem",
        account=request.account,
        url="/v1/invoiceitems",
        params=params,
        filters=filters,
    )
