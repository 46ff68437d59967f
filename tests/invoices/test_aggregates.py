"""The aggregates the Invoices and Revenue pages read (InvoiceTotal, InvoiceDueDay,
AgencyRevenueMonth, and RevenueMonth under them) always equal the sums over the mirror's
rows: after refunds, disputes, voids, webhooks out of order and delivered twice, bulk
writes and deletions."""

from collections import defaultdict
from datetime import UTC, date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from agency_billing.stripe_client import account_options, stripe_client
from invoices.models import (
    AgencyRevenueMonth,
    Dispute,
    Invoice,
    InvoiceDueDay,
    InvoiceTotal,
    Refund,
    RevenueMonth,
    RevenueToDate,
)
from invoices.revenue import revenue_by_client
from invoices.sync import month_of
from tests.factories import CustomerFactory
from tests.invoices.factories import InvoiceFactory
from tests.invoices.test_mirror import advance, deliver_all, stripe_invoice

UNPAID = ("open", "uncollectible")


@pytest.fixture
def held(settings):
    """Stripe's events wait to be delivered by the test, in the order it chooses."""
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"


def _nonzero(rows: dict) -> dict:
    return {key: figures for key, figures in rows.items() if any(figures)}


def invoice_sums_from_rows() -> tuple[dict, dict]:
    totals: dict = defaultdict(lambda: [0, 0, 0, 0])
    due_days: dict = defaultdict(lambda: [0, 0, 0, 0])
    for invoice in Invoice.objects.all():
        figures = (1, invoice.total, invoice.amount_paid, invoice.amount_remaining)
        targets = [totals[(invoice.agency_id, invoice.currency, invoice.status)]]
        if invoice.status in UNPAID and invoice.due_date is not None:
            day = invoice.due_date.astimezone(UTC).date()
            targets.append(due_days[(invoice.agency_id, day, invoice.currency, invoice.status)])
        for target in targets:
            for index, value in enumerate(figures):
                target[index] += value
    return _nonzero(totals), _nonzero(due_days)


def revenue_from_rows() -> dict:
    """What each agency took per month and currency, from the invoices, refunds and
    disputes themselves (the definitions in invoices.revenue)."""
    figures: dict = defaultdict(lambda: [0, 0, 0, 0, 0, 0])

    def add(agency_id, moment, currency, **amounts):
        row = figures[(agency_id, month_of(moment), currency)]
        for index, name in enumerate(AMOUNTS):
            row[index] += amounts.get(name, 0)

    for invoice in Invoice.objects.filter(status="paid", paid_at__isnull=False):
        add(
            invoice.agency_id,
            invoice.paid_at,
            invoice.currency,
            payments=1,
            gross=invoice.amount_paid,
            platform_fees=invoice.platform_fee or 0,
            stripe_fees=invoice.stripe_fee or 0,
        )
    for refund in Refund.objects.filter(status="succeeded", customer__isnull=False):
        add(refund.agency_id, refund.stripe_created, refund.currency, refunds=refund.amount)
    for dispute in Dispute.objects.filter(customer__isnull=False):
        lost = dispute.amount if dispute.status == "lost" else 0
        add(
            dispute.agency_id,
            dispute.stripe_created,
            dispute.currency,
            disputes_lost=lost,
            stripe_fees=dispute.fee,
        )
    return _nonzero(figures)


AMOUNTS = ("payments", "gross", "refunds", "disputes_lost", "platform_fees", "stripe_fees")


def assert_aggregates_match_the_rows() -> None:
    totals, due_days = invoice_sums_from_rows()
    kept_totals = {
        (row.agency_id, row.currency, row.status): [
            row.invoices,
            row.total,
            row.amount_paid,
            row.amount_remaining,
        ]
        for row in InvoiceTotal.objects.all()
    }
    kept_days = {
        (row.agency_id, row.due_day, row.currency, row.status): [
            row.invoices,
            row.total,
            row.amount_paid,
            row.amount_remaining,
        ]
        for row in InvoiceDueDay.objects.all()
    }
    assert _nonzero(kept_totals) == totals
    assert _nonzero(kept_days) == due_days
    revenue = revenue_from_rows()
    per_client: dict = defaultdict(lambda: [0] * len(AMOUNTS))
    for row in RevenueMonth.objects.all():
        for index, name in enumerate(AMOUNTS):
            per_client[(row.agency_id, row.month, row.currency)][index] += getattr(row, name)
    kept_revenue = {
        (row.agency_id, row.month, row.currency): [getattr(row, name) for name in AMOUNTS]
        for row in AgencyRevenueMonth.objects.all()
    }
    assert _nonzero(per_client) == revenue
    assert _nonzero(kept_revenue) == revenue
    assert_running_totals_match_the_months()


