"""Subscriptions: read, list, change plan, pause collection, cancel."""

import copy
from typing import Any

from django.db.models import Q

from stripe_sandbox import billing, clock, events, lifecycle, proration, store
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


def create_subscription(request: ApiRequest) -> dict[str, Any]:
    """A subscription started by API (no Checkout): on a trial it needs no card; without a
    trial its first invoice is charged at once and a decline leaves it `incomplete`."""
    params = request.params
    if params.get("application_fee_percent") is not None:
        request.require_connected_account("application_fee_percent")
    customer = store.load("customer", params["customer"], account=request.account, param="customer")
    line_items = [
        (
            _recurring_price(request, item.get("price"), f"items[{index}][price]"),
            item.get("quantity", 1),
        )
        for index, item in enumerate(params.get("items") or [])
    ]
    if not line_items:
        raise ApiError("Missing required param: items.", param="items", code="parameter_missing")
    trial_end = params.get("trial_end")
    if trial_end == "now":
        trial_end = None
    elif trial_end is not None and trial_end <= clock.now():
        raise ApiError(
            "Invalid timestamp: must be an integer Unix timestamp in the future.",
            param="trial_end",
            code="parameter_invalid",
        )
    pm_id = params.get("default_payment_method")
    if pm_id:
        _payment_method_for(request, {"customer": customer.id}, pm_id)
    row = billing.create_subscription(
        account=request.account,
        customer_id=customer.id,
        line_items=line_items,
        trial_period_days=params.get("trial_period_days"),
        trial_end=trial_end,
        application_fee_percent=_fee(params.get("application_fee_percent")),
        metadata=merge_metadata(params),
        default_payment_method=pm_id or None,
        description=params.get("description"),
        missing_payment_method=_missing_payment_method(params) or "create_invoice",
        automatic_tax=bool((params.get("automatic_tax") or {}).get("enabled")),
    )
    trialing = row.data["status"] == "trialing"
    invoice = billing.invoice_create(
        account=request.account,
        subscription=row,
        customer=customer,
        billing_reason="subscription_create",
    )
    billing.invoice_finalize(invoice)
    decline = billing.invoice_pay(
        invoice,
        payment_method=billing.charged_payment_method(row.data, customer),
    )
    if decline is not None and not trialing:
        before = store.snapshot(row)
        row.data["status"] = "incomplete"
        lifecycle.save_subscription(row, before)
    return request.expanded(row.data)


