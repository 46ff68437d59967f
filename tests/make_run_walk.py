"""A new user's first walk through `make run` (SQLite, the Stripe sandbox, Celery eager), run by
tests/test_make_run_sqlite.py as `python -m tests.make_run_walk` in a process whose
environment is make run's, on a database `manage.py migrate` just made: sign up, connect
Stripe, create a plan, add a customer, pay a checkout link and a project invoice with 4242,
then the dashboard, Manage Customer, Invoices and Revenue pages show what was paid.

Prints one line per step and exits non-zero at the first thing that is wrong."""

import os
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency_billing.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from checkout.models import CheckoutLink  # noqa: E402
from customers.models import Customer  # noqa: E402
from invoices.models import Invoice  # noqa: E402
from plans.models import Plan  # noqa: E402
from tests.stripe_flows import (  # noqa: E402
    complete_onboarding,
    pay_checkout,
    start_onboarding,
    submit_form,
)

CARD = "4242 4242 4242 4242"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"GET {url}: {response.status_code}"
    return response.content.decode()


def step(what: str) -> None:
    print(f"make run walk: {what}", flush=True)


def main() -> None:
    assert connection.vendor == "sqlite", connection.vendor
    owner = Client()

    step("sign up")
    response = owner.post(
        reverse("signup"),
        {
            "agency_name": "Harbour & Pine",
            "email": "owner@harbour.example",
            "password": "a long enough passphrase",
            "currency": "usd",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    step("connect Stripe (the sandbox's onboarding)")
    complete_onboarding(owner, start_onboarding(owner))

    step("create a plan: 250.00 a month")
    response = owner.post(
        reverse("plan_new"),
        {
            "name": "Retainer",
            "description": "Monthly work",
            "monthly_amount": "250.00",
            "yearly_amount": "2500.00",
            "trial_days": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get(name="Retainer")

    step("add a customer")
    response = owner.post(
        reverse("customer_create"),
        {"name": "Dana Client", "email": "dana@client.example", "plan": plan.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(email="dana@client.example")

    step("generate a checkout link and pay it with 4242 on the hosted checkout")
    monthly = plan.prices.get(interval="month")
    response = owner.post(reverse("checkout_link_new", args=[customer.pk]), {"price": monthly.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    link = CheckoutLink.objects.get(customer=customer)
    pay_checkout(Client(), link.url, card=CARD)
    paid = Invoice.objects.filter(customer=customer, status="paid")
    assert [invoice.total for invoice in paid] == [25000], list(paid.values("status", "total"))

    step("charge 1,200.00 for a project and pay it on the hosted invoice page")
    response = owner.post(
        reverse("project_charge_new", args=[customer.pk]),
        {
            "request_id": str(uuid.uuid4()),
            "description": "Website build",
            "amount": "1200.00",
            "days_until_due": "30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = customer.invoices.get(description="Website build")
    response = submit_form(
        Client(),
        invoice.hosted_invoice_url,
        {
            "Card number": CARD,
            "Expiration (MM / YY)": "12 / 34",
            "CVC": "123",
            "Name on card": "Dana Client",
        },
    )
    assert "Invoice paid" in response.content.decode(), response.content.decode()[:2000]
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("paid", 120000), invoice.status

    step("the pages show what was paid")
    dashboard = page(owner, reverse("dashboard"))
    assert "Harbour &amp; Pine" in dashboard
    manage = page(owner, reverse("customer_manage", args=[customer.pk]))
    assert "1,200.00 USD" in manage and "250.00 USD" in manage
    # 250.00 + 1,200.00 paid; Stripe's fees 2.9 % + 0.30 each (7.55 + 35.10), the
    # platform's 0.5 % (1.25 + 6.00).
    invoices = page(owner, reverse("invoice_list"))
    assert "2 invoices · total 1,450.00 USD" in invoices, invoices
    assert 'data-field="paid">1,450.00 USD' in invoices
    assert 'data-field="outstanding">0.00 USD' in invoices
    revenue = page(owner, reverse("revenue"))
    assert 'data-field="gross">1,450.00 USD' in revenue, revenue
    assert 'data-field="platform-fees">7.25 USD' in revenue
    assert 'data-field="stripe-fees">42.65 USD' in revenue
    assert 'data-field="net"><strong>1,400.10 USD' in revenue
    [client_row] = [row for row in revenue.split("<tr") if 'class="client-row"' in row]
    assert "Dana Client" in client_row and "1,450.00 USD" in client_row, client_row
    assert "1,400.10 USD" in client_row

    step("check this month against Stripe's balance transactions")
    month = invoice.paid_at.strftime("%Y-%m")
    response = owner.post(reverse("revenue_check"), {"month": month})
    assert response.status_code == 200
    assert "USD: matches Stripe." in response.content.decode(), response.content.decode()
    step("done")


if __name__ == "__main__":
    main()