def assert_running_totals_match_the_months() -> None:
    """Each run of RevenueToDate holds the client's sums through its first month and has no
    RevenueMonth figures after it; every month with figures starts a run. (A run stays, at
    zero, when its months are deleted.)"""
    months: dict = defaultdict(list)
    for row in RevenueMonth.objects.order_by("month"):
        months[(row.customer_id, row.currency)].append(row)
    runs = defaultdict(list)
    for run in RevenueToDate.objects.order_by("months"):
        runs[(run.customer_id, run.currency)].append(run)
        through = [
            row for row in months[(run.customer_id, run.currency)] if row.month <= run.months.lower
        ]
        assert [getattr(run, name) for name in AMOUNTS] == [
            sum(getattr(row, name) for row in through) for name in AMOUNTS
        ], run
        assert run.agency_id == run.customer.agency_id
    for key, rows in months.items():
        starts = {run.months.lower for run in runs[key]}
        assert {row.month for row in rows if any(getattr(row, n) for n in AMOUNTS)} <= starts
        for run in runs[key]:
            inside = [
                row
                for row in rows
                if run.months.lower < row.month
                and (run.months.upper is None or row.month < run.months.upper)
            ]
            assert not any(getattr(row, n) for row in inside for n in AMOUNTS)


@pytest.mark.parametrize("status", ["open", "paid", "void", "uncollectible"])
def test_every_status_delivered_newest_first_then_again_keeps_the_sums(customer, held, status):
    invoice_id = stripe_invoice(customer)
    advance(customer, invoice_id, status)

    deliver_all(customer.agency, reverse=True)
    assert_aggregates_match_the_rows()
    deliver_all(customer.agency, reverse=False)

    assert Invoice.objects.get(stripe_id=invoice_id).status == status
    assert_aggregates_match_the_rows()
    [total] = InvoiceTotal.objects.exclude(invoices=0)
    assert (total.status, total.invoices, total.total) == (status, 1, 120000)


def test_refunds_and_a_lost_dispute_delivered_out_of_order_and_twice_keep_the_sums(customer, held):
    refunded = stripe_invoice(customer, amount=10000)
    advance(customer, refunded, "paid")
    options = account_options(customer.agency.stripe_account_id)
    payment = stripe_client().v1.invoices.retrieve(refunded, options=options).payments.data[0]
    charge = (
        stripe_client()
        .v1.payment_intents.retrieve(payment.payment.payment_intent, options=options)
        .latest_charge
    )
    stripe_client().v1.refunds.create({"charge": charge, "amount": 2500}, options)
    disputed = stripe_invoice(customer, amount=20000)
    advance(customer, disputed, "paid")
    call_command("sandbox_trigger", "dispute", disputed)
    call_command("sandbox_trigger", "dispute", disputed, "--close", "lost")
    voided = stripe_invoice(customer, amount=5000)
    advance(customer, voided, "void")

    deliver_all(customer.agency, reverse=True)
    deliver_all(customer.agency, reverse=False)
    deliver_all(customer.agency, reverse=True)

    assert_aggregates_match_the_rows()
    [month] = AgencyRevenueMonth.objects.all()
    assert (month.payments, month.gross, month.refunds, month.disputes_lost) == (
        2,
        30000,
        2500,
        20000,
    )


def test_bulk_writes_status_changes_and_deletions_keep_the_sums(db, agency):
    acme, bolt = CustomerFactory(agency=agency), CustomerFactory(agency=agency)
    now = timezone.now()
    Invoice.objects.bulk_create(
        InvoiceFactory.build(
            customer=acme if n % 2 else bolt,
            currency="eur" if n % 5 == 0 else "usd",
            total=1000 + n,
            amount_remaining=1000 + n,
            due_date=now - timedelta(days=n % 7),
        )
        for n in range(40)
    )
    assert_aggregates_match_the_rows()

    acme.invoices.filter(currency="usd").update(status="paid", amount_paid=500, amount_remaining=0)
    bolt.invoices.filter(total__lt=1010).update(status="void", amount_remaining=0)
    assert_aggregates_match_the_rows()

    acme.delete()
    assert_aggregates_match_the_rows()
    Agency.objects.filter(pk=agency.pk).delete()
    assert not InvoiceTotal.objects.exists() and not InvoiceDueDay.objects.exists()


