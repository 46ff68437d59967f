"""axe-core over every page in tests/browser/pages.py, at 1280 px and on a 390 × 844 phone:
no serious or critical violation, no Content-Security-Policy violation, and no staff page
wider than the phone's screen. axe.min.js comes from the axe-playwright-python wheel."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.test import Client

from checkout.services import checkout_link_generate
from plans.services import plan_create
from tests.browser.pages import ALL_PAGES, Scenario
from tests.factories import CustomerFactory, MembershipFactory
from tests.stripe_flows import start_onboarding

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
BLOCKING = {"serious", "critical"}
LONG_WORD = "Automationretainerwithaverylongnamethatdoesnotbreak"


@pytest.fixture
def scenario(connected_agency, owner) -> Scenario:
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
    )


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
        if viewport == "phone" and page_spec.staff:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > size["width"]:
                problems.append(f"{page_spec.name}: {width} px wide on a {size['width']} px screen")
        page.close()
    for context in contexts.values():
        context.close()

    assert problems == []
