"""The owner's revenue dashboard: figures by hand for refunds, a lost dispute and two
currencies; CSV exports; the check against Stripe; owner only; a fixed number of queries."""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Subscription
from invoices.models import RevenueMonth
from tests.factories import CustomerFactory, customer_with_billing_contact
from tests.invoices.conftest import pay_on_hosted_page, sent_invoice
from tests.invoices.test_refunds import refund


def paid(owner_client, customer, amount):
    invoice = sent_invoice(owner_client, customer, amount=amount)
    pay_on_hosted_page(invoice)
    invoice.refresh_from_db()
    return invoice


@pytest.fixture
def a_month_of_business(owner_client, customer, agency):
    """USD: 1,000.00 paid and 100.00 of it refunded; 200.00 paid and lost to a dispute.
    JPY: ¥50,000 paid."""
    first = paid(owner_client, customer, "1000.00")
    assert refund(owner_client, first, "100.00").status_code == 302
    second = paid(owner_client, customer.__class__.objects.get(pk=customer.pk), "200.00")
    call_command("sandbox_trigger", "dispute", second.stripe_id)
    call_command("sandbox_trigger", "dispute", second.stripe_id, "--close", "lost")
    agency.currency = "jpy"
    agency.save()
    yen_client = customer_with_billing_contact(
        agency=agency, name="Kaito KK", email="kaito@example.jp"
    )
    paid(owner_client, yen_client, "50000")
    return first, second


# By hand: Stripe's fee is 2.9% + 30 (minor units); the platform's 0.5% of the subtotal.
USD = {
    "gross": 120000,
    "refunds": 10000,
    "disputes_lost": 20000,
    "platform_fees": 500 + 100,
    "stripe_fees": (2900 + 30) + (580 + 30) + 1500,  # two charges and the dispute fee
}
USD_NET = 120000 - 10000 - 20000 - 600 - 5040
JPY = {"gross": 50000, "refunds": 0, "disputes_lost": 0, "platform_fees": 250, "stripe_fees": 1480}


def test_the_figures_match_the_hand_computed_ones_per_currency(owner_client, a_month_of_business):
    months = {row.currency: row for row in RevenueMonth.objects.all()}
    for currency, expected in (("usd", USD), ("jpy", JPY)):
        figures = RevenueMonth.objects.filter(currency=currency)
        assert {name: sum(getattr(row, name) for row in figures) for name in expected} == expected
    assert months["usd"].net == USD_NET == 84360

    page = owner_client.get(reverse("revenue")).content.decode()

    assert "843.60 USD" in page  # net to the agency
    assert "48,270 JPY" in page  # 50,000 − 250 − 1,480
    assert "1,200.00 USD" in page and "200.00 USD" in page


def test_check_against_stripe_matches_then_names_each_difference(owner_client, a_month_of_business):
    month = timezone.now().strftime("%Y-%m")

    matches = owner_client.post(reverse("revenue_check"), {"month": month}).content.decode()
    assert "USD: matches Stripe." in matches and "JPY: matches Stripe." in matches

    RevenueMonth.objects.filter(currency="usd").update(refunds=0)
    differs = owner_client.post(reverse("revenue_check"), {"month": month}).content.decode()
    assert "USD: differences found." in differs
    assert (
        '<td>refunds</td><td class="number">0.00 USD</td><td class="number">100.00 USD' in differs
    )
    assert "JPY: matches Stripe." in differs


def test_the_csv_exports_hold_every_client_and_payment(owner_client, customer, a_month_of_business):
    clients = owner_client.get(reverse("revenue_clients_csv"))
    payments = owner_client.get(reverse("revenue_payments_csv"))

    assert clients["Content-Type"].startswith("text/csv")
    assert "attachment" in clients["Content-Disposition"]
    client_rows = list(csv.DictReader(io.StringIO(b"".join(clients.streaming_content).decode())))
    assert {(r["client"], r["currency"], r["net"]) for r in client_rows} == {
        (customer.name, "USD", "843.60"),
        ("Kaito KK", "JPY", "48270"),
    }
    payment_rows = list(csv.DictReader(io.StringIO(b"".join(payments.streaming_content).decode())))
    assert [(r["gross"], r["fee"], r["refunds"], r["currency"]) for r in payment_rows] == [
        ("1000.00", "34.30", "100.00", "USD"),
        ("200.00", "7.10", "0.00", "USD"),
        ("50000", "1730", "0", "JPY"),
    ]
    assert all(r["invoice"] and r["date"] for r in payment_rows)


def test_admins_get_403_and_see_no_revenue_link(admin_client_):
    for name in ("revenue", "revenue_clients_csv", "revenue_payments_csv"):
        assert admin_client_.get(reverse(name)).status_code == 403
    assert admin_client_.post(reverse("revenue_check"), {"month": "2026-01"}).status_code == 403
    dashboard = admin_client_.get(reverse("dashboard")).content.decode()
    assert reverse("revenue") not in dashboard


def test_the_owner_sees_the_link_and_only_their_agencys_figures(owner_client, outsider, db):
    other = CustomerFactory(agency=outsider.agency, name="Someone Else")
    RevenueMonth.objects.create(
        agency=outsider.agency,
        customer=other,
        currency="usd",
        month=date.today().replace(day=1),
        gross=99900,
    )
    page = owner_client.get(reverse("revenue")).content.decode()
    assert reverse("revenue") in page
    assert "Someone Else" not in page and "999.00" not in page


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_dashboard_costs_the_same_for_1_or_40_clients(owner_client, agency):
    month = date.today().replace(day=1)
    first = CustomerFactory(agency=agency)
    RevenueMonth.objects.create(agency=agency, customer=first, currency="usd", month=month, gross=1)
    one = queries_for(owner_client, reverse("revenue"))
    for n in range(39):
        customer = CustomerFactory(agency=agency)
        for currency in ("usd", "eur"):
            RevenueMonth.objects.create(
                agency=agency, customer=customer, currency=currency, month=month, gross=n
            )
    assert queries_for(owner_client, reverse("revenue")) == one


def subscription(agency, n, **fields):
    customer = CustomerFactory(agency=agency)
    defaults = {"status": "active", "unit_amount": 10000, "currency": "usd", "interval": "month"}
    return Subscription.objects.create(
        agency=agency, customer=customer, stripe_id=f"sub_mrr_{n}", **{**defaults, **fields}
    )


def test_mrr_counts_yearly_as_a_twelfth_and_leaves_out_trials_and_paused(owner_client, agency):
    subscription(agency, 1)
    subscription(agency, 2, interval="year", unit_amount=120000)
    subscription(agency, 3, status="trialing")
    subscription(agency, 4, collection_paused=True)
    subscription(agency, 5, cancel_at_period_end=True)
    subscription(agency, 6, status="canceled", ended_at=timezone.now())
    subscription(agency, 7, quantity=3, unit_amount=5000)

    page = owner_client.get(reverse("revenue")).content.decode()

    # 100.00 + 1,200.00 / 12 + 100.00 (canceling at period end still counts) + 3 × 50.00
    assert 'data-field="mrr">450.00 USD' in page
    assert 'data-field="arr">5,400.00 USD' in page
    assert 'data-field="active">4<' in page
    assert "a yearly price counts a twelfth" in page.lower()
