"""Customers on a connected account."""

from typing import Any

from stripe_sandbox import events, store
from stripe_sandbox.api.base import (
    ApiRequest,
    copy_given,
    exact_filters,
    merge_metadata,
    save_updated,
)
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id

_EMPTY_ADDRESS = {
    "city": None,
    "country": None,
    "line1": None,
    "line2": None,
    "postal_code": None,
    "state": None,
}
_SIMPLE_FIELDS = ("description", "email", "name", "phone", "preferred_locales")


def create_customer(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    row = store.create(
        "customer",
        "cus",
        account=request.account,
        fields={
            "address": {**_EMPTY_ADDRESS, **params["address"]} if params.get("address") else None,
            "balance": params.get("balance", 0),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "discount": None,
            "email": params.get("email"),
            "invoice_prefix": new_id("x", 8)[2:].upper(),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "metadata": merge_metadata(params),
            "name": params.get("name"),
            "next_invoice_sequence": 1,
            "phone": params.get("phone"),
            "preferred_locales": params.get("preferred_locales", []),
            "shipping": None,
            "tax_exempt": params.get("tax_exempt", "none"),
            "test_clock": None,
        },
    )
    _set_default_payment_method(request, row.data, params)
    store.save(row)
    events.emit("customer.created", row.data, account=request.account)
    return request.expanded(row.data)


def _set_default_payment_method(
    request: ApiRequest, data: dict[str, Any], params: dict[str, Any]
) -> None:
    settings_given = params.get("invoice_settings") or {}
    if "default_payment_method" not in settings_given:
        return
    pm_id = settings_given["default_payment_method"]
    if pm_id:
        pm = store.load(
            "payment_method",
            pm_id,
            account=request.account,
            param="invoice_settings[default_payment_method]",
        )
        data_customer = pm.data.get("customer")
        if data_customer != data["id"]:
            raise ApiError(
                f"The customer does not have a payment method with the ID {pm_id}. The payment "
                "method must be attached to the customer.",
                param="invoice_settings[default_payment_method]",
                code="resource_missing",
            )
    data["invoice_settings"]["default_payment_method"] = pm_id or None


def retrieve_customer(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("customer", id, account=request.account).data)


def update_customer(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("customer", id, account=request.account)
    before = store.snapshot(row)
    params = request.params
    copy_given(row.data, params, _SIMPLE_FIELDS)
    if "address" in params:
        row.data["address"] = {**_EMPTY_ADDRESS, **params["address"]} if params["address"] else None
    _set_default_payment_method(request, row.data, params)
    row.data["metadata"] = merge_metadata(params, row.data["metadata"])
    return save_updated(request, row, before, "customer.updated")


def list_customers(request: ApiRequest) -> dict[str, Any]:
    return store.list_response(
        "customer",
        account=request.account,
        url="/v1/customers",
        params=request.params,
        filters=exact_filters(request.params, ("email",)),
    )
