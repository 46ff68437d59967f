"""Concurrent writers of one agency's revenue figures (two webhook workers, a refund click)
queue instead of deadlocking, whatever months and clients they touch and in whatever order,
and the figures they leave are the sums over every row all of them wrote."""

import threading
import time
from datetime import UTC, datetime

from django.db import connection, transaction

from invoices.models import AgencyRevenueMonth, Invoice, Refund, RevenueMonth
from invoices.sync import revenue_refresh
from tests.factories import CustomerFactory
from tests.invoices.factories import InvoiceFactory
from tests.invoices.test_aggregates import assert_aggregates_match_the_rows

JANUARY = datetime(2026, 1, 15, 12, tzinfo=UTC)
FEBRUARY = datetime(2026, 2, 15, 12, tzinfo=UTC)
ROUNDS = 6


def _refund(customer, moment: datetime, name: str) -> None:
    Refund.objects.create(
        agency=customer.agency,
        customer=customer,
        stripe_id=f"re_{name}",
        stripe_charge_id=f"ch_{name}",
        amount=2500,
        currency="usd",
        status=Refund.Status.SUCCEEDED,
        stripe_created=moment,
    )


def _refunds_in_two_months(customer, first_month, second_month, name: str) -> None:
    """What a charge.refunded event's transaction does when the charge was refunded twice,
    in two months: both refunds mirrored, then both months' figures refreshed, in its order."""
    with transaction.atomic():
        _refund(customer, first_month, f"{name}a")
        _refund(customer, second_month, f"{name}b")
        revenue_refresh(customer, "usd", first_month)
        time.sleep(0.02)  # another writer's refresh comes in between, if it can
        revenue_refresh(customer, "usd", second_month)


def test_concurrent_writers_of_one_agency_across_two_months_never_deadlock(transactional_db):
    first = CustomerFactory(name="First client")
    second = CustomerFactory(agency=first.agency, name="Second client")
    for customer in (first, second):
        for paid_at in (JANUARY, FEBRUARY):
            InvoiceFactory(
                customer=customer,
                status=Invoice.Status.PAID,
                amount_paid=10000,
                amount_remaining=0,
                stripe_fee=320,
                paid_at=paid_at,
            )
            revenue_refresh(customer, "usd", paid_at)
    # Two writers per client: one refreshes January then February, the other the other way
    # round; the two clients share the agency's January and February figures.
    writers = [
        (first, JANUARY, FEBRUARY),
        (first, FEBRUARY, JANUARY),
        (second, FEBRUARY, JANUARY),
        (second, JANUARY, FEBRUARY),
    ]
    barrier = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        customer, paid_at, refunded_at = writers[writer]
        try:
            barrier.wait()
            for round_number in range(ROUNDS):
                _refunds_in_two_months(customer, paid_at, refunded_at, f"w{writer}r{round_number}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not [thread for thread in threads if thread.is_alive()]
    assert errors == []
    # Each client: one payment a month, and 2 writers × 6 rounds of one refund a month.
    refunded = 2 * ROUNDS * 2500
    for customer in (first, second):
        months = {
            row.month.month: (row.payments, row.gross, row.refunds, row.net)
            for row in RevenueMonth.objects.filter(customer=customer)
        }
        assert months == {
            1: (1, 10000, refunded, 10000 - 320 - refunded),
            2: (1, 10000, refunded, 10000 - 320 - refunded),
        }
    agency_months = {
        row.month.month: (row.payments, row.gross, row.refunds, row.stripe_fees)
        for row in AgencyRevenueMonth.objects.filter(agency=first.agency)
    }
    assert agency_months == {1: (2, 20000, 2 * refunded, 640), 2: (2, 20000, 2 * refunded, 640)}
    assert_aggregates_match_the_rows()
