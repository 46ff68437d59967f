"""Billing & Revenue → Invoices, the invoice page and its Void / Mark uncollectible actions:
scoped to the member's agency, read from the mirror with a fixed number of queries."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from tests.invoices.conftest import sent_invoice
from tests.invoices.factories import InvoiceFactory


@pytest.fixture
def clients(db, agency):
    return CustomerFactory(agency=agency, name="Acme"), CustomerFactory(agency=agency, name="Bolt")


def page_of(client, **params) -> str:
    response = client.get(reverse("invoice_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_every_invoice_of_the_agency_is_listed_with_totals_per_currency(owner_client, clients):
    acme, bolt = clients
    InvoiceFactory(customer=acme, number="A-1", total=10000, amount_remaining=10000)
    InvoiceFactory(
        customer=bolt, number="B-1", status="paid", total=5000, amount_paid=5000, amount_remaining=0
    )
    InvoiceFactory(customer=bolt, number="B-2", currency="eur", total=700, amount_remaining=700)
    InvoiceFactory(customer=CustomerFactory(), number="OTHER-1")

    page = page_of(owner_client)

    assert "A-1" in page and "B-1" in page and "B-2" in page
    assert "OTHER-1" not in page
    assert "150.00 USD" in page  # total of the two USD invoices
    assert "7.00 EUR" in page
    assert "157.00" not in page  # currencies are never summed


def test_filters_by_status_client_and_date(owner_client, clients):
    acme, bolt = clients
    old = timezone.now() - timedelta(days=90)
    InvoiceFactory(customer=acme, number="A-OPEN")
    InvoiceFactory(customer=acme, number="A-PAID", status="paid", amount_remaining=0)
    InvoiceFactory(customer=bolt, number="B-OLD", stripe_created=old)

    assert "A-PAID" not in page_of(owner_client, status="open")
    assert "A-PAID" in page_of(owner_client, status="paid")
    by_client = page_of(owner_client, customer=bolt.pk)
    assert "B-OLD" in by_client and "A-OPEN" not in by_client
    since = (timezone.now() - timedelta(days=30)).date().isoformat()
    recent = page_of(owner_client, date_from=since)
    assert "A-OPEN" in recent and "B-OLD" not in recent


def test_overdue_invoices_stand_out_and_can_be_filtered(owner_client, clients):
    acme, _ = clients
    InvoiceFactory(customer=acme, number="LATE-1", due_date=timezone.now() - timedelta(days=3))
    InvoiceFactory(customer=acme, number="FINE-1")

    page = page_of(owner_client, status="overdue")

    assert "LATE-1" in page and "FINE-1" not in page
    assert 'class="invoice-row overdue"' in page
    assert "Overdue" in page


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_invoices_page_costs_the_same_for_1_or_60_invoices(owner_client, clients):
    acme, bolt = clients
    InvoiceFactory(customer=acme)
    one = queries_for(owner_client, reverse("invoice_list"))
    for n in range(59):
        InvoiceFactory(customer=acme if n % 2 else bolt, status="paid" if n % 3 else "open")
    assert queries_for(owner_client, reverse("invoice_list")) == one


def test_manage_customer_costs_the_same_for_1_or_30_invoices(owner_client, clients):
    acme, _ = clients
    InvoiceFactory(customer=acme)
    url = reverse("customer_manage", args=[acme.pk])
    one = queries_for(owner_client, url)
    InvoiceFactory.create_batch(29, customer=acme)
    assert queries_for(owner_client, url) == one


@pytest.mark.parametrize("name", ["invoice_detail", "invoice_void", "invoice_refund"])
def test_another_agencys_invoice_is_not_found(outsider_client, clients, name):
    invoice = InvoiceFactory(customer=clients[0])
    assert outsider_client.get(reverse(name, args=[invoice.pk])).status_code == 404
    assert outsider_client.post(reverse(name, args=[invoice.pk])).status_code == 404


def test_another_agencys_invoice_cannot_be_marked_uncollectible(outsider_client, clients):
    invoice = InvoiceFactory(customer=clients[0])
    url = reverse("invoice_mark_uncollectible", args=[invoice.pk])
    assert outsider_client.post(url).status_code == 404


def test_the_invoices_page_needs_a_member(client, user_without_agency):
    assert client.get(reverse("invoice_list")).status_code == 302
    client.force_login(user_without_agency)
    assert client.get(reverse("invoice_list")).status_code == 403


def test_void_asks_first_then_voids_at_stripe(owner_client, customer):
    invoice = sent_invoice(owner_client, customer)
    url = reverse("invoice_void", args=[invoice.pk])

    confirm = owner_client.get(url).content.decode()
    assert "Voiding cannot be undone." in confirm
    invoice.refresh_from_db()
    assert invoice.status == "open"

    owner_client.post(url)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_remaining) == ("void", 0)
    page = owner_client.get(reverse("invoice_detail", args=[invoice.pk])).content.decode()
    assert "was voided" in page and ">Void<" in page


def test_mark_uncollectible_then_void_is_refused_politely_for_a_voided_one(owner_client, customer):
    invoice = sent_invoice(owner_client, customer)

    owner_client.post(reverse("invoice_mark_uncollectible", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == "uncollectible"

    response = owner_client.post(reverse("invoice_void", args=[invoice.pk]), follow=True)
    assert "Only an open invoice can be voided" in response.content.decode()


def numbers_on(page: str) -> list[str]:
    return re.findall(r">(PAGE-\d+)</a>", page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="\?([^"]*)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def test_older_and_newer_walk_every_invoice_once_in_order(owner_client, clients, settings):
    acme, _ = clients
    now = timezone.now().replace(microsecond=0)
    # Three invoices to a second: the id breaks the ties.
    for n in range(120):
        InvoiceFactory(
            customer=acme, number=f"PAGE-{n:03d}", stripe_created=now - timedelta(seconds=n // 3)
        )
    newest_first = [f"PAGE-{n:03d}" for n in sorted(range(120), key=lambda n: (n // 3, -n))]

    seen, pages, query = [], [], ""
    while query is not None:
        page = owner_client.get(f"{reverse('invoice_list')}?{query}").content.decode()
        pages.append(numbers_on(page))
        seen += pages[-1]
        query = link(page, "next")
    back = [numbers_on(page)]
    while (query := link(page, "prev")) is not None:
        page = owner_client.get(f"{reverse('invoice_list')}?{query}").content.decode()
        back.append(numbers_on(page))

    assert seen == newest_first
    assert [len(numbers) for numbers in pages] == [50, 50, 20]
    assert back == pages[::-1]
    assert "120 invoices" in page


def test_a_cursor_that_is_not_ours_shows_the_newest(owner_client, clients):
    InvoiceFactory(customer=clients[0], number="PAGE-1")
    for cursor in ["abc", "1_", "99999999999999999999_1", "-5_3"]:
        assert "PAGE-1" in page_of(owner_client, older=cursor)
        assert "PAGE-1" in page_of(owner_client, newer=cursor)
