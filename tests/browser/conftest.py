import os
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
# Without these flags Chromium tries to reach Google's hosts at start and hangs on a
# closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail("Debian's Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; our ORM calls in the test
    # body are still plain synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# How long a test's teardown waits for the sandbox's webhooks and the server's requests to
# finish before it resets the database under them (a delivery takes well under a second on a
# quiet machine; this is for a loaded one).
QUIET_TIMEOUT = 60.0


@pytest.fixture
def live_site(transactional_db, live_server, settings, browser):
    """The product served on a real port; the sandbox posts its signed webhooks to it over
    HTTP, as it does under `make run`. At teardown it waits (bounded) until no webhook is
    being delivered and no other connection is inside a transaction, so the database flush
    that ends the test never runs into a delivery still at work. The test's browser
    windows are closed first, so they send nothing more."""
    settings.SITE_URL = live_server.url
    settings.SANDBOX_WEBHOOK_DELIVERY = "http"
    settings.SANDBOX_WEBHOOK_BASE_URL = live_server.url
    yield live_server.url
    for context in browser.contexts:
        context.close()
    busy = wait_until_quiet(QUIET_TIMEOUT)
    assert not busy, f"still busy {QUIET_TIMEOUT:.0f} s after the test: {busy}"


def wait_until_quiet(timeout: float) -> str:
    """Wait until the sandbox delivers nothing and the test database has no other session
    inside a transaction; "" when quiet, else what was still busy at the deadline."""
    from stripe_sandbox import delivery

    deadline = time.monotonic() + timeout
    while True:
        delivered = delivery.wait_for_deliveries(max(0.0, deadline - time.monotonic()))
        busy = other_sessions_at_work()
        if delivered and not busy:
            return ""
        if time.monotonic() >= deadline:
            running = delivery.deliveries_in_flight()
            return f"{running} webhook deliveries running; other sessions: {busy or 'none'}"
        time.sleep(0.05)


def other_sessions_at_work() -> list[str]:
    """The other connections to this test database that are running a query or are inside a
    transaction (the live server's threads, a delivery): what a flush would wait for."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, left(query, 60) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state IS NOT NULL AND state <> 'idle'"
        )
        return [f"{state}: {query}" for state, query in cursor.fetchall()]


@pytest.fixture
def staff_page(browser, live_site, owner):
    """`staff_page(customer)`: a page signed in as the agency's owner, on Manage Customer."""

    def open_manage_customer(customer):
        from django.test import Client

        signed_in = Client()
        signed_in.force_login(owner.user)
        context = browser.new_context()
        context.add_cookies(
            [{"name": "sessionid", "value": signed_in.cookies["sessionid"].value, "url": live_site}]
        )
        page = context.new_page()
        page.goto(f"{live_site}/customers/{customer.pk}/")
        return page

    return open_manage_customer
