"""One-off invoices, their hosted page and PDF, and the money behind them (charges, balance
transactions with Stripe's fee and the application fee, refunds, disputes), all through the
real SDK."""

import re
import zlib

import pytest
import stripe
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from stripe_sandbox.models import SandboxEvent
from stripe_sandbox.payments import stripe_fee
from tests.stripe_sandbox.hosted import PAYING_CARD, path_of, submit

DECLINED_CARD = {**PAYING_CARD, "card_number": "4000 0000 0000 0002"}


@pytest.fixture
def customer(client, on_account):
    return client.v1.customers.create(
        {"name": "Dana Client", "email": "dana@client.example"}, on_account
    )


def send_project_invoice(client, on_account, customer, *, amount=120000, fee=600, currency="usd"):
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "currency": currency,
            "days_until_due": 30,
            "application_fee_amount": fee,
            "description": "Discovery sprint",
        },
        on_account,
    )
    client.v1.invoice_items.create(
        {
            "customer": customer.id,
            "invoice": invoice.id,
            "amount": amount,
            "currency": currency,
            "description": "Website build",
        },
        on_account,
    )
    client.v1.invoices.finalize_invoice(invoice.id, options=on_account)
    return client.v1.invoices.send_invoice(invoice.id, options=on_account)


def charge_of(client, on_account, invoice):
    intent_id = invoice.payments.data[0].payment.payment_intent
    intent = client.v1.payment_intents.retrieve(intent_id, options=on_account)
    return client.v1.charges.retrieve(
        intent.latest_charge, {"expand": ["balance_transaction"]}, on_account
    )


def pdf_text(content: bytes) -> str:
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S)
    return b"".join(zlib.decompress(stream) for stream in streams).decode("latin-1")


def test_a_sent_invoice_is_open_with_its_number_due_date_and_links(
    client, on_account, customer, mailoutbox, transactional_db
):
    invoice = send_project_invoice(client, on_account, customer)

    assert invoice.status == "open"
    assert (invoice.subtotal, invoice.total, invoice.amount_due) == (120000, 120000, 120000)
    assert invoice.number.endswith("-0001")
    assert invoice.due_date == invoice.status_transitions.finalized_at + 30 * 86400
    assert invoice.hosted_invoice_url.endswith(f"/sandbox/invoices/{invoice.id}/")
    assert [line.description for line in invoice.lines.data] == ["Website build"]
    assert [m.to for m in mailoutbox] == [["dana@client.example"]]
    assert invoice.hosted_invoice_url in mailoutbox[0].body
    assert [e.type for e in SandboxEvent.objects.order_by("sequence")][-5:] == [
        "invoice.created",
        "invoice.updated",
        "invoiceitem.created",
        "invoice.finalized",
        "invoice.sent",
    ]


def test_paying_on_the_hosted_page_charges_the_card_with_both_fees(
    client, on_account, customer, mailoutbox, transactional_db
):
    invoice = send_project_invoice(client, on_account, customer, amount=120000, fee=600)

    page = submit(invoice.hosted_invoice_url, PAYING_CARD)

    assert "Invoice paid" in page.content.decode()
    paid = client.v1.invoices.retrieve(invoice.id, options=on_account)
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 120000, 0)
    assert paid.status_transitions.paid_at is not None
    charge = charge_of(client, on_account, paid)
    assert (charge.amount, charge.application_fee_amount, charge.status) == (
        120000,
        600,
        "succeeded",
    )
    assert charge.payment_method_details.card.last4 == "4242"
    transaction = charge.balance_transaction
    assert stripe_fee(120000) == 3510  # 2.9% of 1,200.00 = 34.80, + 0.30
    assert {d.type: d.amount for d in transaction.fee_details} == {
        "stripe_fee": 3510,
        "application_fee": 600,
    }
    assert (transaction.amount, transaction.fee, transaction.net) == (120000, 4110, 115890)
    assert "receipt" in mailoutbox[-1].subject.lower()


def test_a_declined_card_leaves_the_invoice_open_and_says_why(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer)

    page = submit(invoice.hosted_invoice_url, DECLINED_CARD)

    assert "Your card was declined." in page.content.decode()
    still = client.v1.invoices.retrieve(invoice.id, options=on_account)
    assert (still.status, still.attempt_count, still.amount_remaining) == ("open", 1, 120000)
    assert SandboxEvent.objects.filter(type="invoice.payment_failed").count() == 1
    assert SandboxEvent.objects.filter(type="charge.failed").count() == 1


def test_void_and_mark_uncollectible_follow_stripes_rules(client, on_account, customer):
    first = send_project_invoice(client, on_account, customer)
    second = send_project_invoice(client, on_account, customer)

    uncollectible = client.v1.invoices.mark_uncollectible(first.id, options=on_account)
    voided = client.v1.invoices.void_invoice(second.id, options=on_account)

    assert uncollectible.status == "uncollectible"
    assert (voided.status, voided.amount_remaining) == ("void", 0)
    assert voided.status_transitions.voided_at is not None
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.void_invoice(second.id, options=on_account)
    listed = client.v1.invoices.list({"customer": customer.id, "status": "void"}, on_account)
    assert [i.id for i in listed.data] == [second.id]


