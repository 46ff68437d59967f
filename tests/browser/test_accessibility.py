"""axe-core over every page in tests/browser/pages.py, at 1280 px and on a 390 × 844 phone:
no serious or critical violation, no Content-Security-Policy violation, and no page (staff,
public, client portal or Stripe-hosted) wider than the phone's screen. axe.min.js comes from
the axe-playwright-python wheel."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client

from checkout.services import checkout_link_generate
from customers.models import Contact
from plans.services import plan_create
from portal.access import PORTAL_COOKIE
from tests.browser.pages import ALL_PAGES, Scenario
from tests.browser.test_client_portal import open_invoice
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory
from tests.portal.conftest import log_in
from tests.stripe_flows import pay_checkout, start_onboarding

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = {"serious", "critical"}
LONG_WORD = "Automationretainerwithaverylongnamethatdoesnotbreak"
# The innermost elements whose right edge passes the screen's: what to fix.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > innerWidth
    && ![...e.children].some((c) => c.getBoundingClientRect().right > innerWidth))
  .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))
  .join(", ")"""


@pytest.fixture
def scenario(connected_agency, owner, live_server, settings) -> Scenario:
    # Stripe-hosted pages send the browser back to us (the Billing Portal's return link).
    settings.SITE_URL = live_server.url
    plan = plan_create(
        agency=connected_agency,
        name=f"{LONG_WORD} plan",
        description="Monthly automation work, reporting and support.",
        monthly_amount=250000,
        yearly_amount=2500000,
        trial_days=14,
    )
    customer = CustomerFactory(
        agency=connected_agency,
        plan=plan,
        name="Dana Client",
        email=f"dana.{LONG_WORD.lower()}@client.example",
        company="Client Co",
    )
    link = checkout_link_generate(customer=customer, price=plan.prices.get(interval="month"))
    second = Client()
    second.force_login(MembershipFactory().user)
    return Scenario(
        owner=owner,
        agency=connected_agency,
        plan=plan,
        customer=customer,
        link=link,
        onboarding_url=start_onboarding(second),
        extra=portal_client(plan, customer),
    )


def portal_client(plan, customer) -> dict:
    """A second customer who subscribed by checkout link (a card, a paid invoice) and owes an
    open invoice; the portal sessions of its billing contact and of a person who is a contact
    of both customers."""
    email = f"pat.{LONG_WORD.lower()}@client.example"
    paying = CustomerFactory(
        agency=plan.agency, plan=plan, name="Pat Client", email=email, company="Pat Co"
    )
    ContactFactory(customer=paying, email=email, name="Pat")
    link = checkout_link_generate(customer=paying, price=plan.prices.get(interval="month"))
    pay_checkout(Client(), link.url, card="4242 4242 4242 4242")
    number = open_invoice(paying)
    both = "sam@client.example"
    ContactFactory(customer=paying, email=both, role=Contact.Role.VIEWER)
    ContactFactory(customer=customer, email=both)
    sessions = {}
    for who, address in (("client", email), ("several", both)):
        portal = Client()
        log_in(portal, address)
        sessions[who] = portal.cookies[PORTAL_COOKIE].value
    return {
        "portal_email": email,
        "open_invoice": paying.invoices.get(number=number),
        "portal_sessions": sessions,
    }


def portal_context(browser, live_server, token, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": PORTAL_COOKIE, "value": token, "url": live_server.url}])
    return context


def signed_in_context(browser, live_server, membership, viewport):
    client = Client()
    client.force_login(membership.user)
    context = browser.new_context(viewport=viewport)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_page_passes_axe_and_fits_the_screen(browser, live_server, scenario, viewport):
    size = VIEWPORTS[viewport]
    contexts = {
        "owner": signed_in_context(browser, live_server, scenario.owner, size),
        "visitor": browser.new_context(viewport=size),
        **{
            who: portal_context(browser, live_server, token, size)
            for who, token in scenario.extra["portal_sessions"].items()
        },
    }
    axe = Axe()
    problems: list[str] = []
    for page_spec in ALL_PAGES:
        page = contexts[page_spec.who].new_page()
        blocked: list[str] = []
        page.on(
            "console",
            lambda message, blocked=blocked: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.goto(live_server.url + page_spec.path(scenario))
        if page_spec.prepare:
            page_spec.prepare(page)
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(
                    f"{page_spec.name}: {violation['id']} {violation['help']} {targets}"
                )
        problems += [f"{page_spec.name}: CSP blocked {text}" for text in blocked]
        if viewport == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > size["width"]:
                problems.append(
                    f"{page_spec.name}: {width} px wide on a {size['width']} px screen "
                    f"({page.evaluate(STICKING_OUT)})"
                )
        page.close()
    for context in contexts.values():
        context.close()

    assert problems == []
