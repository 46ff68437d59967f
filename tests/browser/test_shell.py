"""The staff shell in Chromium: the phone menu, the skip link, copy buttons and the
confirmation before a destructive action."""

import pytest
from playwright.sync_api import expect

from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from tests.browser.test_accessibility import VIEWPORTS, signed_in_context

pytestmark = pytest.mark.browser


def test_on_a_phone_the_menu_button_opens_and_closes_the_sidebar(browser, live_server, owner):
    context = signed_in_context(browser, live_server, owner, VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(f"{live_server.url}/customers/")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")

    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Manage Customers")).to_have_attribute(
        "aria-current", "page"
    )
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.screenshot(path="test-results/phone-customers.png", full_page=True)
    context.close()


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(
    browser, live_server, owner
):
    context = signed_in_context(browser, live_server, owner, VIEWPORTS["laptop"])
    page = context.new_page()
    page.goto(f"{live_server.url}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    context.close()


def test_copy_says_copied_to_screen_readers_and_regenerate_asks_first(
    browser, live_server, owner, customer
):
    first = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    context = signed_in_context(browser, live_server, owner, VIEWPORTS["laptop"])
    page = context.new_page()
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    row = page.locator(".checkout-row", has_text="Monthly Subscription")

    row.get_by_role("button", name="Copy").click()
    expect(row.locator("[aria-live=polite]")).to_have_text("Copied")

    row.get_by_role("button", name="Regenerate").click()
    dialog = page.get_by_role("dialog", name="Regenerate the monthly link?")
    expect(dialog).to_contain_text("The link you sent stops working")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert list(CheckoutLink.objects.values_list("pk", flat=True)) == [first.pk]

    row.get_by_role("button", name="Regenerate").click()
    dialog.get_by_role("button", name="Regenerate").click()
    expect(page.get_by_label("Monthly checkout link")).not_to_have_value(first.url)
    assert CheckoutLink.objects.count() == 2
    context.close()


def test_removing_a_contact_withdrawing_an_invitation_and_marking_uncollectible_ask_first(
    browser, live_server, owner, customer
):
    from agencies.models import Invitation
    from tests.factories import ContactFactory
    from tests.portal.test_billing import add_invoice

    contact = ContactFactory(customer=customer, email="pat@client.example")
    Invitation.objects.create(agency=owner.agency, email="new.admin@example.com")
    invoice = add_invoice(customer, number="ASK-1")
    context = signed_in_context(browser, live_server, owner, VIEWPORTS["laptop"])
    page = context.new_page()
    dialog = page.get_by_role("dialog")

    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.get_by_role("button", name="Remove pat@client.example").click()
    expect(dialog).to_have_accessible_name("Remove this contact?")
    expect(dialog).to_contain_text("pat@client.example can no longer log in")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert customer.contacts.filter(pk=contact.pk).exists()
    page.get_by_role("button", name="Remove pat@client.example").click()
    dialog.get_by_role("button", name="Remove").click()
    expect(page.locator(".contact-row", has_text="pat@client.example")).to_have_count(0)
    assert not customer.contacts.filter(pk=contact.pk).exists()

    page.goto(f"{live_server.url}/team/")
    page.get_by_role("button", name="Withdraw the invitation of new.admin@example.com").click()
    expect(dialog).to_have_accessible_name("Withdraw the invitation?")
    dialog.get_by_role("button", name="Cancel").click()
    assert Invitation.objects.filter(email="new.admin@example.com").exists()

    page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
    page.get_by_role("button", name="Mark uncollectible").click()
    expect(dialog).to_have_accessible_name("Mark invoice ASK-1 uncollectible?")
    dialog.get_by_role("button", name="Cancel").click()
    invoice.refresh_from_db()
    assert invoice.status == "open"
    context.close()
