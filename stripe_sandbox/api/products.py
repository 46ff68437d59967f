"""Products and Prices on a connected account."""

from typing import Any

from django.db.models import Q

from stripe_sandbox import events, store
from stripe_sandbox.api.base import (
    ApiRequest,
    copy_given,
    exact_filters,
    merge_metadata,
    save_updated,
)
from stripe_sandbox.errors import ApiError, invalid_parameter
from stripe_sandbox.money import MAXIMUM_AMOUNT


def create_product(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    row = store.create(
        "product",
        "prod",
        account=request.account,
        fields={
            "active": params.get("active", True),
            "default_price": None,
            "description": params.get("description"),
            "images": params.get("images", []),
            "marketing_features": [],
            "metadata": merge_metadata(params),
            "name": params["name"],
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": params.get("statement_descriptor"),
            "tax_code": params.get("tax_code"),
            "type": "service",
            "unit_label": params.get("unit_label"),
            "url": params.get("url"),
        },
        object_id=params.get("id"),
    )
    row.data["updated"] = row.data["created"]
    if params.get("default_price_data"):
        price = _new_price(
            request,
            {**params["default_price_data"], "product": row.id},
            product=row.data,
            param_prefix="default_price_data",
        )
        row.data["default_price"] = price["id"]
    store.save(row)
    events.emit("product.created", row.data, account=request.account)
    return request.expanded(row.data)


def retrieve_product(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("product", id, account=request.account).data)


def update_product(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("product", id, account=request.account)
    before = store.snapshot(row)
    params = request.params
    copy_given(
        row.data,
        params,
        ("active", "description", "name", "statement_descriptor", "unit_label", "url"),
    )
    if "default_price" in params:
        store.load("price", params["default_price"], account=request.account, param="default_price")
        row.data["default_price"] = params["default_price"]
    row.data["metadata"] = merge_metadata(params, row.data["metadata"])
    return save_updated(request, row, before, "product.updated")


def list_products(request: ApiRequest) -> dict[str, Any]:
    return store.list_response(
        "product",
        account=request.account,
        url="/v1/products",
        params=request.params,
        filters=exact_filters(request.params, ("active",)),
    )


def _new_price(
    request: ApiRequest, params: dict[str, Any], *, product: dict[str, Any], param_prefix: str = ""
) -> dict[str, Any]:
    recurring = params.get("recurring")
    unit_amount = params.get("unit_amount")
    if unit_amount is None and "unit_amount_decimal" not in params:
        raise ApiError(
            "Missing required param: unit_amount.", code="parameter_missing", param="unit_amount"
        )
    given = "unit_amount" if unit_amount is not None else "unit_amount_decimal"
    if unit_amount is None:
        unit_amount = int(params["unit_amount_decimal"])
    if unit_amount < 0:
        raise ApiError(
            "Invalid unit_amount: must be at least 0", param="unit_amount", code="parameter_invalid"
        )
    if unit_amount > MAXIMUM_AMOUNT:
        raise invalid_parameter(
            f"{param_prefix}[{given}]" if param_prefix else given,
            f"Invalid {given}: must be at most {MAXIMUM_AMOUNT}",
        )
    lookup_key = params.get("lookup_key")
    row = store.create(
        "price",
        "price",
        account=request.account,
        fields={
            "active": params.get("active", True),
            "billing_scheme": "per_unit",
            "currency": params["currency"].lower(),
            "custom_unit_amount": None,
            "lookup_key": lookup_key,
            "metadata": merge_metadata(params),
            "nickname": params.get("nickname"),
            "product": product["id"],
            "recurring": _recurring(recurring) if recurring else None,
            "tax_behavior": params.get("tax_behavior", "unspecified"),
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
    )
    events.emit("price.created", row.data, account=request.account)
    return row.data


def _recurring(recurring: dict[str, Any]) -> dict[str, Any]:
    return {
        "interval": recurring["interval"],
        "interval_count": recurring.get("interval_count", 1),
        "meter": None,
        "trial_period_days": recurring.get("trial_period_days"),
        "usage_type": recurring.get("usage_type", "licensed"),
    }


def create_price(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    if "product" not in params and "product_data" not in params:
        raise ApiError(
            "Missing required param: product.", code="parameter_missing", param="product"
        )
    if "product" in params:
        product = store.load(
            "product", params["product"], account=request.account, param="product"
        ).data
    else:
        product = create_product(
            ApiRequest(
                "post", "/v1/products", request.account, params["product_data"], request.request_id
            )
        )
    return request.expanded(_new_price(request, params, product=product))


def retrieve_price(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("price", id, account=request.account).data)


def update_price(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("price", id, account=request.account)
    before = store.snapshot(row)
    params = request.params
    copy_given(row.data, params, ("active", "lookup_key", "nickname", "tax_behavior"))
    row.data["metadata"] = merge_metadata(params, row.data["metadata"])
    return save_updated(request, row, before, "price.updated")


def list_prices(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("active", "product", "currency", "type"))
    if params.get("lookup_keys"):
        filters &= Q(data__lookup_key__in=params["lookup_keys"])
    return store.list_response(
        "price", account=request.account, url="/v1/prices", params=params, filters=filters
    )
