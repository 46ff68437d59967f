"""The platform's application fees: a paid invoice with `application_fee_amount` (or a
subscription's `application_fee_percent`) makes an `application_fee` on the platform that the
charge names; refunds give it back in proportion, or directly; everything valid for the
pinned API and read through the real SDK."""

import pytest
import stripe

from stripe_sandbox.models import SandboxEvent, SandboxObject
from tests.stripe_sandbox.hosted import PAYING_CARD, submit
from tests.stripe_sandbox.test_invoices import charge_of, send_project_invoice
from tests.stripe_schema import violations


@pytest.fixture
def customer(client, on_account):
    return client.v1.customers.create(
        {"name": "Dana Client", "email": "dana@client.example"}, on_account
    )


@pytest.fixture
def paid_charge(client, on_account, customer):
    """A 1,200.00 invoice with a 6.00 platform fee, paid by card: its charge."""
    invoice = send_project_invoice(client, on_account, customer, amount=120000, fee=600)
    submit(invoice.hosted_invoice_url, PAYING_CARD)
    paid = client.v1.invoices.retrieve(invoice.id, options=on_account)
    return charge_of(client, on_account, paid)


def platform_events(event_type: str) -> list[dict]:
    return [
        event.data
        for event in SandboxEvent.objects.filter(type=event_type, account="").order_by("sequence")
    ]


def test_a_paid_invoice_makes_an_application_fee_on_the_platform(
    client, account, on_account, paid_charge
):
    fee = client.v1.application_fees.retrieve(paid_charge.application_fee)

    assert (fee.amount, fee.amount_refunded, fee.refunded, fee.currency) == (600, 0, False, "usd")
    assert (fee.account, fee.charge) == (account, paid_charge.id)
    assert paid_charge.application_fee_amount == fee.amount
    assert fee.refunds.data == []
    platform_side = client.v1.balance_transactions.retrieve(fee.balance_transaction)
    assert (platform_side.type, platform_side.amount, platform_side.source) == (
        "application_fee",
        600,
        fee.id,
    )
    [created] = platform_events("application_fee.created")
    assert "account" not in created  # a platform event
    assert created["data"]["object"]["id"] == fee.id
    assert violations(fee.to_dict(), "application_fee") == []
    assert violations(created, "event") == []


def test_fees_are_listed_by_charge_and_are_the_platforms_alone(
    client, on_account, paid_charge, customer
):
    other = send_project_invoice(client, on_account, customer, amount=5000, fee=25)
    submit(other.hosted_invoice_url, PAYING_CARD)

    everything = client.v1.application_fees.list({"limit": 10})
    by_charge = client.v1.application_fees.list({"charge": paid_charge.id})

    assert [fee.amount for fee in everything.data] == [25, 600]  # newest first
    assert [fee.id for fee in by_charge.data] == [paid_charge.application_fee]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.application_fees.retrieve(paid_charge.application_fee, options=on_account)
    assert error.value.http_status == 404


def test_a_subscription_with_a_fee_percent_pays_that_share_as_an_application_fee(
    client, on_account, monthly_price
):
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "customer_email": "client@example.com",
            "success_url": "http://testserver/done/",
            "subscription_data": {"application_fee_percent": 0.5},
        },
        on_account,
    )
    submit(session.url, PAYING_CARD)

    [charge] = client.v1.charges.list({"limit": 10}, on_account).data
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (charge.amount, charge.application_fee_amount, fee.amount) == (250000, 1250, 1250)


def test_refunds_with_the_application_fee_give_back_its_share_then_the_rest(
    client, account, on_account, paid_charge
):
    refund = {"charge": paid_charge.id, "refund_application_fee": True}
    client.v1.refunds.create({**refund, "amount": 30000}, on_account)  # a quarter

    fee = client.v1.application_fees.retrieve(paid_charge.application_fee)
    assert (fee.amount_refunded, fee.refunded) == (150, False)

    client.v1.refunds.create(refund, on_account)  # the rest of the charge

    fee = client.v1.application_fees.retrieve(paid_charge.application_fee)
    assert (fee.amount_refunded, fee.refunded) == (600, True)
    assert [r.amount for r in fee.refunds.data] == [450, 150]
    assert len(platform_events("application_fee.refunded")) == 2
    connected = client.v1.balance_transactions.list({"type": "application_fee_refund"}, on_account)
    assert sorted(t.amount for t in connected.data) == [150, 450]
    platform = client.v1.balance_transactions.list({"type": "application_fee_refund"})
    assert sorted(t.amount for t in platform.data) == [-450, -150]
    for row in SandboxObject.objects.filter(object="fee_refund"):
        assert violations(row.data, "fee_refund") == []


def test_a_refund_keeps_the_application_fee_unless_asked(client, on_account, paid_charge):
    client.v1.refunds.create({"charge": paid_charge.id, "amount": 30000}, on_account)

    fee = client.v1.application_fees.retrieve(paid_charge.application_fee)
    assert fee.amount_refunded == 0
    assert platform_events("application_fee.refunded") == []


def test_the_platform_refunds_a_fee_directly_but_never_more_than_is_left(client, paid_charge):
    fee_id = paid_charge.application_fee

    fee_refund = client.v1.application_fees.refunds.create(fee_id, {"amount": 100})

    assert (fee_refund.amount, fee_refund.fee) == (100, fee_id)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.application_fees.refunds.create(fee_id, {"amount": 501})
    assert error.value.param == "amount"
    assert client.v1.application_fees.retrieve(fee_id).amount_refunded == 100
