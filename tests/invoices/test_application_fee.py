"""The platform fee on an invoice is what Stripe charged: the application fee on the
platform, less what the platform gave back (application_fee.refunded), on the invoice, in
the revenue figures, the payments CSV and the check against Stripe."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agency_billing.stripe_client import stripe_client
from invoices.models import Invoice, RevenueMonth
from stripe_sandbox.models import SandboxEvent
from tests.invoices.conftest import pay_on_hosted_page, sent_invoice
from tests.sync.stripe_timeline import deliver_from_stripe
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_replay


@pytest.fixture
def paid_invoice(owner_client, customer) -> Invoice:
    """1,200.00 paid by card; the platform's 0.5% is 6.00."""
    invoice = sent_invoice(owner_client, customer, amount="1200.00")
    pay_on_hosted_page(invoice)
    invoice.refresh_from_db()
    return invoice


def test_the_invoice_carries_the_application_fee_stripe_charged(paid_invoice):
    fee = stripe_client().v1.application_fees.retrieve(paid_invoice.stripe_application_fee_id)

    assert (fee.charge, fee.amount) == (paid_invoice.stripe_charge_id, 600)
    assert (paid_invoice.platform_fee, paid_invoice.platform_fee_kept) == (600, 600)


def test_a_fee_the_platform_gives_back_lowers_the_fee_and_raises_the_net(
    owner_client, paid_invoice
):
    stripe_client().v1.application_fees.refunds.create(
        paid_invoice.stripe_application_fee_id,
        {"amount": 150},
        {"idempotency_key": f"test-fee-refund-{paid_invoice.pk}"},
    )

    paid_invoice.refresh_from_db()
    assert (paid_invoice.platform_fee, paid_invoice.platform_fee_refunded) == (600, 150)
    assert RevenueMonth.objects.get().platform_fees == 450
    detail = owner_client.get(reverse("invoice_detail", args=[paid_invoice.pk])).content.decode()
    assert "4.50 USD (6.00 USD charged by Stripe, 1.50 USD given back by the platform)" in detail
    payments = owner_client.get(reverse("revenue_payments_csv"))
    [row] = csv.DictReader(io.StringIO(b"".join(payments.streaming_content).decode()))
    assert row["fee"] == "39.60"  # 4.50 platform + 35.10 Stripe
    month = timezone.now().strftime("%Y-%m")
    check = owner_client.post(reverse("revenue_check"), {"month": month}).content.decode()
    assert "USD: matches Stripe." in check


def test_an_older_fee_event_never_gives_the_fee_back_again(paid_invoice):
    stripe_client().v1.application_fees.refunds.create(
        paid_invoice.stripe_application_fee_id, {"amount": 150}
    )
    created = SandboxEvent.objects.get(type="application_fee.created")

    deliver_from_stripe(created.stripe_id)  # late, and again

    paid_invoice.refresh_from_db()
    assert paid_invoice.platform_fee_kept == 450
    assert RevenueMonth.objects.get().platform_fees == 450


def test_the_worker_applies_a_fee_event_in_its_one_transaction(transactional_db, paid_invoice):
    # Issue 5: no savepoint nested in the transaction an event is processed in.
    stored = WebhookEvent.objects.get(type="application_fee.created")
    Invoice.objects.filter(pk=paid_invoice.pk).update(platform_fee=0)

    with CaptureQueriesContext(connection) as queries:
        event = webhook_event_replay(stored.pk)

    assert event is not None and event.status == WebhookEvent.Status.PROCESSED
    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    paid_invoice.refresh_from_db()
    assert (paid_invoice.platform_fee, paid_invoice.platform_fee_kept) == (600, 600)
