"""Subscriptions: read, list, change plan, pause collection, cancel."""

import copy
from typing import Any

from django.db.models import Q

from stripe_sandbox import billing, clock, events, store
from stripe_sandbox.api.base import ApiRequest, merge_metadata
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject

_OPEN_STATUSES = ["active", "trialing", "past_due", "unpaid", "incomplete", "paused"]


def retrieve_subscription(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("subscription", id, account=request.account).data)


def list_subscriptions(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = Q()
    if "customer" in params:
        filters &= Q(data__customer=params["customer"])
    status = params.get("status")
    if status is None:
        filters &= ~Q(data__status__in=["canceled", "incomplete_expired"])
    elif status == "ended":
        filters &= Q(data__status__in=["canceled", "incomplete_expired"])
    elif status != "all":
        filters &= Q(data__status=status)
    price = params.get("price")

    def has_price(data: dict[str, Any]) -> bool:
        return any(item["price"]["id"] == price for item in data["items"]["data"])

    return store.list_response(
        "subscription",
        account=request.account,
        url="/v1/subscriptions",
        params=params,
        filters=filters,
        keep=has_price if price else None,
    )


def update_subscription(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("subscription", id, account=request.account)
    data = row.data
    params = request.params
    if data["status"] in ("canceled", "incomplete_expired"):
        allowed = {"metadata", "cancellation_details", "expand"}
        if set(params) - allowed:
            raise ApiError(
                "A canceled subscription can only update its cancellation_details and metadata.",
                param=sorted(set(params) - allowed)[0],
            )
    before = copy.deepcopy(data)
    if "items" in params:
        _change_items(request, row, params["items"])
    if "pause_collection" in params:
        pause = params["pause_collection"]
        data["pause_collection"] = (
            {"behavior": pause["behavior"], "resumes_at": pause.get("resumes_at")}
            if pause
            else None
        )
    if "cancel_at_period_end" in params:
        _set_cancel_at_period_end(data, params["cancel_at_period_end"])
    if "default_payment_method" in params:
        data["default_payment_method"] = _payment_method_for(
            request, data, params["default_payment_method"]
        )
    if "application_fee_percent" in params:
        request.require_connected_account("application_fee_percent")
        fee = params["application_fee_percent"]
        data["application_fee_percent"] = None if fee == "" else float(fee)
    if "description" in params:
        data["description"] = params["description"] or None
    data["metadata"] = merge_metadata(params, data["metadata"])
    previous = events.changed(before, data)
    store.save(row)
    if previous:
        events.emit(
            "customer.subscription.updated",
            data,
            account=request.account,
            previous_attributes=previous,
        )
    return request.expanded(data)


def _change_items(request: ApiRequest, row: SandboxObject, items: list[dict[str, Any]]) -> None:
    data = row.data
    by_id = {item["id"]: item for item in data["items"]["data"]}
    for index, change in enumerate(items):
        if "id" not in change:
            raise ApiError(
                "The sandbox can only change existing subscription items; pass items[][id].",
                param=f"items[{index}][id]",
                code="parameter_missing",
            )
        item = by_id.get(change["id"])
        if item is None:
            raise ApiError(
                f"No such subscription item: '{change['id']}'",
                status=404,
                param=f"items[{index}][id]",
                code="resource_missing",
            )
        if change.get("price"):
            price = store.load(
                "price", change["price"], account=request.account, param=f"items[{index}][price]"
            ).data
            if not price["recurring"]:
                raise ApiError(
                    "The price specified is set to `type=one_time` but this field only accepts "
                    "prices with `type=recurring`.",
                    param=f"items[{index}][price]",
                )
            replacement = billing.subscription_item(
                data["id"],
                price,
                change.get("quantity", item["quantity"]),
                start=item["current_period_start"],
                end=item["current_period_end"],
            )
            replacement["id"] = item["id"]
            item.clear()
            item.update(replacement)
        elif "quantity" in change:
            item["quantity"] = change["quantity"]


def _set_cancel_at_period_end(data: dict[str, Any], cancel: bool) -> None:
    data["cancel_at_period_end"] = cancel
    if cancel:
        data["cancel_at"] = max(item["current_period_end"] for item in data["items"]["data"])
        data["cancellation_details"] = {
            **data["cancellation_details"],
            "reason": "cancellation_requested",
        }
    else:
        data["cancel_at"] = None
        data["cancellation_details"] = {**data["cancellation_details"], "reason": None}


def _payment_method_for(request: ApiRequest, data: dict[str, Any], pm_id: str) -> str | None:
    if not pm_id:
        return None
    pm = store.load(
        "payment_method", pm_id, account=request.account, param="default_payment_method"
    )
    if pm.data["customer"] != data["customer"]:
        raise ApiError(
            f"The customer does not have a payment method with the ID {pm_id}. The payment "
            "method must be attached to the customer.",
            param="default_payment_method",
            code="resource_missing",
        )
    return pm_id


def cancel_subscription(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("subscription", id, account=request.account)
    data = row.data
    if data["status"] == "canceled":
        raise ApiError(
            "A canceled subscription can only update its cancellation_details and metadata.",
            param="subscription",
        )
    now = clock.now()
    data["status"] = "canceled"
    data["canceled_at"] = now
    data["ended_at"] = now
    details = request.params.get("cancellation_details") or {}
    data["cancellation_details"] = {
        "comment": details.get("comment"),
        "feedback": details.get("feedback"),
        "reason": "cancellation_requested",
    }
    store.save(row)
    events.emit("customer.subscription.deleted", data, account=request.account)
    return request.expanded(data)
