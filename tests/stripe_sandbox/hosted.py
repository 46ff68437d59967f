"""Driving the hosted pages with Django's test client, CSRF enforced like a browser."""

import re
from urllib.parse import urlsplit

from django.test import Client


def path_of(url: str) -> str:
    return urlsplit(url).path


def submit(url: str, data: dict[str, str]):
    """GET the page, then POST the form with its CSRF token; the POST's response."""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path_of(url))
    assert page.status_code == 200, page.status_code
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token, "the form has no CSRF token"
    return browser.post(path_of(url), {**data, "csrfmiddlewaretoken": token.group(1).decode()})


PAYING_CARD = {
    "email": "client@example.com",
    "card_number": "4242 4242 4242 4242",
    "expiry": "12 / 34",
    "cvc": "123",
    "name": "Ada Client",
}
