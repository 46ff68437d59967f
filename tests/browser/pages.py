"""The pages the accessibility and phone-width tests open (tests/browser/test_accessibility.py).

Add your page here: a `Page` with a name, a function of the `Scenario` that returns its path,
who opens it, and optionally what to do on it first (submit an empty form to show errors).
Every page gets the 390 px no-sideways-scroll check too.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import reverse

from agencies.models import Agency, Membership
from checkout.models import CheckoutLink
from customers.models import Customer
from plans.models import Plan


@dataclass
class Scenario:
    """A connected agency with a plan (one very long word in its name), a customer on it with
    an open checkout link, and a second agency half way through Stripe onboarding."""

    owner: Membership
    agency: Agency
    plan: Plan
    customer: Customer
    link: CheckoutLink
    onboarding_url: str
    extra: dict = field(default_factory=dict)


@dataclass
class Page:
    name: str
    path: Callable[[Scenario], str]
    # "owner" (signed in staff), "visitor", "client" (in the client portal as a billing
    # contact) or "several" (in the portal, a contact of two customers who has not chosen)
    who: str = "owner"
    prepare: Callable | None = None  # called with the Playwright page once it loaded


def press(button: str) -> Callable:
    """Press a button that takes the browser to another page (a Stripe-hosted one)."""

    def prepare(page) -> None:
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        page.wait_for_load_state()

    return prepare


def submit_empty(button: str) -> Callable:
    def prepare(page) -> None:
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()

    return prepare


def fill_and_submit(fields: dict[str, str], button: str) -> Callable:
    def prepare(page) -> None:
        for label, value in fields.items():
            page.get_by_label(label).fill(value)
        page.get_by_role("button", name=button).click()
        page.wait_for_load_state()

    return prepare


def path_of(url: str) -> str:
    return urlsplit(url).path


def _manage_customer_with_pay_link(s: Scenario) -> str:
    from checkout.services import pay_link_ensure

    pay_link_ensure(customer=s.customer, price=s.plan.prices.get(interval="year"))
    return reverse("customer_manage", args=[s.customer.pk])


def _revoked_pay_link(s: Scenario) -> str:
    from checkout.services import pay_link_ensure, pay_link_revoke

    pay_link = pay_link_ensure(customer=s.customer, price=s.plan.prices.get(interval="month"))
    pay_link_revoke(pay_link)
    return reverse("pay_link", args=[pay_link.token])


def _invitation(s: Scenario) -> str:
    from agencies.models import Invitation

    invitation = Invitation.objects.create(agency=s.agency, email="new.admin@example.com")
    return reverse("invitation_accept", args=[invitation.token])


STAFF_PAGES = [
    Page("dashboard", lambda s: reverse("dashboard")),
    Page("customer list", lambda s: reverse("customer_list")),
    Page("add customer", lambda s: reverse("customer_create")),
    Page(
        "add customer, errors",
        lambda s: reverse("customer_create"),
        prepare=submit_empty("Create Customer"),
    ),
    Page("manage customer", lambda s: reverse("customer_manage", args=[s.customer.pk])),
    Page("plan list", lambda s: reverse("plan_list")),
    Page("new plan", lambda s: reverse("plan_new")),
    Page("edit plan", lambda s: reverse("plan_edit", args=[s.plan.pk])),
    Page("new plan, errors", lambda s: reverse("plan_new"), prepare=submit_empty("Create plan")),
    Page("stripe account", lambda s: reverse("stripe_connect")),
    Page("team", lambda s: reverse("team")),
    Page("disconnect stripe", lambda s: reverse("stripe_disconnect")),
    Page("customer list, filtered", lambda s: f"{reverse('customer_list')}?q=x&status=none"),
    Page("edit customer", lambda s: reverse("customer_edit", args=[s.customer.pk])),
    Page("manage customer, with a pay link", _manage_customer_with_pay_link),
    Page("settings", lambda s: reverse("agency_settings")),
    Page(
        "settings, errors",
        lambda s: reverse("agency_settings"),
        prepare=fill_and_submit({"Days until an invoice is due": "abc"}, "Save settings"),
    ),
    Page("change password", lambda s: reverse("password_change")),
    Page("not found, signed in", lambda s: "/customers/999999/"),
]

PUBLIC_PAGES = [
    Page("log in", lambda s: reverse("login"), who="visitor"),
    Page(
        "log in, error",
        lambda s: reverse("login"),
        who="visitor",
        prepare=submit_empty("Log in"),
    ),
    Page("sign up", lambda s: reverse("signup"), who="visitor"),
    Page(
        "sign up, errors",
        lambda s: reverse("signup"),
        who="visitor",
        prepare=submit_empty("Create agency"),
    ),
    Page("forgot password", lambda s: reverse("password_reset"), who="visitor"),
    Page(
        "forgot password, sent",
        lambda s: reverse("password_reset_done"),
        who="visitor",
    ),
    Page("not found", lambda s: "/no-such-page/", who="visitor"),
    Page("accept invitation", _invitation, who="visitor"),
    Page("pay link, withdrawn", _revoked_pay_link, who="visitor"),
]

SANDBOX_PAGES = [
    Page("sandbox checkout", lambda s: path_of(s.link.url), who="visitor"),
    Page(
        "sandbox checkout, errors",
        lambda s: path_of(s.link.url),
        who="visitor",
        prepare=submit_empty("Start trial"),
    ),
    Page("sandbox onboarding", lambda s: path_of(s.onboarding_url), who="visitor"),
]


def _hosted_invoice(s: Scenario) -> str:
    return path_of(s.extra["open_invoice"].hosted_invoice_url)


def _portal_code(s: Scenario) -> str:
    return f"{reverse('portal_code')}?email={s.extra['portal_email']}"


PORTAL_PAGES = [
    Page("portal log in", lambda s: reverse("portal_login"), who="visitor"),
    Page(
        "portal log in, error",
        lambda s: reverse("portal_login"),
        who="visitor",
        prepare=submit_empty("Email me a code"),
    ),
    Page("portal code", _portal_code, who="visitor"),
    Page("portal code, error", _portal_code, who="visitor", prepare=submit_empty("Log in")),
    Page("portal customer chooser", lambda s: reverse("portal_choose"), who="several"),
    Page("portal overview", lambda s: reverse("portal_billing"), who="client"),
    Page("portal invoices", lambda s: reverse("portal_invoices"), who="client"),
    Page("portal payment methods", lambda s: reverse("portal_payment_methods"), who="client"),
    Page(
        "sandbox billing portal",
        lambda s: reverse("portal_payment_methods"),
        who="client",
        prepare=press("Manage"),
    ),
    Page(
        "sandbox billing portal, card form",
        lambda s: reverse("portal_payment_methods"),
        who="client",
        prepare=press("Update card"),
    ),
    Page("sandbox hosted invoice", _hosted_invoice, who="visitor"),
]

ALL_PAGES = STAFF_PAGES + PUBLIC_PAGES + SANDBOX_PAGES + PORTAL_PAGES
