"""Regenerate, then Send by email → the email in the sandbox outbox → the evergreen pay link
opens Stripe Checkout and the client pays; clicked through in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from customers.models import Subscription
from tests.browser.test_pay_by_link import fill_card, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(staff_page, customer, settings):
    settings.EMAIL_BACKEND = "stripe_sandbox.outbox.OutboxBackend"
    return staff_page(customer)


def test_regenerate_makes_a_new_link_and_the_old_one_stops_working(browser, staff):
    monthly = staff.locator(".checkout-row", has_text="Monthly Subscription")
    monthly.get_by_role("button", name="Generate Session").click()
    old_url = staff.get_by_label("Monthly checkout link").input_value()

    staff.locator(".checkout-row", has_text="Monthly Subscription").get_by_role(
        "button", name="Regenerate"
    ).click()
    confirm = staff.get_by_role("dialog")
    expect(confirm).to_contain_text("The link you sent stops working")
    confirm.get_by_role("button", name="Regenerate").click()
    expect(staff.get_by_label("Monthly checkout link")).not_to_have_value(old_url)

    new_url = staff.get_by_label("Monthly checkout link").input_value()
    assert new_url != old_url
    history = staff.locator(".link-history")
    expect(history.get_by_text("Expired")).to_have_count(1)
    expect(history.get_by_text("Open")).to_have_count(1)
    payer = browser.new_context().new_page()
    payer.goto(old_url)
    expect(payer.get_by_text("This checkout session is no longer available.")).to_be_visible()
    payer.goto(new_url)
    expect(payer.get_by_label("Card number")).to_be_visible()


def test_send_by_email_reaches_the_outbox_and_the_pay_link_opens_checkout(
    browser, live_site, staff, customer
):
    yearly = staff.locator(".checkout-row", has_text="Yearly Subscription")
    yearly.get_by_role("button", name="Create pay link").click()
    expect(staff.get_by_label("Yearly pay link")).to_be_visible()
    staff.locator(".checkout-row", has_text="Yearly Subscription").get_by_role(
        "button", name="Send pay link by email"
    ).click()
    expect(staff.get_by_text("Link emailed to dana@client.example.")).to_be_visible()

    client = browser.new_context().new_page()
    client.goto(f"{live_site}/sandbox/outbox/")
    client.get_by_role("link", name=re.compile("Automation retainer")).click()
    expect(client.get_by_text("dana@client.example")).to_be_visible()
    text = client.locator(".outbox-text").inner_text()
    assert "25,000.00 USD per year" in text
    assert "This link does not expire" in text
    pay_url = re.search(r"https?://\S+/pay/\S+/", text).group(0)

    client.goto(pay_url)
    expect(client).to_have_url(re.compile(r"/sandbox/checkout/cs_test_"))
    expect(client.get_by_text("Automation retainer")).to_be_visible()
    expect(client.get_by_text("$25,000.00")).to_be_visible()
    fill_card(client, "4242 4242 4242 4242")
    client.get_by_role("button", name="Start trial").click()
    expect(client.get_by_role("heading", name="Thank you!")).to_be_visible()

    client.goto(pay_url)
    expect(client.get_by_role("heading", name="You're all set: this is paid")).to_be_visible()
    expect(client.get_by_text(re.compile("when the trial ends"))).to_be_visible()
    staff.reload()
    expect(staff.locator("#stripe-information").get_by_text("On trial")).to_be_visible()
    expect(staff.locator(".link-history").get_by_text("Paid")).to_be_visible()
    assert wait_for(lambda: Subscription.objects.filter(customer=customer).count() == 1)
