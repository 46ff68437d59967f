"""Two Generate Session requests at the same moment, as a double click sends them."""

import threading

import pytest
from django.db import connection

from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from customers.models import Customer
from plans.services import plan_create
from tests.factories import CustomerFactory


@pytest.fixture
def customer(transactional_db, connected_agency):
    plan = plan_create(agency=connected_agency, name="Retainer", monthly_amount=250000)
    return CustomerFactory(agency=connected_agency, plan=plan)


def test_two_simultaneous_clicks_make_one_stripe_session(customer):
    price = customer.plan.prices.get()
    barrier = threading.Barrier(2)
    made, errors = [], []

    def click():
        try:
            barrier.wait()
            fresh = Customer.objects.select_related("agency", "plan").get(pk=customer.pk)
            made.append(checkout_link_generate(customer=fresh, price=price).pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(made) == 2 and made[0] == made[1]
    assert CheckoutLink.objects.count() == 1
    customer.refresh_from_db()
    sessions = stripe_client().v1.checkout.sessions.list(
        {"customer": customer.stripe_customer_id},
        options=account_options(customer.agency.stripe_account_id),
    )
    assert len(sessions.data) == 1
    stripe_customers = stripe_client().v1.customers.list(
        {"email": customer.email}, options=account_options(customer.agency.stripe_account_id)
    )
    assert len(stripe_customers.data) == 1
