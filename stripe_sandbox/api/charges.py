"""Payments on a connected account: PaymentIntents, Charges, Refunds, balance transactions,
and disputes (read and list; refunds also created)."""

from typing import Any

from django.db.models import Q

from stripe_sandbox import payments, store
from stripe_sandbox.api.base import ApiRequest, exact_filters, merge_metadata
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject


def created_filter(params: dict[str, Any]) -> Q:
    """Stripe's `created` list filter: a timestamp, or `gt`/`gte`/`lt`/`lte` bounds."""
    created = params.get("created")
    if created is None:
        return Q()
    if isinstance(created, int):
        return Q(created=created)
    return Q(**{f"created__{op}": int(value) for op, value in created.items()})


def retrieve_payment_intent(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("payment_intent", id, account=request.account).data)


def retrieve_charge(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("charge", id, account=request.account, param="id").data)


def list_charges(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("customer", "payment_intent")) & created_filter(params)
    return store.list_response(
        "charge", account=request.account, url="/v1/charges", params=params, filters=filters
    )


def create_refund(request: ApiRequest) -> dict[str, Any]:
    """Refund a charge (by `charge` or `payment_intent`), all of what is left or `amount`."""
    params = request.params
    charge = _charge_to_refund(request, params)
    refund = payments.refund_charge(
        account=request.account,
        charge=charge,
        amount=params.get("amount"),
        reason=params.get("reason"),
        metadata=merge_metadata(params),
        refund_application_fee=bool(params.get("refund_application_fee")),
    )
    return request.expanded(refund.data)


def _charge_to_refund(request: ApiRequest, params: dict[str, Any]) -> SandboxObject:
    if params.get("charge"):
        return store.load("charge", params["charge"], account=request.account, param="charge")
    if params.get("payment_intent"):
        intent = store.load(
            "payment_intent",
            params["payment_intent"],
            account=request.account,
            param="payment_intent",
        )
        if intent.data["status"] != "succeeded" or not intent.data["latest_charge"]:
            raise ApiError(
                f"PaymentIntent {intent.id} has no successful charge to refund.",
                param="payment_intent",
            )
        return store.load("charge", intent.data["latest_charge"], account=request.account)
    raise ApiError(
        "One of the following params should be provided for this request: payment_intent or charge."
    )


def retrieve_refund(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("refund", id, account=request.account, param="id").data)


def list_refunds(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("charge", "payment_intent")) & created_filter(params)
    return store.list_response(
        "refund", account=request.account, url="/v1/refunds", params=params, filters=filters
    )


def retrieve_balance_transaction(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(
        store.load("balance_transaction", id, account=request.account, param="id").data
    )


def list_balance_transactions(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("currency", "source", "type")) & created_filter(params)
    return store.list_response(
        "balance_transaction",
        account=request.account,
        url="/v1/balance_transactions",
        params=params,
        filters=filters,
    )


def retrieve_dispute(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("dispute", id, account=request.account, param="id").data)


def list_disputes(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("charge", "payment_intent")) & created_filter(params)
    return store.list_response(
        "dispute", account=request.account, url="/v1/disputes", params=params, filters=filters
    )
