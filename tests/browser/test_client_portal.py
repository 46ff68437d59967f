"""The client portal clicked through in Chromium: staff add a customer with the login toggle
on, the client reads the invitation and the login code in the sandbox outbox, logs in, pays
an open invoice on the hosted invoice page and changes the card through the Billing Portal;
Manage Customer then shows the new card."""

import re

import pytest
from playwright.sync_api import Page, expect

from agency_billing.stripe_client import account_options, stripe_client
from customers.models import Customer
from tests.browser.test_pay_by_link import fill_card, wait_for

pytestmark = pytest.mark.browser


def open_invoice(customer: Customer) -> str:
    """A one-off invoice for 450.00 USD, finalized and sent, made through the SDK (the staff
    page for one-off invoices is another issue's)."""
    client = stripe_client()
    options = account_options(customer.agency.stripe_account_id or "")
    invoice = client.v1.invoices.create(
        {
            "customer": customer.stripe_customer_id or "",
            "collection_method": "send_invoice",
            "days_until_due": 14,
            "description": "Website redesign",
        },
        options,
    )
    client.v1.invoice_items.create(
        {
            "customer": customer.stripe_customer_id or "",
            "invoice": invoice.id,
            "amount": 45000,
            "currency": "usd",
            "description": "Website redesign",
        },
        options,
    )
    return client.v1.invoices.finalize_invoice(invoice.id, options=options).number or ""


def read_outbox(page: Page, live_site: str, subject: str) -> str:
    """Open the newest outbox email whose subject matches; its text."""
    page.goto(f"{live_site}/sandbox/outbox/")
    page.get_by_role("link", name=re.compile(subject)).first.click()
    return page.locator("pre.outbox-text").inner_text()


def test_a_client_logs_in_pays_an_invoice_and_changes_the_card(
    browser, owner, plan, live_site, settings
):
    settings.EMAIL_BACKEND = "stripe_sandbox.outbox.OutboxBackend"
    agency = plan.agency

    # staff sign in and add the customer with the login toggle on
    staff = browser.new_context().new_page()
    staff.goto(f"{live_site}/login/")
    staff.get_by_label("Email").fill(owner.user.username)
    staff.get_by_label("Password").fill("correct horse battery")
    staff.get_by_role("button", name="Log in").click()
    staff.get_by_role("link", name="Add Customer").click()
    staff.get_by_label("Name", exact=True).fill("Dana Client")
    staff.get_by_label("Email", exact=True).fill("dana@client.example")
    staff.get_by_label("Company name").fill("Client Co")
    staff.get_by_label("Plan").select_option(label="Automation retainer")
    staff.get_by_label(re.compile("login", re.IGNORECASE)).check()
    staff.get_by_role("button", name="Create Customer").click()
    contacts = staff.locator("#contacts")
    expect(contacts.get_by_text("dana@client.example")).to_be_visible()
    expect(contacts.locator(".contact-row")).to_contain_text("Billing")

    # the client subscribes by the checkout link staff send
    staff.locator(".checkout-row", has_text="Monthly Subscription").get_by_role(
        "button", name="Generate Session"
    ).click()
    checkout_url = staff.get_by_label("Monthly checkout link").input_value()
    client = browser.new_context().new_page()
    client.goto(checkout_url)
    fill_card(client, "4242 4242 4242 4242")
    client.get_by_role("button", name="Start trial").click()
    expect(client.get_by_role("heading", name="Thank you!")).to_be_visible()
    customer = Customer.objects.get(agency=agency, email="dana@client.example")
    number = open_invoice(customer)
    assert wait_for(lambda: customer.invoices.filter(number=number, status="open").exists())

    # the invitation and the code, read in the outbox
    invitation = read_outbox(client, live_site, f"{agency.name} invites you")
    login_url = re.search(r"http\S+/portal/\?email=\S+", invitation).group(0)
    client.goto(login_url)
    expect(client.get_by_label("Email")).to_have_value("dana@client.example")
    client.get_by_role("button", name="Email me a code").click()
    expect(client.get_by_role("heading", name="Check your email")).to_be_visible()
    code_page = client.url
    code = re.search(r"\b\d{6}\b", read_outbox(client, live_site, "login code")).group(0)
    client.goto(code_page)
    client.get_by_label("Login code").fill(code)
    client.get_by_role("button", name="Log in").click()

    # the overview: the subscription and the open invoice
    expect(client.get_by_role("heading", name="Billing overview")).to_be_visible()
    expect(client.get_by_text(agency.name).first).to_be_visible()
    expect(client.get_by_text("2,500.00 USD / month")).to_be_visible()
    expect(client.get_by_text(re.compile(r"Trial ends on"))).to_be_visible()
    expect(client.get_by_text("Total due: 450.00 USD")).to_be_visible()

    # Pay now on the hosted invoice page
    client.locator(f'[data-invoice="{number}"]').get_by_role("button", name="Pay now").click()
    expect(client.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    fill_card(client, "4242 4242 4242 4242")
    client.get_by_role("button", name=re.compile("^Pay")).click()
    expect(client.get_by_role("status")).to_have_text("Invoice paid. Thank you!")
    assert wait_for(lambda: customer.invoices.filter(number=number, status="paid").exists())
    client.goto(f"{live_site}/portal/billing/invoices/")
    expect(client.locator(f'[data-invoice="{number}"]')).to_contain_text("Paid")
    expect(client.get_by_role("button", name="Pay now")).to_have_count(0)

    # Update card through the Billing Portal: straight to the card form, back to the portal
    client.get_by_role("link", name="Payment methods").click()
    expect(client.get_by_text("Visa •••• 4242")).to_be_visible()
    client.get_by_role("button", name="Update card").click()
    expect(client.get_by_role("heading", name="Add payment method")).to_be_visible()
    client.get_by_label("Card number").fill("5555 5555 5555 4444")
    client.get_by_label("Expiration (MM / YY)").fill("08 / 31")
    client.get_by_label("CVC").fill("123")
    client.get_by_label("Name on card").fill("Dana Client")
    client.get_by_role("button", name="Add").click()
    expect(client.get_by_role("heading", name="Payment methods")).to_be_visible()
    assert wait_for(
        lambda: customer.subscriptions.filter(default_payment_method__last4="4444").exists()
    )
    client.reload()
    expect(client.get_by_text("Mastercard •••• 4444 — expires 08/2031")).to_be_visible()

    # Manage Customer shows the new card
    staff.reload()
    expect(staff.locator("#stripe-information").get_by_text("Mastercard •••• 4444")).to_be_visible()
