"""Invoices: read and list (the hosted checkout and a later test clock make them)."""

from typing import Any

from django.db.models import Q

from stripe_sandbox import store
from stripe_sandbox.api.base import ApiRequest, exact_filters


def retrieve_invoice(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(store.load("invoice", id, account=request.account, param="id").data)


def list_invoices(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    filters = exact_filters(params, ("customer", "status"))
    if "subscription" in params:
        filters &= Q(data__parent__subscription_details__subscription=params["subscription"])
    return store.list_response(
        "invoice", account=request.account, url="/v1/invoices", params=params, filters=filters
    )
