"""Several people open one evergreen pay link at the same moment (a forwarded email, a
double click): they all land on one Checkout Session."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink, PayLink
from checkout.services import pay_link_ensure
from customers.models import Customer
from plans.services import plan_create
from tests.factories import CustomerFactory

OPENERS = 4


@pytest.fixture
def pay_link(transactional_db, connected_agency) -> PayLink:
    plan = plan_create(agency=connected_agency, name="Retainer", monthly_amount=250000)
    customer = CustomerFactory(agency=connected_agency, plan=plan)
    return pay_link_ensure(customer=customer, price=plan.prices.get())


def test_simultaneous_opens_of_one_pay_link_make_one_stripe_session(pay_link):
    barrier = threading.Barrier(OPENERS)
    locations, errors = [], []

    def open_link():
        try:
            barrier.wait()
            response = Client().get(reverse("pay_link", args=[pay_link.token]))
            locations.append((response.status_code, response["Location"]))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_link) for _ in range(OPENERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    session = CheckoutLink.objects.get()
    assert locations == [(302, session.url)] * OPENERS
    customer = Customer.objects.get(pk=pay_link.customer_id)
    sessions = stripe_client().v1.checkout.sessions.list(
        {"customer": customer.stripe_customer_id},
        options=account_options(customer.agency.stripe_account_id),
    )
    assert len(sessions.data) == 1
    pay_link.refresh_from_db()
    assert pay_link.open_count == OPENERS