def _fee(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


def _missing_payment_method(params: dict[str, Any]) -> str | None:
    return ((params.get("trial_settings") or {}).get("end_behavior") or {}).get(
        "missing_payment_method"
    )


def _recurring_price(request: ApiRequest, price_id: str | None, param: str) -> dict[str, Any]:
    if not price_id:
        raise ApiError(
            "The sandbox needs an existing price in each item.",
            param=param,
            code="parameter_missing",
        )
    price = store.load("price", price_id, account=request.account, param=param).data
    if not price["recurring"]:
        raise ApiError(
            "The price specified is set to `type=one_time` but this field only accepts "
            "prices with `type=recurring`.",
            param=param,
        )
    if not price["active"]:
        raise ApiError(f"The price `{price_id}` is not active.", param=param)
    return price


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
    change = None
    if "items" in params:
        change = proration.plan_change(
            request.account,
            data,
            params["items"],
            proration_behavior=params.get("proration_behavior", "create_prorations"),
            proration_date=_proration_date(params),
        )
        change.apply(data)
    if "pause_collection" in params:
        data["pause_collection"] = _pause_collection(params["pause_collection"])
    if "cancel_at_period_end" in params:
        _set_cancel_at_period_end(data, params["cancel_at_period_end"])
    if "default_payment_method" in params:
        data["default_payment_method"] = _payment_method_for(
            request, data, params["default_payment_method"]
        )
    if "trial_settings" in params:
        data["trial_settings"]["end_behavior"]["missing_payment_method"] = (
            _missing_payment_method(params) or "create_invoice"
        )
    if "automatic_tax" in params:
        enabled = bool(params["automatic_tax"].get("enabled"))
        data["automatic_tax"] = {
            "disabled_reason": None,
            "enabled": enabled,
            "liability": {"type": "self"} if enabled else None,
        }
    if "application_fee_percent" in params:
        request.require_connected_account("application_fee_percent")
        data["application_fee_percent"] = _fee(params["application_fee_percent"])
    if "description" in params:
        data["description"] = params["description"] or None
    data["metadata"] = merge_metadata(params, data["metadata"])
    lifecycle.save_subscription(row, before)
    if change is not None:
        change.bill(row)
    return request.expanded(row.data)


def _proration_date(params: dict[str, Any]) -> int:
    now = clock.now()
    when = params.get("proration_date", now)
    if when > now:
        raise ApiError("proration_date cannot be in the future.", param="proration_date", code=None)
    return when


def _pause_collection(pause: Any) -> dict[str, Any] | None:
    if not pause:
        return None
    resumes_at = pause.get("resumes_at")
    if resumes_at is not None and resumes_at <= clock.now():
        raise ApiError(
            "pause_collection[resumes_at] must be in the future.",
            param="pause_collection[resumes_at]",
            code="parameter_invalid",
        )
    return {"behavior": pause["behavior"], "resumes_at": resumes_at}


def resume_subscription(request: ApiRequest, id: str) -> dict[str, Any]:
    """Resume a `paused` subscription (a trial that ended without a card): a new period
    starts now (or keeps its anchor with `billing_cycle_anchor=unchanged`) and is invoiced."""
    row = store.load("subscription", id, account=request.account)
    data = row.data
    if data["status"] != "paused":
        raise ApiError(
            "Only subscriptions with `status=paused` can be resumed. To resume collection on "
            "a subscription with `pause_collection`, unset `pause_collection`.",
            param="subscription",
        )
    before = copy.deepcopy(data)
    data["status"] = "active"
    if request.params.get("billing_cycle_anchor", "now") == "now":
        now = clock.now()
        lifecycle.start_period(data, now)
        data["billing_cycle_anchor"] = now
    lifecycle.save_subscription(row, before)
    invoice = billing.invoice_create(
        account=request.account,
        subscription=row,
        customer=lifecycle.customer_of(row),
        billing_reason="subscription_cycle",
    )
    lifecycle.collect(row, invoice)
    return request.expanded(row.data)


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
    """Cancel now, as Stripe does with `prorate` and `invoice_now`:

    - `prorate`: a proration invoice item credits the unused time of each item, from now to
      the end of its period (nothing on a trial: nothing was paid for it);
    - `invoice_now`: a final invoice bills the subscription's pending invoice items (that
      credit, and prorations of an earlier switch) at once and collects it;
    - neither: the subscription's pending prorations are deleted.
    With `prorate` alone the credit stays pending for the customer's next invoice."""
    row = store.load("subscription", id, account=request.account)
    data = row.data
    if data["status"] == "canceled":
        raise ApiError(
            "A canceled subscription can only update its cancellation_details and metadata.",
            param="subscription",
        )
    params = request.params
    prorate, invoice_now = bool(params.get("prorate")), bool(params.get("invoice_now"))
    now = clock.now()
    if prorate and data["status"] != "trialing":
        for item in data["items"]["data"]:
            credit = proration.unused_time_credit(data, item, now)
            if credit is not None:
                billing.store_invoice_item(account=request.account, fields=credit)
    if not (prorate or invoice_now):
        _delete_pending_prorations(request.account, data)
    data["status"] = "canceled"
    data["canceled_at"] = now
    data["ended_at"] = now
    details = params.get("cancellation_details") or {}
    data["cancellation_details"] = {
        "comment": details.get("comment"),
        "feedback": details.get("feedback"),
        "reason": "cancellation_requested",
    }
    store.save(row)
    events.emit("customer.subscription.deleted", data, account=request.account)
    if invoice_now:
        _final_invoice(row)
    return request.expanded(row.data)


def _delete_pending_prorations(account: str, data: dict[str, Any]) -> None:
    for item in billing.pending_invoice_items(account, data["customer"], data["id"]):
        if item.data.get("proration"):
            deleted = {**item.data, "id": item.id, "object": "invoiceitem"}
            item.delete()
            events.emit("invoiceitem.deleted", deleted, account=account)


def _final_invoice(row: SandboxObject) -> None:
    """Invoice the canceled subscription's pending items now and collect them once (a
    canceled subscription is not retried or made past_due)."""
    account = row.account
    customer = lifecycle.customer_of(row)
    if not billing.pending_invoice_items(account, customer.id, row.id):
        return
    invoice = billing.invoice_create(
        account=account,
        subscription=row,
        customer=customer,
        billing_reason="subscription_update",
        with_items=False,
    )
    billing.invoice_finalize(invoice)
    billing.invoice_pay(invoice, payment_method=billing.charged_payment_method(row.data, customer))
