import os
from pathlib import Path

import pytest

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


@pytest.fixture
def live_site(live_server, settings):
    """The product served on a real port; the sandbox posts its signed webhooks to it over
    HTTP, as it does under `make run`."""
    settings.SITE_URL = live_server.url
    settings.SANDBOX_WEBHOOK_DELIVERY = "http"
    settings.SANDBOX_WEBHOOK_BASE_URL = live_server.url
    return live_server.url
