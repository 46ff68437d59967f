import pytest
import stripe

from stripe_sandbox.models import SandboxObject


def test_the_same_key_replays_the_first_response(client, on_account):
    options = {**on_account, "idempotency_key": "plan-1"}

    first = client.v1.products.create({"name": "Retainer"}, options)
    second = client.v1.products.create({"name": "Retainer"}, options)

    assert second.id == first.id
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert SandboxObject.objects.filter(object="product").count() == 1


def test_the_same_key_with_other_params_is_an_idempotency_error(client, on_account):
    options = {**on_account, "idempotency_key": "plan-2"}
    client.v1.products.create({"name": "Retainer"}, options)

    with pytest.raises(stripe.IdempotencyError):
        client.v1.products.create({"name": "Something else"}, options)


def test_keys_belong_to_one_account(client, on_account):
    other = {"stripe_account": client.v1.accounts.create({}).id, "idempotency_key": "plan-3"}

    mine = client.v1.products.create(
        {"name": "Retainer"}, {**on_account, "idempotency_key": "plan-3"}
    )
    theirs = client.v1.products.create({"name": "Retainer"}, other)

    assert mine.id != theirs.id


def test_a_failed_request_does_not_use_up_the_key(client, on_account):
    options = {**on_account, "idempotency_key": "plan-4"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.create({"name": "Retainer", "colour": "red"}, options)  # type: ignore[typeddict-unknown-key]

    created = client.v1.products.create({"name": "Retainer"}, options)

    assert created.id.startswith("prod_")
