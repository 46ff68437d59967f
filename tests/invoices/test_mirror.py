"""Every invoice status reaches the mirror through Stripe's webhooks alone, in any order and
delivered twice; refunds and disputes made in Stripe's dashboard appear on the invoice."""

import pytest
from django.core.management import call_command

from agency_billing.stripe_client import account_options, stripe_client
from customers.services import customer_ensure_stripe
from invoices.models import Dispute, Invoice, Refund, RevenueMonth
from tests.invoices.conftest import pay_on_hosted_page
from tests.sync.stripe_timeline import deliver_from_stripe, stripe_clock_moves_on, stripe_events


@pytest.fixture
def held(settings):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"


def stripe_invoice(customer, *, amount=120000):
    """An open one-off invoice made in Stripe's dashboard (no webhook delivered yet)."""
    options = account_options(customer.agency.stripe_account_id)
    invoices = stripe_client().v1.invoices
    created = invoices.create(
        {
            "customer": customer_ensure_stripe(customer),
            "collection_method": "send_invoice",
            "currency": "usd",
            "days_until_due": 14,
            "application_fee_amount": 600,
        },
        options,
    )
    stripe_client().v1.invoice_items.create(
        {
            "customer": customer.stripe_customer_id,
            "invoice": created.id,
            "amount": amount,
            "currency": "usd",
            "description": "Audit",
        },
        options,
    )
    return created.id


def advance(customer, invoice_id, status):
    options = account_options(customer.agency.stripe_account_id)
    invoices = stripe_client().v1.invoices
    if status == "draft":
        return
    stripe_clock_moves_on(60)
    invoices.finalize_invoice(invoice_id, options=options)
    if status == "paid":
        stripe_clock_moves_on(60)
        pay_on_hosted_page(
            Invoice(hosted_invoice_url=f"http://testserver/sandbox/invoices/{invoice_id}/")
        )
    elif status == "void":
        stripe_clock_moves_on(60)
        invoices.void_invoice(invoice_id, options=options)
    elif status == "uncollectible":
        stripe_clock_moves_on(60)
        invoices.mark_uncollectible(invoice_id, options=options)


def deliver_all(agency, *, reverse: bool) -> None:
    events = stripe_events(agency)
    for event in reversed(events) if reverse else events:
        deliver_from_stripe(event.id)


@pytest.mark.parametrize("status", ["draft", "open", "paid", "void", "uncollectible"])
@pytest.mark.parametrize("newest_first", [True, False])
def test_each_status_arrives_in_any_order_and_twice(customer, held, status, newest_first):
    invoice_id = stripe_invoice(customer)
    advance(customer, invoice_id, status)
    truth = stripe_client().v1.invoices.retrieve(
        invoice_id, options=account_options(customer.agency.stripe_account_id)
    )

    deliver_all(customer.agency, reverse=newest_first)
    deliver_all(customer.agency, reverse=not newest_first)

    mirror = Invoice.objects.get(stripe_id=invoice_id)
    assert mirror.status == truth.status == status
    assert (mirror.total, mirror.amount_paid, mirror.amount_remaining) == (
        truth.total,
        truth.amount_paid,
        truth.amount_remaining,
    )
    assert mirror.number == (truth.number or "")
    if status == "paid":
        assert (mirror.platform_fee, mirror.stripe_fee, mirror.card_last4) == (600, 3510, "4242")
        [month] = RevenueMonth.objects.all()
        assert (month.gross, month.platform_fees, month.stripe_fees, month.payments) == (
            120000,
            600,
            3510,
            1,
        )


def test_refunds_made_in_stripes_dashboard_appear_on_the_invoice(customer, held):
    invoice_id = stripe_invoice(customer, amount=10000)
    advance(customer, invoice_id, "paid")
    options = account_options(customer.agency.stripe_account_id)
    intent = stripe_client().v1.invoices.retrieve(invoice_id, options=options).payments.data[0]
    charge = (
        stripe_client()
        .v1.payment_intents.retrieve(intent.payment.payment_intent, options=options)
        .latest_charge
    )
    stripe_client().v1.refunds.create({"charge": charge, "amount": 2500}, options)
    stripe_client().v1.refunds.create({"charge": charge, "amount": 1000}, options)

    deliver_all(customer.agency, reverse=True)
    deliver_all(customer.agency, reverse=False)

    invoice = Invoice.objects.get(stripe_id=invoice_id)
    assert invoice.amount_refunded == 3500
    assert sorted(invoice.refunds.values_list("amount", flat=True)) == [1000, 2500]
    assert Refund.objects.count() == 2
    assert RevenueMonth.objects.get().refunds == 3500


def test_a_lost_dispute_is_recorded_and_counts_against_revenue(customer, held):
    invoice_id = stripe_invoice(customer, amount=10000)
    advance(customer, invoice_id, "paid")
    call_command("sandbox_trigger", "dispute", invoice_id)
    stripe_clock_moves_on(60)
    call_command("sandbox_trigger", "dispute", invoice_id, "--close", "lost")

    deliver_all(customer.agency, reverse=True)
    deliver_all(customer.agency, reverse=False)

    [dispute] = Dispute.objects.all()
    assert (dispute.status, dispute.amount, dispute.fee) == ("lost", 10000, 1500)
    assert dispute.invoice.stripe_id == invoice_id
    month = RevenueMonth.objects.get()
    assert (month.disputes_lost, month.stripe_fees) == (10000, 320 + 1500)  # 2.9% + 30, dispute fee
