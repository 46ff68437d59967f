"""Checkout Sessions: create, read, list, expire. Paying happens on the hosted page
(`stripe_sandbox.checkout_flow`)."""

from decimal import Decimal
from typing import Any

from stripe_sandbox import clock, events, store, tax
from stripe_sandbox.api.base import ApiRequest, exact_filters, merge_metadata, site_url
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject

MIN_LIFETIME = 30 * 60
MAX_LIFETIME = 24 * 60 * 60
# Stripe's minimum charge per currency, in minor units (others: no check).
MINIMUM_CHARGE = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "jpy": 50}


def create_session(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    mode = params.get("mode", "payment")
    now = clock.now()
    _check_customer_params(request)
    expires_at = _expires_at(params, now)
    prices = _line_item_prices(request, mode)
    subscription_data = params.get("subscription_data") or {}
    _check_mode_params(request, mode, subscription_data)
    currency = prices[0][0]["currency"] if prices else params.get("currency")
    if mode == "setup" and not currency:
        raise ApiError(
            "Missing required param: currency.", code="parameter_missing", param="currency"
        )
    subtotal = (
        sum(price["unit_amount"] * quantity for price, quantity in prices) if prices else None
    )
    _check_minimum(mode, subtotal, currency, subscription_data)
    session_id = new_id("cs_test")
    fields = _session_fields(params, mode, currency, subtotal, expires_at, session_id)
    customer = (
        store.load("customer", params["customer"], account=request.account)
        if params.get("customer")
        else None
    )
    trial = bool(subscription_data.get("trial_period_days"))
    apply_tax(fields, customer.data.get("address") if customer else None, due_now=not trial)
    row = store.create(
        "checkout.session",
        "cs_test",
        account=request.account,
        object_id=session_id,
        fields=fields | {"branding_settings": _branding_settings(request)},
        private={
            "line_items": [[price["id"], quantity] for price, quantity in prices],
            "subscription_data": _json_safe(subscription_data),
            "setup_intent_data": params.get("setup_intent_data") or {},
            "payment_intent_data": params.get("payment_intent_data") or {},
            "customer_update": params.get("customer_update") or {},
        },
    )
    return request.expanded(row.data)


def automatic_tax_of(enabled: bool, address: dict[str, Any] | None) -> dict[str, Any]:
    """The session's `automatic_tax`: Stripe Tax needs a location before it can complete."""
    if not enabled:
        return {"enabled": False, "liability": None, "provider": None, "status": None}
    return {
        "enabled": True,
        "liability": {"account": None, "type": "self"},
        "provider": "stripe",
        "status": "complete" if tax.has_location(address) else "requires_location_inputs",
    }


def apply_tax(data: dict[str, Any], address: dict[str, Any] | None, *, due_now: bool) -> None:
    """Price the session's tax for a payer at `address` (stripe_sandbox.tax's table): its
    `automatic_tax`, `total_details.amount_tax` and `amount_total`. Nothing is taxed when
    nothing is due now (a trial) or automatic tax is off."""
    enabled = bool(data["automatic_tax"]["enabled"])
    data["automatic_tax"] = automatic_tax_of(enabled, address)
    subtotal = data["amount_subtotal"]
    if subtotal is None:
        return
    amount = 0
    if enabled and due_now:
        amount = tax.tax_amount(subtotal, tax.jurisdiction_for(address))
    data["total_details"]["amount_tax"] = amount
    data["amount_total"] = subtotal + amount


def tax_address(row: SandboxObject) -> dict[str, Any] | None:
    """Where the session's payer is: the address given on the hosted page, else the
    customer's."""
    details = row.data.get("customer_details") or {}
    if details.get("address"):
        return details["address"]
    customer_id = row.data.get("customer")
    customer = SandboxObject.objects.filter(id=customer_id).first() if customer_id else None
    return customer.data.get("address") if customer else None


def _branding_settings(request: ApiRequest) -> dict[str, Any]:
    """Stripe's shape: what the session asked for, else the account's branding and name."""
    asked = request.params.get("branding_settings") or {}
    account = SandboxObject.objects.filter(id=request.account, object="account").first()
    profile = account.data.get("business_profile", {}) if account else {}
    colour = ((account.data.get("settings") or {}).get("branding") or {}) if account else {}

    def image(kind: str) -> dict[str, Any] | None:
        given = asked.get(kind)
        if not given:
            return None
        return {"type": given["type"], "file": given.get("file"), "url": given.get("url")}

    return {
        "background_color": asked.get("background_color") or "#ffffff",
        "border_style": asked.get("border_style") or "rounded",
        "button_color": asked.get("button_color") or colour.get("primary_color") or "#0074d4",
        "display_name": asked.get("display_name") or profile.get("name") or "",
        "font_family": asked.get("font_family") or "default",
        "icon": image("icon"),
        "logo": image("logo"),
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _session_fields(
    params: dict[str, Any],
    mode: str,
    currency: str | None,
    subtotal: int | None,
    expires_at: int,
    session_id: str,
) -> dict[str, Any]:
    automatic_tax = params.get("automatic_tax") or {}
    return {
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": params.get("allow_promotion_codes"),
        "amount_subtotal": subtotal,
        "amount_total": subtotal,
        "automatic_tax": automatic_tax_of(bool(automatic_tax.get("enabled")), None),
        "billing_address_collection": params.get("billing_address_collection"),
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "currency": currency,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": params.get("customer"),
        "customer_account": None,
        "customer_creation": None
        if params.get("customer") or mode == "subscription"
        else "if_required",
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "discounts": [],
        "expires_at": expires_at,
        "invoice": None,
        "invoice_creation": None,
        "locale": params.get("locale"),
        "metadata": merge_metadata(params),
        "mode": mode,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "always",
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": params.get("submit_type"),
        "subscription": None,
        "success_url": params.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
        if subtotal is not None
        else None,
        "ui_mode": "hosted_page",
        "url": site_url(f"/sandbox/checkout/{session_id}/"),
    }


def _check_customer_params(request: ApiRequest) -> None:
    params = request.params
    if params.get("customer") and params.get("customer_email"):
        raise ApiError(
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
        )
    if params.get("customer_update") and not params.get("customer"):
        raise ApiError(
            "`customer_update` can only be used with `customer`.", param="customer_update"
        )
    if params.get("customer"):
        store.load("customer", params["customer"], account=request.account, param="customer")


def _expires_at(params: dict[str, Any], now: int) -> int:
    if "expires_at" not in params:
        return now + MAX_LIFETIME
    expires_at = params["expires_at"]
    if expires_at < now + MIN_LIFETIME:
        raise ApiError(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
            "creation.",
            param="expires_at",
            code="parameter_invalid",
        )
    if expires_at > now + MAX_LIFETIME:
        raise ApiError(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
            code="parameter_invalid",
        )
    return expires_at


def _line_item_prices(request: ApiRequest, mode: str) -> list[tuple[dict[str, Any], int]]:
    items = request.params.get("line_items") or []
    if mode in ("payment", "subscription") and not items:
        raise ApiError(
            f"`line_items` is required in `{mode}` mode.",
            param="line_items",
            code="parameter_missing",
        )
    prices = []
    for index, item in enumerate(items):
        param = f"line_items[{index}][price]"
        if "price" not in item:
            raise ApiError(
                "The sandbox needs an existing price in each line item.",
                param=param,
                code="parameter_missing",
            )
        price = store.load("price", item["price"], account=request.account, param=param).data
        if not price["active"]:
            raise ApiError(f"The price `{price['id']}` is not active.", param=param)
        if mode == "payment" and price["recurring"]:
            raise ApiError(
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param=param,
            )
        prices.append((price, item.get("quantity", 1)))
    if mode == "subscription" and not any(price["recurring"] for price, _ in prices):
        raise ApiError(
            "You must provide at least one recurring price in `subscription` mode when using "
            "prices.",
            param="line_items",
        )
    if len({price["currency"] for price, _ in prices}) > 1:
        raise ApiError(
            "All prices in a Checkout Session must use the same currency.", param="line_items"
        )
    return prices


def _check_mode_params(request: ApiRequest, mode: str, subscription_data: dict[str, Any]) -> None:
    params = request.params
    if subscription_data and mode != "subscription":
        raise ApiError(
            "You can only specify `subscription_data` in `subscription` mode.",
            param="subscription_data",
        )
    if params.get("payment_intent_data") and mode != "payment":
        raise ApiError(
            "You can only specify `payment_intent_data` in `payment` mode.",
            param="payment_intent_data",
        )
    if params.get("setup_intent_data") and mode != "setup":
        raise ApiError(
            "You can only specify `setup_intent_data` in `setup` mode.", param="setup_intent_data"
        )
    trial_days = subscription_data.get("trial_period_days")
    if trial_days is not None and trial_days < 1:
        raise ApiError(
            "The minimum number of trial period days is 1.",
            param="subscription_data[trial_period_days]",
            code="parameter_invalid",
        )
    fee = subscription_data.get("application_fee_percent")
    if fee is not None:
        request.require_connected_account("subscription_data[application_fee_percent]")
        if not 0 <= fee <= 100 or round(fee, 2) != fee:
            raise ApiError(
                "application_fee_percent must be a decimal between 0 and 100 with at most two "
                "decimal places.",
                param="subscription_data[application_fee_percent]",
                code="parameter_invalid",
            )
    if (params.get("payment_intent_data") or {}).get("application_fee_amount") is not None:
        request.require_connected_account("payment_intent_data[application_fee_amount]")


def _check_minimum(
    mode: str, subtotal: int | None, currency: str | None, subscription_data: dict[str, Any]
) -> None:
    if subtotal is None or currency is None or mode == "setup":
        return
    if mode == "subscription" and subscription_data.get("trial_period_days"):
        return
    minimum = MINIMUM_CHARGE.get(currency)
    if minimum is not None and 0 < subtotal < minimum or subtotal == 0 and mode == "payment":
        raise ApiError(
            f"The Checkout Session's total amount due must add up to at least "
            f"{minimum or 1} {currency} in minor units.",
            param="line_items",
            code="amount_too_small",
        )


def load_session(session_id: str, *, account: str) -> SandboxObject:
    """The session (expired first if its time has passed), or Stripe's 404."""
    row = store.load("checkout.session", session_id, account=account)
    expire_if_due(row)
    return row


def find_session(session_id: str, *, lock: bool = True) -> SandboxObject | None:
    """The session behind a hosted checkout URL, whatever its account; locked unless only
    shown (`lock=False`)."""
    rows = SandboxObject.objects.select_for_update() if lock else SandboxObject.objects
    row = rows.filter(id=session_id, object="checkout.session").first()
    if row is not None:
        expire_if_due(row)
    return row


def expire_if_due(row: SandboxObject) -> None:
    """Expire an open session whose time has passed (locking it first: a read may get here
    with an unlocked row, and two readers must not both expire it)."""
    if _is_due(row) and _is_due(store.lock(row)):
        _expire(row)


def _is_due(row: SandboxObject) -> bool:
    return row.data["status"] == "open" and clock.now() >= row.data["expires_at"]


def _expire(row: SandboxObject) -> None:
    row.data["status"] = "expired"
    row.data["url"] = None
    store.save(row)
    events.emit("checkout.session.expired", row.data, account=row.account)


def retrieve_session(request: ApiRequest, id: str) -> dict[str, Any]:
    row = load_session(id, account=request.account)
    return _with_line_items(request, row)


def _with_line_items(request: ApiRequest, row: SandboxObject) -> dict[str, Any]:
    paths = list(request.params.get("expand") or [])
    data = dict(row.data)
    if "line_items" in paths:
        paths.remove("line_items")
        data["line_items"] = line_items(row)
    return store.expand(data, paths, account=request.account) if paths else data


def line_items(row: SandboxObject) -> dict[str, Any]:
    """The session's line items as Stripe lists them."""
    items = []
    taxed = (row.data["total_details"] or {}).get("amount_tax")
    jurisdiction = tax.jurisdiction_for(tax_address(row)) if taxed else None
    for price_id, quantity in row.private["line_items"]:
        price = SandboxObject.objects.get(id=price_id).data
        product = SandboxObject.objects.filter(id=price["product"]).first()
        amount = price["unit_amount"] * quantity
        amount_tax = tax.tax_amount(amount, jurisdiction)
        items.append(
            {
                "id": f"li_{price_id[6:]}{quantity}",
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": amount,
                "amount_tax": amount_tax,
                "amount_total": amount + amount_tax,
                "currency": price["currency"],
                "description": product.data["name"] if product else None,
                "price": price,
                "quantity": quantity,
            }
        )
    return store.nested_list(items, f"/v1/checkout/sessions/{row.id}/line_items")


def list_line_items(request: ApiRequest, id: str) -> dict[str, Any]:
    return line_items(load_session(id, account=request.account))


def list_sessions(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    due = SandboxObject.objects.select_for_update().filter(
        object="checkout.session",
        account=request.account,
        data__status="open",
        data__expires_at__lte=clock.now(),
    )
    for row in due:
        _expire(row)
    filters = exact_filters(params, ("customer", "status", "subscription", "payment_intent"))
    return store.list_response(
        "checkout.session",
        account=request.account,
        url="/v1/checkout/sessions",
        params=params,
        filters=filters,
    )


def expire_session(request: ApiRequest, id: str) -> dict[str, Any]:
    row = load_session(id, account=request.account)
    if row.data["status"] != "open":
        raise ApiError(
            "Only Checkout Sessions with a status in [open] can be expired.", param="session"
        )
    _expire(row)
    return request.expanded(row.data)
