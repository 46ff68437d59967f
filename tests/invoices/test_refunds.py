"""Refunds from the app (owner only): full or partial, with a reason, never more than paid,
even for simultaneous clicks."""

import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from invoices.models import Invoice, Refund
from stripe_sandbox.models import SandboxObject
from tests.conftest import client_for
from tests.invoices.conftest import pay_on_hosted_page, sent_invoice


def paid_invoice(owner_client, customer, amount="100.00") -> Invoice:
    invoice = sent_invoice(owner_client, customer, amount=amount)
    pay_on_hosted_page(invoice)
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.stripe_charge_id
    return invoice


def refund(client: Client, invoice: Invoice, amount: str = "", reason="requested_by_customer"):
    return client.post(
        reverse("invoice_refund", args=[invoice.pk]), {"amount": amount, "reason": reason}
    )


def stripe_refunds(invoice: Invoice) -> list[int]:
    rows = SandboxObject.objects.filter(object="refund", data__charge=invoice.stripe_charge_id)
    return sorted(row.data["amount"] for row in rows)


def test_the_owner_refunds_part_then_the_rest(owner_client, customer):
    invoice = paid_invoice(owner_client, customer)

    assert refund(owner_client, invoice, "25.00").status_code == 302
    assert refund(owner_client, invoice, "").status_code == 302

    invoice.refresh_from_db()
    assert invoice.amount_refunded == 10000
    assert sorted(invoice.refunds.values_list("amount", "status")) == [
        (2500, "succeeded"),
        (7500, "succeeded"),
    ]
    assert stripe_refunds(invoice) == [2500, 7500]
    page = owner_client.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    assert "25.00 USD" in page and "requested_by_customer" in page
    assert ">Refund</a>" not in page  # nothing is left to refund


def test_more_than_is_left_is_refused_by_the_field(owner_client, customer):
    invoice = paid_invoice(owner_client, customer)
    refund(owner_client, invoice, "60.00")

    response = refund(owner_client, invoice, "40.01")

    assert "At most 40.00 USD can still be refunded." in response.content.decode()
    assert stripe_refunds(invoice) == [6000]


def test_a_refund_needs_a_reason_and_a_positive_amount(owner_client, customer):
    invoice = paid_invoice(owner_client, customer)

    assert (
        "This field is required." in refund(owner_client, invoice, "5", reason="").content.decode()
    )
    assert (
        "Select a valid choice" in refund(owner_client, invoice, "5", reason="x").content.decode()
    )
    assert "greater than zero" in refund(owner_client, invoice, "0").content.decode()
    assert "at most the decimals" in refund(owner_client, invoice, "1.001").content.decode()
    assert not Refund.objects.exists()


def test_an_unpaid_invoice_cannot_be_refunded(owner_client, customer):
    invoice = sent_invoice(owner_client, customer)
    response = refund(owner_client, invoice, "5")
    assert "Nothing is left to refund" in response.content.decode()


def test_admins_cannot_refund(admin_client_, owner_client, customer):
    invoice = paid_invoice(owner_client, customer)

    assert admin_client_.get(reverse("invoice_refund", args=[invoice.pk])).status_code == 403
    assert refund(admin_client_, invoice, "5").status_code == 403
    page = admin_client_.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    assert ">Refund</a>" not in page
    assert stripe_refunds(invoice) == []


def test_simultaneous_refund_clicks_never_refund_more_than_was_paid(owner, owner_client, customer):
    invoice = paid_invoice(owner_client, customer)
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def click():
        try:
            browser = client_for(owner)
            barrier.wait()
            statuses.append(refund(browser, invoice, "40.00").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200, 302, 302]  # the third is told what is left
    assert stripe_refunds(invoice) == [4000, 4000]
    invoice.refresh_from_db()
    assert invoice.amount_refunded == 8000
    assert sum(invoice.refunds.values_list("amount", flat=True)) == 8000
