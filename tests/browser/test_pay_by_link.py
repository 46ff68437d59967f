"""Steps 1–7 of the pay-by-link flow, clicked through in Chromium."""

import re
import time

import pytest
from playwright.sync_api import expect

from customers.models import Subscription
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.browser


def test_an_agency_signs_up_connects_stripe_sells_a_plan_and_gets_paid_by_link(browser, live_site):
    staff = browser.new_context().new_page()

    # 1. sign up
    staff.goto(f"{live_site}/signup/")
    staff.get_by_label("Agency name").fill("Brightside Marketing")
    staff.get_by_label("Your email").fill("owner@brightside.example")
    staff.get_by_label("Password").fill("a long enough passphrase")
    staff.get_by_role("button", name="Create agency").click()
    expect(staff.get_by_role("heading", name="Brightside Marketing")).to_be_visible()

    # billing is locked until Stripe is connected
    staff.get_by_role("navigation").get_by_role("link", name="Custom Plans").click()
    expect(staff.get_by_text("Connect Stripe to start billing.")).to_be_visible()

    # 2. connect Stripe through the hosted onboarding page
    staff.get_by_role("navigation").get_by_role("link", name="Connect Stripe").click()
    staff.get_by_role("button", name="Connect Stripe").click()
    expect(staff).to_have_url(re.compile(r"/sandbox/connect/onboarding/"))
    staff.get_by_role("button", name="Agree and submit").click()
    expect(staff.get_by_text("Charges enabled")).to_be_visible()

    # 3. a custom plan with a monthly and a yearly price and a trial
    staff.get_by_role("navigation").get_by_role("link", name="Custom Plans").click()
    staff.get_by_role("link", name="New plan").click()
    staff.get_by_label("Plan name").fill("Automation retainer")
    staff.get_by_label("Monthly price (USD)").fill("2500.00")
    staff.get_by_label("Yearly price (USD)").fill("25000.00")
    staff.get_by_label("Free trial (days)").fill("14")
    staff.get_by_role("button", name="Create plan").click()
    expect(staff.get_by_text("2,500.00 USD / month")).to_be_visible()

    # 4. Add Customer, at the bottom of the sidebar
    staff.get_by_role("link", name="Add Customer").click()
    staff.get_by_label("Name", exact=True).fill("Dana Client")
    staff.get_by_label("Email", exact=True).fill("dana@client.example")
    staff.get_by_label("Company name").fill("Client Co")
    staff.get_by_label("Plan").select_option(label="Automation retainer")
    expect(staff.get_by_label("Email login credentials to customer")).not_to_be_checked()
    staff.get_by_role("button", name="Create Customer").click()

    # 5. Manage Customer: generate the monthly Checkout link
    expect(staff.get_by_role("heading", name="Manage Customer")).to_be_visible()
    expect(staff.get_by_role("heading", name="Stripe Information")).to_be_visible()
    monthly = staff.locator(".checkout-row", has_text="Monthly Subscription")
    expect(staff.locator(".checkout-row", has_text="Yearly Subscription")).to_be_visible()
    monthly.get_by_role("button", name="Generate Session").click()
    link_field = staff.get_by_label("Monthly checkout link")
    expect(link_field).to_have_attribute("readonly", "")
    checkout_url = link_field.input_value()
    assert "/sandbox/checkout/cs_test_" in checkout_url
    expect(staff.get_by_text(re.compile(r"Expires "))).to_be_visible()

    # 6. the client opens the link in another browser: a declined card, then 4242
    payer = browser.new_context().new_page()
    payer.goto(checkout_url)
    expect(payer.get_by_text("Brightside Marketing")).to_be_visible()
    expect(payer.get_by_text("Automation retainer")).to_be_visible()
    expect(payer.get_by_text("$2,500.00")).to_be_visible()
    expect(payer.get_by_text("14-day free trial")).to_be_visible()
    fill_card(payer, "4000 0000 0000 0002")
    payer.get_by_role("button", name="Start trial").click()
    expect(payer.get_by_role("alert")).to_contain_text("Your card was declined.")
    assert not Subscription.objects.exists()

    fill_card(payer, "4242 4242 4242 4242")
    payer.get_by_role("button", name="Start trial").click()
    expect(payer.get_by_role("heading", name="Thank you!")).to_be_visible()

    # 7. back on Manage Customer: the mirrored subscription
    staff.reload()
    info = staff.locator("#stripe-information")
    expect(info.get_by_text("On trial")).to_be_visible()
    expect(info.get_by_text("2,500.00 USD / month")).to_be_visible()
    expect(info.get_by_text("Visa •••• 4242")).to_be_visible()
    expect(info.locator('[data-field="trial-end"]')).not_to_have_text("No trial")
    expect(info.locator('[data-field="current-period"]')).not_to_have_text("—")
    staff.screenshot(path="test-results/manage-customer.png", full_page=True)

    # the signed webhooks arrived over HTTP and were processed by the Celery task
    wanted = {"checkout.session.completed", "customer.subscription.created", "invoice.paid"}
    assert wait_for(lambda: wanted <= processed_event_types()), processed_event_types()


def processed_event_types() -> set[str]:
    return set(WebhookEvent.objects.filter(status="processed").values_list("type", flat=True))


def wait_for(condition, seconds: float = 15.0) -> bool:
    """The sandbox posts webhooks from a background thread; give them a bounded moment."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def fill_card(page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiration (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Dana Client")
