"""Connected accounts and their onboarding links (platform-level objects)."""

import secrets
from typing import Any

from stripe_sandbox import clock, events, store
from stripe_sandbox.api.base import ApiRequest, merge_metadata, save_updated, site_url
from stripe_sandbox.errors import ApiError, no_such
from stripe_sandbox.models import SandboxObject

LINK_LIFETIME_SECONDS = 300
_DUE_AT_START = [
    "business_profile.mcc",
    "business_profile.url",
    "external_account",
    "representative.first_name",
    "representative.last_name",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
_DASHBOARD_TO_TYPE = {"full": "standard", "express": "express", "none": "custom"}


def _requirements(due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(due),
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(due),
        "past_due": list(due),
        "pending_verification": [],
    }


def _controller(params: dict[str, Any]) -> dict[str, Any]:
    given = params.get("controller") or {}
    dashboard = (given.get("stripe_dashboard") or {}).get("type", "full")
    return {
        "fees": {"payer": (given.get("fees") or {}).get("payer", "account")},
        "is_controller": True,
        "losses": {"payments": (given.get("losses") or {}).get("payments", "stripe")},
        "requirement_collection": given.get("requirement_collection", "stripe"),
        "stripe_dashboard": {"type": dashboard},
        "type": "application",
    }


def _business_profile(given: dict[str, Any] | None) -> dict[str, Any]:
    profile = {
        "mcc": None,
        "name": None,
        "product_description": None,
        "support_address": None,
        "support_email": None,
        "support_phone": None,
        "support_url": None,
        "url": None,
    }
    profile.update(given or {})
    return profile


def _settings() -> dict[str, Any]:
    return {
        "bacs_debit_payments": None,
        "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
        "card_issuing": None,
        "card_payments": {
            "decline_on": {"avs_failure": False, "cvc_failure": False},
            "statement_descriptor_prefix": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
        "invoices": None,
        "payments": {
            "statement_descriptor": None,
            "statement_descriptor_kana": None,
            "statement_descriptor_kanji": None,
            "statement_descriptor_prefix_kana": None,
            "statement_descriptor_prefix_kanji": None,
        },
        "payouts": None,
        "paypay_payments": None,
        "sepa_debit_payments": None,
        "treasury": None,
    }


def create_account(request: ApiRequest) -> dict[str, Any]:
    if request.account:
        raise ApiError("Connected accounts cannot create other accounts.", status=400)
    params = request.params
    controller = _controller(params)
    requested = params.get("capabilities") or {}
    row = store.create(
        "account",
        "acct",
        account="",
        fields={
            "business_profile": _business_profile(params.get("business_profile")),
            "business_type": params.get("business_type"),
            "capabilities": {
                name: "inactive" for name, ask in requested.items() if ask.get("requested")
            },
            "charges_enabled": False,
            "controller": controller,
            "country": params.get("country", "US"),
            "default_currency": params.get("default_currency", "usd"),
            "details_submitted": False,
            "email": params.get("email"),
            "external_accounts": store.nested_list([], "/v1/accounts/external_accounts"),
            "future_requirements": _requirements([]),
            "metadata": merge_metadata(params),
            "payouts_enabled": False,
            "requirements": _requirements(_DUE_AT_START),
            "settings": _settings(),
            "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
            "type": params.get("type")
            or _DASHBOARD_TO_TYPE[controller["stripe_dashboard"]["type"]],
        },
    )
    row.data["external_accounts"]["url"] = f"/v1/accounts/{row.id}/external_accounts"
    del row.data["livemode"]  # accounts have no livemode in this API version
    store.save(row)
    return request.expanded(row.data)


def load_account(account_id: str, *, param: str = "account") -> SandboxObject:
    """The connected account row (locked), or Stripe's 404."""
    return store.load("account", account_id, account="", param=param)


def retrieve_account(request: ApiRequest, id: str) -> dict[str, Any]:
    if request.account and request.account != id:
        raise no_such("account", id, param="account")
    return request.expanded(load_account(id, param="account").data)


def retrieve_current_account(request: ApiRequest) -> dict[str, Any]:
    if not request.account:
        raise ApiError("The sandbox platform account cannot be retrieved.", status=400)
    return retrieve_account(request, request.account)


def update_account(request: ApiRequest, id: str) -> dict[str, Any]:
    if request.account and request.account != id:
        raise no_such("account", id, param="account")
    row = load_account(id)
    before = store.snapshot(row)
    params = request.params
    if "business_profile" in params:
        row.data["business_profile"] = {
            **row.data["business_profile"],
            **params["business_profile"],
        }
    if "email" in params:
        row.data["email"] = params["email"] or None
    row.data["metadata"] = merge_metadata(params, row.data["metadata"])
    request.account = id  # account.updated is a connected-account event
    return save_updated(request, row, before, "account.updated")


def create_account_link(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    account = load_account(params["account"])
    if params["type"] != "account_onboarding":
        raise ApiError(
            "The sandbox only supports account links of type account_onboarding.",
            param="type",
        )
    if not params.get("refresh_url") or not params.get("return_url"):
        param = "refresh_url" if not params.get("refresh_url") else "return_url"
        raise ApiError(f"Missing required param: {param}.", code="parameter_missing", param=param)
    token = secrets.token_urlsafe(24)
    now = clock.now()
    link = {
        "object": "account_link",
        "created": now,
        "expires_at": now + LINK_LIFETIME_SECONDS,
        "url": site_url(f"/sandbox/connect/onboarding/{token}/"),
    }
    SandboxObject.objects.create(
        id=f"acctlink_{token}",
        object="account_link",
        account="",
        data=link,
        private={
            "account": account.id,
            "refresh_url": params["refresh_url"],
            "return_url": params["return_url"],
            "used": False,
        },
        created=now,
    )
    return link


def onboarding_link(token: str) -> SandboxObject | None:
    """The account link behind a hosted onboarding URL, locked; None if unknown."""
    return (
        SandboxObject.objects.select_for_update()
        .filter(id=f"acctlink_{token}", object="account_link")
        .first()
    )


def link_is_usable(link: SandboxObject) -> bool:
    return not link.private["used"] and clock.now() < link.data["expires_at"]


def complete_onboarding(link: SandboxObject, *, business_name: str) -> str:
    """Enable charges and payouts on the link's account, use up the link; the return_url.

    Emits `account.updated` (with `account` set to the connected account).
    """
    row = load_account(link.private["account"])
    before = store.snapshot(row)
    row.data["business_profile"] = {**row.data["business_profile"], "name": business_name}
    row.data["details_submitted"] = True
    row.data["charges_enabled"] = True
    row.data["payouts_enabled"] = True
    row.data["requirements"] = _requirements([])
    row.data["capabilities"] = {name: "active" for name in row.data["capabilities"]}
    row.data["tos_acceptance"] = {**row.data["tos_acceptance"], "date": clock.now()}
    store.save(row)
    events.emit(
        "account.updated",
        row.data,
        account=row.id,
        previous_attributes=events.changed(before, row.data),
    )
    link.private["used"] = True
    store.save(link)
    return link.private["return_url"]
