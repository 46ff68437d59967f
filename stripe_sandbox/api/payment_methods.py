"""PaymentMethods and SetupIntents: read and list (the hosted pages make them)."""

from typing import Any

from django.db.models import Q

from stripe_sandbox import store
from stripe_sandbox.api.base import ApiRequest


def retrieve_payment_method(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("payment_method", id, account=request.account).data)


def list_payment_methods(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    customer = params.get("customer")
    if customer:
        store.load("customer", customer, account=request.account, param="customer")
    return _payment_methods(request, customer, url="/v1/payment_methods")


def list_customer_payment_methods(request: ApiRequest, id: str) -> dict[str, Any]:
    store.load("customer", id, account=request.account)
    return _payment_methods(request, id, url=f"/v1/customers/{id}/payment_methods")


def _payment_methods(request: ApiRequest, customer: str | None, *, url: str) -> dict[str, Any]:
    filters = Q(data__customer=customer) if customer else Q()
    if "type" in request.params:
        filters &= Q(data__type=request.params["type"])
    return store.list_response(
        "payment_method", account=request.account, url=url, params=request.params, filters=filters
    )


def retrieve_setup_intent(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(
        store.load("setup_intent", id, account=request.account, param="id").data
    )
