"""Charge for project, clicked through in Chromium: staff send a one-off invoice, the client
pays it on Stripe's hosted invoice page, Manage Customer shows it paid, and the owner's
revenue shows it net of the fees, down to the accountant's CSV."""

import csv
import io
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from invoices.models import Invoice

pytestmark = pytest.mark.browser


def test_staff_charge_for_a_project_and_the_owner_sees_it_in_revenue(
    browser, transactional_db, customer, owner, live_site
):
    staff = browser.new_context(accept_downloads=True).new_page()
    staff.goto(f"{live_site}{reverse('login')}")
    staff.get_by_label("Email").fill(owner.user.username)
    staff.get_by_label("Password").fill("correct horse battery")
    staff.get_by_role("button", name="Log in").click()

    # Manage Customer → Charge for project → Send invoice
    staff.goto(f"{live_site}{reverse('customer_manage', args=[customer.pk])}")
    staff.get_by_role("link", name="Charge for project").click()
    expect(staff.get_by_text("0.5% of the invoice's subtotal")).to_be_visible()
    staff.get_by_label("Description").fill("Website build")
    staff.get_by_label("Amount (USD)").fill("1200.00")
    staff.get_by_role("button", name="Send invoice").click()
    expect(staff.get_by_text(f"was sent to {customer.email}")).to_be_visible()
    row = staff.locator("#invoices .invoice-row")
    expect(row.locator('[data-field="status"]')).to_have_text("Open")
    expect(row).to_contain_text("1,200.00 USD")

    # the client opens Stripe's hosted invoice page and pays by card
    invoice = Invoice.objects.get(customer=customer)
    payer = browser.new_context().new_page()
    payer.goto(invoice.hosted_invoice_url)
    expect(payer.get_by_text("Website build")).to_be_visible()
    payer.get_by_label("Card number").fill("4242 4242 4242 4242")
    payer.get_by_label("Expiration (MM / YY)").fill("12 / 34")
    payer.get_by_label("CVC").fill("123")
    payer.get_by_label("Name on card").fill("Dana Client")
    payer.get_by_role("button", name="Pay $1,200.00").click()
    expect(payer.get_by_text("Invoice paid. Thank you!")).to_be_visible()

    # Manage Customer shows it paid once Stripe's webhooks have come in over HTTP
    assert wait_for(lambda: Invoice.objects.get(pk=invoice.pk).stripe_fee is not None)
    staff.reload()
    expect(row.locator('[data-field="status"]')).to_have_text("Paid")
    expect(row).to_contain_text("Visa •••• 4242")

    # the owner's revenue: 1,200.00 − 6.00 platform fee − 35.10 Stripe fee
    staff.get_by_role("navigation").get_by_role("link", name="Revenue").click()
    usd = staff.locator('.revenue-currency[data-currency="usd"]')
    expect(usd.locator('[data-field="gross"]')).to_have_text("1,200.00 USD")
    expect(usd.locator('[data-field="platform-fees"]')).to_have_text("6.00 USD")
    expect(usd.locator('[data-field="stripe-fees"]')).to_have_text("35.10 USD")
    expect(usd.locator('[data-field="net"]')).to_have_text("1,158.90 USD")

    with staff.expect_download() as download_info:
        staff.get_by_role("link", name="Download payments CSV").click()
    with open(download_info.value.path(), encoding="utf-8") as downloaded:
        rows = list(csv.DictReader(io.StringIO(downloaded.read())))
    assert [(r["client"], r["invoice"], r["gross"], r["fee"], r["net"]) for r in rows] == [
        (customer.name, invoice.number, "1200.00", "41.10", "1158.90")
    ]


def wait_for(condition, seconds: float = 20.0) -> bool:
    """The sandbox posts webhooks from a background thread; give them a bounded moment."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
