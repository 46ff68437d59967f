"""Billing Portal: configurations and sessions on a connected account, and what the hosted
portal page does (update the card, cancel at period end)."""

import copy
from typing import Any

from stripe_sandbox import billing, clock, events, store
from stripe_sandbox.api import subscriptions
from stripe_sandbox.api.base import ApiRequest, merge_metadata, site_url
from stripe_sandbox.cards import TestCard
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject

_DEFAULT_FEATURES: dict[str, Any] = {
    "customer_update": {"allowed_updates": [], "enabled": False},
    "invoice_history": {"enabled": False},
    "payment_method_update": {"enabled": False, "payment_method_configuration": None},
    "subscription_cancel": {
        "cancellation_reason": {"enabled": False, "options": []},
        "enabled": False,
        "mode": "at_period_end",
        "proration_behavior": "none",
    },
    "subscription_pause": {
        "duration": {"interval_options": [], "type": "indefinite"},
        "enabled": False,
    },
    "subscription_update": {
        "billing_cycle_anchor": None,
        "default_allowed_updates": [],
        "enabled": False,
        "products": [],
        "proration_behavior": "none",
        "schedule_at_period_end": {"conditions": []},
        "trial_update_behavior": "end_trial",
    },
}
# What the sandbox's hosted page can do; others are stored but not offered.
_EMULATED_FEATURES = ("invoice_history", "payment_method_update", "subscription_cancel")


