"""Fixtures shared by every tier.

Tiers: plain tests (PostgreSQL + the sandbox), `worker` tests (a real Celery worker against
Redis) and `browser` tests (Playwright driving Debian's Chromium). A tier whose service is
missing is skipped locally and said so; under CI=true any skip fails the run.
"""

import os

import pytest
from django.core.cache import cache
from django.test import Client

from agencies.models import Membership
from agency_billing.celery import app as celery_app
from tests.factories import (
    AgencyFactory,
    MembershipFactory,
    UserFactory,
    customer_with_billing_contact,
)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """A missing service skips a test on a developer's machine and fails it in CI."""
    if IN_CI:
        pytest.fail(f"CI must run every tier: {reason}")
    pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped:
        reporter.write_line(f"CI=true: {skipped} skipped test(s) fail the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _no_rate_limit_counts_yet():
    """Rate-limit counters live in the cache (in memory in tests): each test starts at zero."""
    cache.clear()


@pytest.fixture(autouse=True)
def _sandbox_and_eager_tasks(settings):
    """Tests reach Stripe through the sandbox, which delivers its signed webhooks through
    Django's test client; Celery tasks run in-process after commit unless a test starts a
    real worker."""
    settings.STRIPE_MODE = "sandbox"
    settings.SANDBOX_WEBHOOK_DELIVERY = "test_client"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_platform_secret"
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_test_connect_secret"
    settings.SITE_URL = "http://testserver"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _sandbox_objects_match_the_pinned_schema(request):
    """After every test that used the database, every object and event the sandbox stored
    must match the pinned API's schema (tests/stripe_schema.py): a new field or object type
    can't drift from what Stripe returns."""
    databases = [name for name in ("transactional_db", "db") if name in request.fixturenames]
    if not databases:
        yield
        return
    # Set up the database first, so it is still there when this fixture checks it.
    request.getfixturevalue(databases[0])
    yield
    from tests.stripe_schema import sandbox_violations

    problems = sandbox_violations()
    assert not problems, "sandbox objects differ from the pinned schema:\n" + "\n".join(problems)


@pytest.fixture
def owner(db) -> Membership:
    return MembershipFactory(role=Membership.Role.OWNER)


@pytest.fixture
def admin(owner) -> Membership:
    return MembershipFactory(agency=owner.agency, role=Membership.Role.ADMIN)


@pytest.fixture
def outsider(db) -> Membership:
    return MembershipFactory(agency=AgencyFactory(), role=Membership.Role.OWNER)


@pytest.fixture
def agency(owner):
    return owner.agency


def client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def owner_client(owner) -> Client:
    return client_for(owner)


@pytest.fixture
def admin_client_(admin) -> Client:
    return client_for(admin)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return client_for(outsider)


@pytest.fixture
def user_without_agency(db):
    return UserFactory()


@pytest.fixture
def connected_agency(owner):
    """The owner's agency, connected to a sandbox Stripe account through the hosted
    onboarding page, with charges enabled."""
    from tests.stripe_flows import complete_onboarding, start_onboarding

    owner_client = client_for(owner)
    complete_onboarding(owner_client, start_onboarding(owner_client))
    owner.agency.refresh_from_db()
    assert owner.agency.charges_enabled
    return owner.agency


@pytest.fixture
def plan(connected_agency):
    """A custom plan on the connected agency: monthly and yearly prices, a 14-day trial."""
    from plans.services import plan_create

    return plan_create(
        agency=connected_agency,
        name="Automation retainer",
        monthly_amount=250000,
        yearly_amount=2500000,
        trial_days=14,
    )


@pytest.fixture
def customer(plan):
    """A customer of the connected agency on `plan`, not yet billed; its email is its billing
    contact."""
    return customer_with_billing_contact(agency=plan.agency, plan=plan, email="dana@client.example")
