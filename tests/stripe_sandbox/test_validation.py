"""Stripe rejects what its parameter definitions reject; so does the sandbox."""

import time

import pytest
import stripe


def session_params(price_id: str, **changes) -> dict:
    params = {
        "mode": "subscription",
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": "http://testserver/done/",
    }
    params.update(changes)
    return params


REJECTED_SESSIONS = [
    ("an unknown top-level param", {"colour": "red"}, "colour", "parameter_unknown"),
    (
        "an unknown nested param",
        {"line_items": [{"price": "{price}", "foo": "1"}]},
        "line_items[0][foo]",
        "parameter_unknown",
    ),
    ("a mode outside the enum", {"mode": "subscribe"}, "mode", "parameter_invalid"),
    (
        "a non-integer quantity",
        {"line_items": [{"price": "{price}", "quantity": "two"}]},
        "line_items[0][quantity]",
        "parameter_invalid",
    ),
    (
        "a non-boolean flag",
        {"allow_promotion_codes": "maybe"},
        "allow_promotion_codes",
        "parameter_invalid",
    ),
    (
        "payment_method_types, gone from this API version",
        {"payment_method_types": ["card"]},
        "payment_method_types",
        "parameter_unknown",
    ),
    (
        "a price that does not exist",
        {"line_items": [{"price": "price_nope", "quantity": 1}]},
        "line_items[0][price]",
        "resource_missing",
    ),
    (
        "customer_update without customer",
        {"customer_update": {"name": "auto"}},
        "customer_update",
        None,
    ),
    (
        "a zero-day trial",
        {"subscription_data": {"trial_period_days": 0}},
        "subscription_data[trial_period_days]",
        "parameter_invalid",
    ),
    ("an expiry under 30 minutes", {"expires_at": "{soon}"}, "expires_at", "parameter_invalid"),
    ("an expiry over 24 hours", {"expires_at": "{late}"}, "expires_at", "parameter_invalid"),
]


def _fill(value, price_id):
    if isinstance(value, list):
        return [_fill(item, price_id) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, price_id) for key, item in value.items()}
    now = int(time.time())
    return {"{price}": price_id, "{soon}": now + 600, "{late}": now + 90000}.get(value, value)


@pytest.mark.parametrize(
    ("case", "changes", "param", "code"), REJECTED_SESSIONS, ids=[c[0] for c in REJECTED_SESSIONS]
)
def test_it_rejects_bad_checkout_params(
    client, on_account, monthly_price, case, changes, param, code
):
    params = session_params(monthly_price.id, **_fill(changes, monthly_price.id))

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params, on_account)  # type: ignore[arg-type]

    assert raised.value.param == param
    assert raised.value.http_status in (400, 404)
    if code:
        assert raised.value.code == code


def test_it_rejects_an_unknown_parameter_with_stripes_message(client, on_account, monthly_price):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(
            session_params(monthly_price.id, line_items=[{"price": monthly_price.id, "foo": "1"}]),  # type: ignore[arg-type]
            on_account,
        )

    error = raised.value.json_body["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"] == "Received unknown parameter: line_items[0][foo]"
    assert error["doc_url"]


def test_it_lists_the_allowed_values_of_an_enum(client, on_account, monthly_price):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(
            session_params(monthly_price.id, mode="subscribe"),  # type: ignore[arg-type]
            on_account,
        )

    assert raised.value.user_message == (
        "Invalid mode: must be one of payment, setup, or subscription"
    )


def test_it_requires_what_the_sdk_marks_required(client, on_account):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.create({"unit_amount": 100, "product": "prod_x"}, on_account)  # type: ignore[typeddict-item]

    assert raised.value.param == "currency"
    assert raised.value.code == "parameter_missing"


def test_an_application_fee_is_refused_on_the_platform(client):
    product = client.v1.products.create({"name": "Platform product"})
    price = client.v1.prices.create(
        {
            "product": product.id,
            "currency": "usd",
            "unit_amount": 1000,
            "recurring": {"interval": "month"},
        }
    )

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(
            session_params(price.id, subscription_data={"application_fee_percent": 1})
        )

    assert raised.value.param == "subscription_data[application_fee_percent]"


def test_an_object_from_another_account_does_not_exist_here(client, on_account, monthly_price):
    other = client.v1.accounts.create({"email": "other@example.com"}).id

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.retrieve(monthly_price.id, options={"stripe_account": other})

    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert raised.value.param == "id"
    assert raised.value.user_message == f"No such price: '{monthly_price.id}'"


def test_a_missing_checkout_session_is_stripes_404(client, on_account):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_nope", options=on_account)

    assert raised.value.user_message == "No such checkout.session: 'cs_test_nope'"
    assert raised.value.param == "id"


def test_a_price_from_another_account_cannot_be_sold(client, on_account, monthly_price):
    other = {"stripe_account": client.v1.accounts.create({}).id}

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(session_params(monthly_price.id), other)

    assert raised.value.param == "line_items[0][price]"
    assert raised.value.code == "resource_missing"
