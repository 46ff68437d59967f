"""The schema check every test runs at teardown (tests/conftest.py) catches each kind of drift."""

from tests.stripe_schema import violations


def _price(**changes):
    price = {
        "id": "price_1",
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 1700000000,
        "currency": "usd",
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "prod_1",
        "recurring": {
            "interval": "month",
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": 2500,
        "unit_amount_decimal": "2500",
    }
    price.update(changes)
    return price


def test_a_price_as_stripe_returns_it_passes():
    assert violations(_price(), "price") == []


def test_it_reports_a_missing_required_property():
    price = _price()
    del price["currency"]
    assert violations(price, "price") == ["price.currency: required by the schema but missing"]


def test_it_reports_a_property_the_api_does_not_have():
    assert violations(_price(plan_name="x"), "price") == [
        "price.plan_name: not a property of this object in the pinned API"
    ]


def test_it_reports_a_wrong_type_a_forbidden_null_and_an_enum_value():
    problems = violations(
        _price(unit_amount="2500", currency=None, type="metered"), "price", path="p"
    )
    assert problems == [
        "p.currency: null, but the schema has no null",
        "p.type: 'metered' is not one of ['one_time', 'recurring']",
        "p.unit_amount: str '2500', but the schema says integer",
    ]


def test_it_checks_nested_objects_and_lists_and_booleans_are_not_integers():
    price = _price(recurring={**_price()["recurring"], "interval_count": True})
    assert violations(price, "price") == [
        "price.recurring.interval_count: bool True, but the schema says integer"
    ]


def test_an_expandable_field_takes_an_id_or_the_object():
    item = {"price": "price_1"}
    schema_problems = violations({"object": "list", "data": [item]}, "price")
    assert schema_problems  # a list is not a price
    assert violations(_price(product="prod_1"), "price") == []
    assert violations(_price(product={"id": "prod_1"}), "price") != []


def test_an_unknown_object_type_is_reported():
    assert violations({"object": "widget"}, "widget") == [
        "widget: the pinned API has no object type 'widget'"
    ]
