"""The platform's application fees: read, list (by `charge`, `created`), refund. They are the
platform's own objects: asked for with a connected account's Stripe-Account header, they are
Stripe's 404."""

from typing import Any

from stripe_sandbox import application_fees, store
from stripe_sandbox.api.base import ApiRequest, exact_filters, merge_metadata
from stripe_sandbox.api.charges import created_filter


def retrieve_application_fee(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("application_fee", id, account=request.account).data)


def list_application_fees(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("charge",)) & created_filter(params)
    return store.list_response(
        "application_fee",
        account=request.account,
        url="/v1/application_fees",
        params=params,
        filters=filters,
    )


def create_fee_refund(request: ApiRequest, id: str) -> dict[str, Any]:
    fee = store.load("application_fee", id, account=request.account)
    refund = application_fees.refund(
        fee, request.params.get("amount"), metadata=merge_metadata(request.params)
    )
    return request.expanded(refund.data)
