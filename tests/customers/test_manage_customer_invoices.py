"""Manage Customer shows each invoice once: Stripe Information sums up the latest one, the
Invoices section lists them."""

import pytest
from django.urls import reverse

from checkout.services import checkout_link_generate
from tests.stripe_flows import pay_checkout

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_invoice_is_listed_once_and_stripe_information_sums_up_the_latest(
    client, owner_client, customer
):
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    pay_checkout(client, link.url, card="4242 4242 4242 4242")
    invoice = customer.invoices.get()

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()

    assert page.count(f'data-invoice="{invoice.stripe_id}"') == 1
    assert "<h3>Latest invoices</h3>" not in page
    summary = page.split('data-field="latest-invoice">', 1)[1].split("</dd>", 1)[0]
    assert invoice.number in summary and "Paid" in summary and 'href="#invoices"' in summary