def test_a_send_invoice_needs_days_until_due(client, on_account, customer):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create(
            {"customer": customer.id, "collection_method": "send_invoice"}, on_account
        )
    assert error.value.param == "days_until_due"


def test_an_application_fee_needs_a_connected_account(client, customer, on_account):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create({"application_fee_amount": 100, "customer": "cus_x"})
    assert error.value.param in {"application_fee_amount", "customer"}


def test_items_cannot_be_added_to_a_finalized_invoice(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoice_items.create(
            {"customer": customer.id, "invoice": invoice.id, "amount": 100, "currency": "usd"},
            on_account,
        )
    assert error.value.param == "invoice"


def test_a_one_time_price_becomes_the_item_amount(client, on_account, customer):
    product = client.v1.products.create({"name": "Logo design"}, on_account)
    price = client.v1.prices.create(
        {"product": product.id, "currency": "usd", "unit_amount": 45000}, on_account
    )
    item = client.v1.invoice_items.create(
        {"customer": customer.id, "pricing": {"price": price.id}}, on_account
    )
    invoice = client.v1.invoices.create(
        {
            "customer": customer.id,
            "collection_method": "send_invoice",
            "days_until_due": 7,
            "pending_invoice_items_behavior": "include",
        },
        on_account,
    )
    assert item.amount == 45000
    assert invoice.total == 45000
    assert invoice.lines.data[0].pricing.price_details.price == price.id


def test_refunds_partial_then_the_rest_and_never_more(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer, amount=10000, fee=50)
    submit(invoice.hosted_invoice_url, PAYING_CARD)
    charge = charge_of(
        client, on_account, client.v1.invoices.retrieve(invoice.id, options=on_account)
    )

    partial = client.v1.refunds.create(
        {"charge": charge.id, "amount": 2500, "reason": "requested_by_customer"}, on_account
    )
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create({"charge": charge.id, "amount": 7501}, on_account)
    rest = client.v1.refunds.create({"payment_intent": charge.payment_intent}, on_account)

    assert (partial.amount, partial.status, rest.amount) == (2500, "succeeded", 7500)
    assert too_much.value.code == "amount_too_large"
    refunded = client.v1.charges.retrieve(charge.id, options=on_account)
    assert (refunded.amount_refunded, refunded.refunded) == (10000, True)
    transactions = client.v1.balance_transactions.list({"type": "refund"}, on_account)
    assert sorted(t.amount for t in transactions.data) == [-7500, -2500]
    assert SandboxEvent.objects.filter(type="charge.refunded").count() == 2


def test_a_dispute_takes_the_amount_and_fee_and_a_won_one_returns_the_amount(
    client, on_account, customer
):
    invoice = send_project_invoice(client, on_account, customer, amount=10000, fee=50)
    submit(invoice.hosted_invoice_url, PAYING_CARD)

    call_command("sandbox_trigger", "dispute", invoice.id)
    call_command("sandbox_trigger", "dispute", invoice.number, "--close", "won")

    [dispute] = client.v1.disputes.list({}, on_account).data
    assert (dispute.status, dispute.amount) == ("won", 10000)
    assert [(t.amount, t.fee) for t in dispute.balance_transactions] == [(-10000, 1500), (10000, 0)]
    types = [e.type for e in SandboxEvent.objects.order_by("sequence")]
    assert types[-4:] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    with pytest.raises(CommandError):
        call_command("sandbox_trigger", "dispute", invoice.id, "--close", "lost")


def test_an_unpaid_invoice_cannot_be_disputed(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer)
    with pytest.raises(CommandError, match="not paid by card"):
        call_command("sandbox_trigger", "dispute", invoice.id)


def test_balance_transactions_list_by_created_100_a_page(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer, amount=5000, fee=25)
    submit(invoice.hosted_invoice_url, PAYING_CARD)
    paid = client.v1.invoices.retrieve(invoice.id, options=on_account)
    start = paid.status_transitions.paid_at - 60

    listed = client.v1.balance_transactions.list(
        {"limit": 100, "created": {"gte": start, "lt": start + 86400}}, on_account
    )
    later = client.v1.balance_transactions.list({"created": {"gt": start + 86400}}, on_account)

    assert [(t.type, t.amount, t.fee) for t in listed.data] == [("charge", 5000, 30 + 145 + 25)]
    assert later.data == []


def test_the_pdf_names_the_agency_client_lines_tax_total_and_status(client, on_account, customer):
    invoice = send_project_invoice(client, on_account, customer, amount=120000)
    submit(invoice.hosted_invoice_url, PAYING_CARD)

    pdf = Client().get(path_of(invoice.invoice_pdf))

    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for expected in (
        "Northwind Studio",
        "Dana Client",
        "Website build",
        "Tax",
        "1,200.00 USD",
        "PAID",
        invoice.number,
    ):
        assert expected in text, expected


def test_a_zero_decimal_currency_fee_is_whole_yen(client, on_account, customer):
    invoice = send_project_invoice(
        client, on_account, customer, amount=50000, fee=250, currency="jpy"
    )
    submit(invoice.hosted_invoice_url, PAYING_CARD)
    charge = charge_of(
        client, on_account, client.v1.invoices.retrieve(invoice.id, options=on_account)
    )
    assert charge.balance_transaction.fee == stripe_fee(50000) + 250 == 1450 + 30 + 250
