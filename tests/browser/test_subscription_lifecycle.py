"""Running a client's subscription from Manage Customer, clicked through in Chromium: a trial
without a card gets one through Add Payment Method, a plan switch after Stripe's preview,
and Cancel at period end undone by Reactivate."""

import re

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect

from customers.models import Subscription
from plans.services import plan_create
from tests.browser.test_pay_by_link import fill_card
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def paying_customer(connected_agency):
    """A customer on a plan without a trial, so paying its link makes an active subscription."""
    growth = plan_create(
        agency=connected_agency, name="Growth retainer", monthly_amount=100000, trial_days=0
    )
    return CustomerFactory(agency=connected_agency, plan=growth, email="dana@client.example")


def subscribe_by_link(browser, staff: Page) -> None:
    """Staff generate the monthly link; the client pays it with 4242 in another browser."""
    staff.locator(".checkout-row", has_text="Monthly Subscription").get_by_role(
        "button", name="Generate Session"
    ).click()
    url = staff.get_by_label("Monthly checkout link").input_value()
    client = browser.new_context().new_page()
    client.goto(url)
    fill_card(client, "4242 4242 4242 4242")
    client.get_by_role("button", name="Subscribe").click()
    expect(client.get_by_role("heading", name="Thank you!")).to_be_visible()
    client.context.close()
    staff.reload()
    expect(status_of(staff)).to_have_text("Active")


def status_of(staff: Page):
    return staff.locator("#stripe-information").locator('[data-field="status"]')


def field(staff: Page, name: str):
    return staff.locator("#stripe-information").locator(f'[data-field="{name}"]')


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "M j, Y")


def test_a_trial_without_a_card_gets_the_card_the_client_adds(browser, staff_page, customer):
    staff = staff_page(customer)
    staff.get_by_role("button", name="Start trial now").click()
    expect(status_of(staff)).to_have_text("On trial")
    expect(field(staff, "payment-method")).to_have_text("None on file")

    add_card = staff.locator("#checkout-sessions").locator('[data-mode="setup"]')
    expect(add_card).to_contain_text("Add Payment Method")
    add_card.get_by_role("button", name="Generate Session").click()
    expect(staff.get_by_text("Add Payment Method link ready to send.")).to_be_visible()
    url = staff.get_by_label("Add Payment Method link").input_value()
    assert "/sandbox/checkout/cs_test_" in url

    client = browser.new_context().new_page()
    client.goto(url)
    expect(client.get_by_text(customer.agency.name)).to_be_visible()
    fill_card(client, "4242 4242 4242 4242")
    client.get_by_role("button", name="Save card").click()
    expect(client.get_by_role("heading", name="Card saved")).to_be_visible()
    expect(client.get_by_text("It will be charged when your trial ends.")).to_be_visible()

    staff.reload()
    expect(field(staff, "payment-method")).to_contain_text("Visa •••• 4242 (expires 12/2034)")
    expect(status_of(staff)).to_have_text("On trial")
    expect(staff.locator("#checkout-sessions")).not_to_contain_text("Add Payment Method")
    expect(staff.locator("#activity")).to_contain_text("The client added Visa •••• 4242")


def test_switch_plan_shows_what_is_due_now_and_next_before_it_switches(
    browser, staff_page, paying_customer, plan
):
    staff = staff_page(paying_customer)
    subscribe_by_link(browser, staff)
    period_end = Subscription.objects.get(customer=paying_customer).current_period_end
    expect(field(staff, "plan")).to_have_text("Growth retainer, monthly")

    staff.get_by_role("link", name="Switch plan").click()
    expect(staff.get_by_text("Now: Growth retainer, 1,000.00 USD / month.")).to_be_visible()
    staff.get_by_label("New plan").select_option(label="Automation retainer — Monthly")
    staff.get_by_role("button", name="Preview").click()

    # Same interval: nothing is charged now; the next invoice carries the proration.
    preview = staff.get_by_role("region", name="What changes")
    expect(preview.locator('[data-field="due-now"]')).to_have_text("0.00 USD")
    next_invoice = preview.locator('[data-field="next-invoice"]')
    expect(next_invoice).to_have_text(
        re.compile(rf"^{day(period_end)}: (3,99\d\.\d\d|4,000\.00) USD$")
    )
    expect(preview).to_contain_text(
        "Unused time on 1 × Growth retainer (at $1,000.00 / month)-1,000.00 USD"
    )
    expect(preview).to_contain_text(
        "Remaining time on 1 × Automation retainer (at $2,500.00 / month)2,500.00 USD"
    )
    staff.get_by_role("button", name="Confirm switch").click()

    expect(staff.get_by_text("Switched to Automation retainer (Monthly).")).to_be_visible()
    expect(field(staff, "plan")).to_have_text("Automation retainer, monthly")
    expect(field(staff, "price")).to_have_text("2,500.00 USD / month")
    expect(status_of(staff)).to_have_text("Active")
    expect(staff.locator("#customer-details")).to_contain_text("Automation retainer")


def test_cancel_at_period_end_then_reactivate(browser, staff_page, paying_customer):
    staff = staff_page(paying_customer)
    subscribe_by_link(browser, staff)
    period_end = day(Subscription.objects.get(customer=paying_customer).current_period_end)

    staff.get_by_role("button", name="Cancel at period end").click()
    confirm = staff.get_by_role("dialog")
    expect(confirm).to_contain_text(f"The subscription ends on {period_end}")
    confirm.get_by_role("button", name="Cancel at period end").click()
    expect(staff.get_by_text(f"Set to cancel on {period_end}.")).to_be_visible()
    expect(status_of(staff)).to_have_text(f"Canceling on {period_end}")
    expect(field(staff, "cancel-at")).to_have_text(period_end)
    expect(staff.get_by_role("button", name="Cancel at period end")).to_have_count(0)

    staff.get_by_role("button", name="Reactivate").click()
    expect(staff.get_by_text("Reactivated: the subscription renews as before.")).to_be_visible()
    expect(status_of(staff)).to_have_text("Active")
    expect(field(staff, "next-invoice")).to_have_text(f"{period_end}, 1,000.00 USD")
    expect(staff.get_by_role("button", name="Cancel at period end")).to_be_visible()
    staff.reload()
    expect(status_of(staff)).to_have_text("Active")
