"""Settings and account care clicked through in Chromium, with the mail read in the sandbox
outbox: a new agency name, colour and logo reach Stripe's hosted checkout page and the email
with the link; a forgotten password is reset by the emailed link."""

import base64
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
# A 1 × 1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "stripe_sandbox.outbox.OutboxBackend"


def log_in(page: Page, live_site: str, email: str, password: str) -> None:
    page.goto(f"{live_site}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def open_newest_email(page: Page, live_site: str, subject: str) -> str:
    """Open the newest outbox email whose subject matches; its text."""
    page.goto(f"{live_site}/sandbox/outbox/")
    page.get_by_role("link", name=re.compile(subject)).first.click()
    return page.locator("pre.outbox-text").inner_text()


def test_a_new_name_colour_and_logo_show_on_the_hosted_checkout_page_and_in_the_email(
    browser, live_site, outbox, owner, customer
):
    staff = browser.new_context().new_page()
    log_in(staff, live_site, owner.user.email, PASSWORD)
    staff.get_by_role("link", name="Settings").first.click()
    staff.get_by_label("Agency name").fill("Harbour & Pine Studio")
    staff.get_by_label("Brand colour").fill("#0f766e")
    staff.get_by_label("Logo").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    staff.get_by_role("button", name="Save settings").click()
    expect(staff.get_by_text("Settings saved.")).to_be_visible()

    staff.goto(f"{live_site}/customers/{customer.pk}/")
    staff.locator(".checkout-row", has_text="Monthly Subscription").get_by_role(
        "button", name="Generate Session"
    ).click()
    checkout_url = staff.get_by_label("Monthly checkout link").input_value()

    client = browser.new_context().new_page()
    client.goto(checkout_url)
    logo = client.get_by_role("img", name="Harbour & Pine Studio")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 1
    expect(client.get_by_role("button", name="Start trial")).to_have_css(
        "background-color", "rgb(15, 118, 110)"
    )

    staff.locator(".checkout-row", has_text="Monthly Subscription").get_by_role(
        "button", name="Send by email"
    ).click()
    expect(staff.get_by_text("Link emailed to dana@client.example.")).to_be_visible()
    text = open_newest_email(client, live_site, "Harbour & Pine Studio: your Automation retainer")
    assert "Harbour & Pine Studio has set up your Automation retainer subscription" in text
    assert checkout_url in text
    client.get_by_role("link", name="Open the HTML version").click()
    header = client.get_by_role("img", name="Harbour & Pine Studio").locator("xpath=..")
    expect(header).to_have_css("background-color", "rgb(15, 118, 110)")


def test_a_forgotten_password_is_reset_by_the_emailed_link(browser, live_site, outbox, owner):
    email = owner.user.email
    page = browser.new_context().new_page()
    page.goto(f"{live_site}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    text = open_newest_email(page, live_site, "Reset your Agency Billing password")
    link = re.search(r"https?://\S+/password/reset/\S+/\S+/", text).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("a brand new river stone")
    page.get_by_label("New password confirmation").fill("a brand new river stone")
    page.get_by_role("button", name="Save new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password don't match an account."
    )

    log_in(page, live_site, email, "a brand new river stone")
    expect(page.get_by_role("heading", name=owner.agency.name)).to_be_visible()

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()


def test_signing_up_with_a_taken_email_links_to_log_in_and_logging_out_says_so(
    browser, live_site, owner
):
    email = owner.user.email
    page = browser.new_context().new_page()
    page.goto(f"{live_site}/signup/")
    page.get_by_label("Agency name").fill("Second Studio")
    page.get_by_label("Your email").fill(email)
    page.get_by_label("Password").fill("another long passphrase")
    page.get_by_role("button", name="Create agency").click()
    expect(page.get_by_text("An account with this email already exists.")).to_be_visible()

    page.locator("#id_email_error").get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(page, live_site, email, PASSWORD)
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
