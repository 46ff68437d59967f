"""The return page reads the Checkout Session back from Stripe once; every later visit reads
our mirror, so nobody holding the URL can make us call Stripe at will."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from checkout.models import CheckoutLink
from tests.stripe_flows import pay_checkout


@pytest.fixture
def stripe_requests(caplog):
    """The requests the Stripe SDK sends (it logs each one), from here on."""
    caplog.set_level(logging.INFO, logger="stripe")

    def requests() -> list[str]:
        return [r.getMessage() for r in caplog.records if "Request to Stripe api" in r.getMessage()]

    return requests


def link_for(owner_client, customer) -> CheckoutLink:
    price = customer.plan.prices.get(interval="month")
    owner_client.post(reverse("checkout_link_new", args=[customer.pk]), {"price": price.pk})
    return CheckoutLink.objects.get(customer=customer)


def return_page(link: CheckoutLink):
    url = reverse("checkout_return", args=[link.pk])
    return Client().get(url, {"session_id": link.stripe_session_id})


def test_after_paying_a_reload_reads_the_mirror_not_stripe(
    client, owner_client, customer, settings, stripe_requests
):
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"  # only the read-back can complete the link
    link = link_for(owner_client, customer)
    thank_you = pay_checkout(client, link.url, card="4242 4242 4242 4242")
    assert "Thank you" in thank_you
    assert any("/v1/checkout/sessions/" in r for r in stripe_requests())
    before = len(stripe_requests())

    again = return_page(link)

    assert "Thank you" in again.content.decode()
    assert len(stripe_requests()) == before


def test_an_unpaid_session_is_read_back_once_however_often_the_page_is_opened(
    owner_client, customer, stripe_requests
):
    link = link_for(owner_client, customer)
    before = len(stripe_requests())

    pages = [return_page(link) for _ in range(5)]

    assert all("Almost there" in page.content.decode() for page in pages)
    assert len(stripe_requests()) == before + 1