def row_version(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ctid::text FROM {table} ORDER BY id")
        return cursor.fetchall()


def test_recording_a_charges_fees_and_card_rewrites_no_aggregate_row(db, agency):
    invoice = InvoiceFactory(customer=CustomerFactory(agency=agency), due_date=timezone.now())
    versions = row_version("invoices_invoicetotal"), row_version("invoices_invoicedueday")

    Invoice.objects.filter(pk=invoice.pk).update(card_last4="4242", stripe_fee=320)

    assert (row_version("invoices_invoicetotal"), row_version("invoices_invoicedueday")) == versions
    Invoice.objects.filter(pk=invoice.pk).update(amount_remaining=0)
    assert row_version("invoices_invoicetotal") != versions[0]


def test_overdue_counts_what_fell_due_earlier_today_but_not_later(owner_client, agency):
    client = CustomerFactory(agency=agency)
    now = timezone.now()
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    InvoiceFactory(
        customer=client, total=100, amount_remaining=100, due_date=now - timedelta(days=2)
    )
    InvoiceFactory(
        customer=client,
        total=20,
        amount_remaining=20,
        due_date=max(midnight, now - timedelta(hours=1)),
    )
    InvoiceFactory(
        customer=client, total=3, amount_remaining=3, due_date=now + timedelta(minutes=5)
    )
    InvoiceFactory(
        customer=client,
        status="paid",
        total=4000,
        amount_paid=4000,
        amount_remaining=0,
        due_date=now - timedelta(days=3),
    )

    every = owner_client.get(reverse("invoice_list")).content.decode()
    overdue = owner_client.get(reverse("invoice_list"), {"status": "overdue"}).content.decode()

    assert "4 invoices · total 41.23 USD" in every
    assert "1.20 USD (2)" in every  # overdue: the one two days late and the one due today
    assert "2 invoices · total 1.20 USD" in overdue


def test_clients_ranked_for_any_period_match_their_months_after_writes_in_any_order(db, agency):
    clients = [CustomerFactory(agency=agency, name=f"Client {n}") for n in range(4)]
    other_agency_client = CustomerFactory()
    writes = [(0, 5, 700), (1, 2, 300), (0, 1, 50), (2, 9, 900), (0, 3, 20), (3, 1, 10)]
    writes += [(1, 2, 999), (0, 5, 0), (2, 0, 40), (1, 11, 5)]
    for client, month, gross in writes:  # months in no order; two rewrite a month
        RevenueMonth.objects.update_or_create(
            agency=agency,
            customer=clients[client],
            currency="usd",
            month=date(2026, 1 + month, 1),
            defaults={"gross": gross, "payments": 1, "stripe_fees": gross // 10},
        )
    RevenueMonth.objects.create(
        agency=other_agency_client.agency,
        customer=other_agency_client,
        currency="usd",
        month=date(2026, 3, 1),
        gross=10**6,
    )
    RevenueMonth.objects.filter(customer=clients[3]).delete()
    RevenueMonth.objects.filter(customer=clients[2], month=date(2026, 1, 1)).update(
        month=date(2025, 12, 1), currency="eur"
    )
    assert_running_totals_match_the_months()

    for start_month, end_month in [(1, 12), (2, 6), (3, 3), (4, 5), (6, 9), (10, 12), (12, 12)]:
        start, end = date(2026, start_month, 1), date(2026, end_month, 1)
        expected: dict = defaultdict(lambda: [0, 0, 0])
        for row in RevenueMonth.objects.filter(agency=agency, month__gte=start, month__lte=end):
            figures = expected[(row.customer.name, row.currency)]
            for index, name in enumerate(["gross", "payments", "stripe_fees"]):
                figures[index] += getattr(row, name)
        ranked = revenue_by_client(agency, start, end)
        assert {
            (row["customer__name"], row["currency"]): [
                row["gross"],
                row["payments"],
                row["stripe_fees"],
            ]
            for row in ranked
        } == _nonzero(expected)
        assert [row["gross"] for row in ranked] == sorted(
            (row["gross"] for row in ranked), reverse=True
        )


def test_deleting_a_client_then_the_agency_leaves_no_revenue_aggregate(db, agency):
    acme, bolt = CustomerFactory(agency=agency), CustomerFactory(agency=agency)
    for client, month in [(acme, 1), (acme, 3), (bolt, 2)]:
        RevenueMonth.objects.create(
            agency=agency, customer=client, currency="usd", month=date(2026, month, 1), gross=100
        )

    acme.delete()

    assert_running_totals_match_the_months()
    assert not RevenueToDate.objects.filter(customer_id=acme.pk).exists()
    assert AgencyRevenueMonth.objects.exclude(gross=0).get().gross == 100
    Agency.objects.filter(pk=agency.pk).delete()
    assert not RevenueToDate.objects.exists() and not AgencyRevenueMonth.objects.exists()
