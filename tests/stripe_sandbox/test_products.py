import pytest
import stripe


def test_it_creates_a_product_shaped_like_stripes(client, on_account):
    product = client.v1.products.create({"name": "Retainer", "metadata": {"plan": "7"}}, on_account)

    assert product.id.startswith("prod_")
    assert product.object == "product"
    assert product.name == "Retainer"
    assert product.active is True
    assert product.livemode is False
    assert product.metadata.to_dict() == {"plan": "7"}


def test_it_retrieves_and_updates_a_product(client, on_account):
    product = client.v1.products.create({"name": "Retainer"}, on_account)

    client.v1.products.update(product.id, {"active": False, "name": "Old retainer"}, on_account)
    again = client.v1.products.retrieve(product.id, options=on_account)

    assert again.active is False
    assert again.name == "Old retainer"


def test_it_creates_a_recurring_price(monthly_price):
    assert monthly_price.id.startswith("price_")
    assert monthly_price.type == "recurring"
    assert monthly_price.recurring.interval == "month"
    assert monthly_price.recurring.interval_count == 1
    assert monthly_price.unit_amount == 250000
    assert monthly_price.currency == "usd"


def test_it_only_lets_a_price_change_what_stripe_allows(client, on_account, monthly_price):
    updated = client.v1.prices.update(
        monthly_price.id, {"active": False, "nickname": "2024 rate"}, on_account
    )
    assert updated.active is False
    assert updated.nickname == "2024 rate"

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.update(monthly_price.id, {"unit_amount": 100}, on_account)  # type: ignore[typeddict-unknown-key]
    assert raised.value.param == "unit_amount"


def test_it_finds_customers_by_email(client, on_account):
    client.v1.customers.create({"email": "a@example.com", "name": "A"}, on_account)
    client.v1.customers.create({"email": "b@example.com", "name": "B"}, on_account)

    found = client.v1.customers.list({"email": "b@example.com"}, on_account)

    assert [c.name for c in found.data] == ["B"]
    assert found.object == "list"
    assert found.has_more is False


def test_a_list_can_expand_a_field_of_each_item(client, on_account, monthly_price):
    prices = client.v1.prices.list({"expand": ["data.product"]}, on_account)

    assert prices.data[0].product.name == "Retainer"


def test_lists_page_newest_first(client, on_account):
    ids = [client.v1.customers.create({"name": f"C{n}"}, on_account).id for n in range(3)]

    first = client.v1.customers.list({"limit": 2}, on_account)
    rest = client.v1.customers.list({"limit": 2, "starting_after": first.data[-1].id}, on_account)

    assert [c.id for c in first.data] == ids[::-1][:2]
    assert first.has_more is True
    assert [c.id for c in rest.data] == ids[:1]
    assert rest.has_more is False
    every = [c.id for c in client.v1.customers.list({"limit": 1}, on_account).auto_paging_iter()]
    assert every == ids[::-1]


def test_a_price_may_have_at_most_eight_digits_as_on_stripe(client, on_account):
    product = client.v1.products.create({"name": "Retainer"}, on_account)
    price = {"product": product.id, "currency": "usd", "recurring": {"interval": "month"}}

    largest = client.v1.prices.create({**price, "unit_amount": 99_999_999}, on_account)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.prices.create({**price, "unit_amount": 100_000_000}, on_account)

    assert largest.unit_amount == 99_999_999
    error = raised.value.error
    assert raised.value.http_status == 400
    assert error.type == "invalid_request_error"
    assert error.param == "unit_amount"
    assert "99999999" in (error.message or "")
    assert client.v1.prices.list({"product": product.id}, on_account).data == [largest]


def test_a_products_default_price_is_held_to_the_same_limit(client, on_account):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.products.create(
            {
                "name": "Retainer",
                "default_price_data": {"currency": "jpy", "unit_amount_decimal": "100000000"},
            },
            on_account,
        )

    assert raised.value.error.param == "default_price_data[unit_amount_decimal]"
    assert client.v1.products.list({}, on_account).data == []