def _merge_features(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    features = copy.deepcopy(current)
    for name, settings in given.items():
        feature = features[name]
        for key, value in settings.items():
            if isinstance(value, dict) and isinstance(feature.get(key), dict):
                feature[key] = {**feature[key], **value}
            else:
                feature[key] = value
    return features


def _business_profile(given: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    profile = dict(current)
    for key, value in (given or {}).items():
        profile[key] = value or None
    return profile


def create_configuration(request: ApiRequest) -> dict[str, Any]:
    request.require_connected_account("features")
    params = request.params
    existing = SandboxObject.objects.filter(
        object="billing_portal.configuration", account=request.account
    ).exists()
    row = store.create(
        "billing_portal.configuration",
        "bpc",
        account=request.account,
        fields={
            "active": True,
            "application": None,
            "business_profile": _business_profile(
                params.get("business_profile"),
                {"headline": None, "privacy_policy_url": None, "terms_of_service_url": None},
            ),
            "default_return_url": params.get("default_return_url") or None,
            "features": _merge_features(_DEFAULT_FEATURES, params["features"]),
            "is_default": not existing,
            "login_page": {"enabled": False, "url": None},
            "metadata": merge_metadata(params),
            "name": params.get("name") or None,
        },
    )
    row.data["updated"] = row.data["created"]
    store.save(row)
    events.emit("billing_portal.configuration.created", row.data, account=request.account)
    return request.expanded(row.data)


def retrieve_configuration(request: ApiRequest, id: str) -> dict[str, Any]:
    return request.expanded(
        store.load("billing_portal.configuration", id, account=request.account).data
    )


def update_configuration(request: ApiRequest, id: str) -> dict[str, Any]:
    row = store.load("billing_portal.configuration", id, account=request.account)
    before = store.snapshot(row)
    params = request.params
    data = row.data
    if "features" in params:
        data["features"] = _merge_features(data["features"], params["features"])
    if "business_profile" in params:
        data["business_profile"] = _business_profile(
            params["business_profile"], data["business_profile"]
        )
    for key in ("active", "default_return_url", "name"):
        if key in params:
            data[key] = params[key] if params[key] != "" else None
    data["metadata"] = merge_metadata(params, data["metadata"])
    previous = events.changed(before, data)
    if previous:
        data["updated"] = clock.now()
        store.save(row)
        events.emit(
            "billing_portal.configuration.updated",
            data,
            account=request.account,
            previous_attributes=previous,
        )
    return request.expanded(data)


def list_configurations(request: ApiRequest) -> dict[str, Any]:
    return store.list_response(
        "billing_portal.configuration",
        account=request.account,
        url="/v1/billing_portal/configurations",
        params=request.params,
    )


def _flow(flow_data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not flow_data:
        return None
    if flow_data["type"] != "payment_method_update":
        raise ApiError(
            "The Stripe sandbox only emulates the payment_method_update flow.",
            param="flow_data[type]",
        )
    after = flow_data.get("after_completion") or {"type": "portal_homepage"}
    if after["type"] == "redirect" and not (after.get("redirect") or {}).get("return_url"):
        raise ApiError(
            "Missing required param: flow_data[after_completion][redirect][return_url].",
            param="flow_data[after_completion][redirect][return_url]",
            code="parameter_missing",
        )
    return {
        "after_completion": {
            "hosted_confirmation": (
                {"custom_message": (after.get("hosted_confirmation") or {}).get("custom_message")}
                if after["type"] == "hosted_confirmation"
                else None
            ),
            "redirect": (
                {"return_url": after["redirect"]["return_url"]}
                if after["type"] == "redirect"
                else None
            ),
            "type": after["type"],
        },
        "subscription_cancel": None,
        "subscription_pause": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": "payment_method_update",
    }


def create_session(request: ApiRequest) -> dict[str, Any]:
    request.require_connected_account("customer")
    params = request.params
    if not params.get("customer"):
        raise ApiError(
            "Missing required param: customer.", param="customer", code="parameter_missing"
        )
    store.load("customer", params["customer"], account=request.account, param="customer")
    if params.get("configuration"):
        configuration = store.load(
            "billing_portal.configuration",
            params["configuration"],
            account=request.account,
            param="configuration",
        )
    else:
        configuration = SandboxObject.objects.filter(
            object="billing_portal.configuration",
            account=request.account,
            data__is_default=True,
        ).first()
        if configuration is None:
            raise ApiError(
                "No configuration provided and your test mode default configuration has not "
                "been created. Provide a configuration or create your default by saving your "
                "customer portal settings in test mode.",
                param="configuration",
            )
    return_url = params.get("return_url") or configuration.data["default_return_url"]
    if not return_url:
        raise ApiError(
            "Missing required param: return_url.", param="return_url", code="parameter_missing"
        )
    session_id = new_id("bps")
    row = store.create(
        "billing_portal.session",
        "bps",
        account=request.account,
        object_id=session_id,
        fields={
            "configuration": configuration.id,
            "customer": params["customer"],
            "customer_account": None,
            "flow": _flow(params.get("flow_data")),
            "locale": params.get("locale"),
            "on_behalf_of": params.get("on_behalf_of"),
            "return_url": return_url,
            "url": site_url(f"/sandbox/billing_portal/{session_id}/"),
        },
    )
    row.data.pop("metadata", None)  # a portal session has no metadata
    store.save(row)
    return request.expanded(row.data)


def find_session(session_id: str) -> SandboxObject | None:
    return SandboxObject.objects.filter(id=session_id, object="billing_portal.session").first()


def session_features(session: SandboxObject) -> dict[str, bool]:
    """Which of the emulated features the session's configuration turns on."""
    configuration = SandboxObject.objects.get(
        id=session.data["configuration"], account=session.account
    )
    features = configuration.data["features"]
    return {name: bool(features[name]["enabled"]) for name in _EMULATED_FEATURES}


def _internal(session: SandboxObject, path: str, params: dict[str, Any]) -> ApiRequest:
    return ApiRequest("post", path, session.account, params, new_id("req", 14))


def update_card(
    session: SandboxObject,
    *,
    card: TestCard,
    last4: str,
    exp_month: int,
    exp_year: int,
    name: str,
) -> None:
    """The portal's "Add payment method": the new card is attached and becomes the default of
    the customer and of each of its live subscriptions (payment_method.attached,
    customer.updated, customer.subscription.updated)."""
    customer = store.load("customer", session.data["customer"], account=session.account)
    before = copy.deepcopy(customer.data["invoice_settings"])
    payment_method = billing.create_card_payment_method(
        account=session.account,
        customer=customer,
        card=card,
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
        name=name,
        email=customer.data.get("email"),
    )
    events.emit(
        "customer.updated",
        customer.data,
        account=session.account,
        previous_attributes={"invoice_settings": before},
    )
    live = SandboxObject.objects.filter(
        object="subscription", account=session.account, data__customer=customer.id
    ).exclude(data__status__in=["canceled", "incomplete_expired"])
    for subscription in live:
        subscriptions.update_subscription(
            _internal(
                session,
                f"/v1/subscriptions/{subscription.id}",
                {"default_payment_method": payment_method["id"]},
            ),
            subscription.id,
        )


def cancel_at_period_end(session: SandboxObject, subscription_id: str) -> None:
    """The portal's "Cancel subscription" (mode at_period_end)."""
    row = store.load("subscription", subscription_id, account=session.account)
    if row.data["customer"] != session.data["customer"]:
        raise ApiError(f"No such subscription: '{subscription_id}'", status=404)
    subscriptions.update_subscription(
        _internal(session, f"/v1/subscriptions/{subscription_id}", {"cancel_at_period_end": True}),
        subscription_id,
    )


def portal_page(session: SandboxObject) -> dict[str, Any]:
    """What the hosted portal's home page shows: the default card, live subscriptions and,
    with invoice history on, the customer's finalized invoices."""
    customer = SandboxObject.objects.get(id=session.data["customer"], account=session.account)
    default_pm = customer.data["invoice_settings"]["default_payment_method"]
    payment_method = (
        SandboxObject.objects.filter(id=default_pm, account=session.account).first()
        if default_pm
        else None
    )
    subs = SandboxObject.objects.filter(
        object="subscription", account=session.account, data__customer=customer.id
    ).exclude(data__status__in=["canceled", "incomplete_expired"])
    invoices = (
        SandboxObject.objects.filter(
            object="invoice", account=session.account, data__customer=customer.id
        )
        .exclude(data__status="draft")
        .order_by("-created")
    )
    account = SandboxObject.objects.filter(id=session.account, object="account").first()
    return {
        "customer": customer.data,
        "card": payment_method.data["card"] if payment_method else None,
        "subscriptions": [row.data for row in subs],
        "invoices": [row.data for row in invoices[:100]],
        "business_name": (account.data["business_profile"]["name"] if account else None)
        or "Sandbox business",
    }
