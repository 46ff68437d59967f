"""The owner's Revenue page and the Invoices page over 1,000,000 invoices across 10,000
customers: SQL queries and server time.

Seeds one agency with 10,000 customers and 1,000,000 invoices over two years (paid ones with
fees and a paid date), then builds the monthly aggregates (RevenueMonth) with one
INSERT … SELECT that sums exactly what `invoices.sync.revenue_refresh` sums per client and
month. Requests each page through Django's test Client, signed in as the owner. The revenue
page reads only the aggregates (about 24 months × 10,000 clients at most), never the
invoices, which is how it stays fast whatever the number of invoices.

    .venv/bin/python benchmarks/revenue_pages.py [--quick]
"""

import argparse
import sys
import time
from datetime import timedelta

import bench_env
from pages import BATCH, measure, with_analyze

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agency_billing_bench_revenue"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"


def main() -> int:
    args = arguments()
    environment = bench_env.bench_environment(
        database_url=args.database_url, redis_url=args.redis_url, LOG_LEVEL="WARNING"
    )
    bench_env.django_start(environment, redis_flush=False)
    started = time.perf_counter()
    user, customer_id = seed(args)
    seed_seconds = time.perf_counter() - started

    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    invoices = reverse("invoice_list")
    pages = [
        ("revenue (last 12 months)", reverse("revenue")),
        ("revenue (24 months)", f"{reverse('revenue')}?start=2024-01&end=2026-12"),
        ("invoices, page 1", invoices),
        ("invoices, overdue", f"{invoices}?status=overdue"),
        ("invoices, one client", f"{invoices}?customer={customer_id}"),
        (
            "invoices, paid, a month",
            f"{invoices}?status=paid&date_from=2026-06-01&date_to=2026-06-30",
        ),
    ]
    figures = [measure(client, name, url, requests=args.requests) for name, url in pages]
    print(
        f"revenue and invoices pages: {args.invoices:,} invoices across {args.customers:,} "
        f"customers, {args.requests} timed requests a page (seeded in {seed_seconds:.0f} s)\n"
    )
    print(f"{'page':<32} {'queries':>7} {'SQL ms':>7} {'median ms':>10} {'p95 ms':>7} {'KiB':>6}")
    for row in figures:
        print(
            f"{row.name:<32} {row.queries:>7} {row.sql_ms:>7.1f} {row.median_ms:>10.1f} "
            f"{row.p95_ms:>7.1f} {row.kilobytes:>6.1f}"
        )
    return 0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="100,000 invoices, 10 requests")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    if args.quick:
        args.invoices, args.requests = 100_000, 10
    return args


def seed(args: argparse.Namespace):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agencies.models import Agency, Membership
    from customers.models import Customer

    bench_env.tables_empty("agencies_agency", "auth_user", "django_session")
    now = timezone.now()
    user = get_user_model().objects.create_user(
        username="owner@bench.example", email="owner@bench.example"
    )
    agency = Agency.objects.create(
        name="Bench Revenue Agency", stripe_account_id="acct_bench_revenue", charges_enabled=True
    )
    Membership.objects.create(user=user, agency=agency, role=Membership.Role.OWNER)
    customer_ids = [
        customer.pk
        for customer in Customer.objects.bulk_create(
            Customer(
                agency=agency,
                name=f"Client {n:05d}",
                email=f"client{n}@bench.example",
                stripe_customer_id=f"cus_bench_revenue{n:06d}",
            )
            for n in range(args.customers)
        )
    ]
    invoices_create(agency.pk, customer_ids, count=args.invoices, now=now)
    aggregates_create(agency.pk)
    with_analyze()
    return user, customer_ids[0]


def invoices_create(agency_id: int, customer_ids: list[int], *, count: int, now) -> None:
    from invoices.models import Invoice

    statuses = ("paid", "paid", "paid", "paid", "paid", "open", "void", "uncollectible")
    for start in range(0, count, BATCH):
        rows = []
        for number in range(start, min(count, start + BATCH)):
            status = statuses[number % len(statuses)]
            created = now - timedelta(hours=number % 17_520)
            paid = status == "paid"
            rows.append(
                Invoice(
                    agency_id=agency_id,
                    customer_id=customer_ids[number % len(customer_ids)],
                    stripe_id=f"in_benchrev{number:08d}",
                    number=f"REV-{number:08d}",
                    status=status,
                    currency="usd" if number % 10 else "eur",
                    subtotal=120_000,
                    total=120_000,
                    amount_due=120_000,
                    amount_paid=120_000 if paid else 0,
                    amount_remaining=0 if paid else 120_000,
                    platform_fee=600,
                    stripe_fee=3510 if paid else None,
                    stripe_charge_id=f"ch_benchrev{number:08d}" if paid else "",
                    due_date=created + timedelta(days=30),
                    paid_at=created + timedelta(hours=2) if paid else None,
                    hosted_invoice_url=f"https://invoice.stripe.com/i/benchrev{number}",
                    stripe_created=created,
                    stripe_synced_at=now,
                )
            )
        Invoice.objects.bulk_create(rows)


def aggregates_create(agency_id: int) -> None:
    """What revenue_refresh keeps, for every client and month at once (no refunds or
    disputes in this data set)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO invoices_revenuemonth
                (agency_id, customer_id, currency, month, payments, gross, refunds,
                 disputes_lost, platform_fees, stripe_fees)
            SELECT agency_id, customer_id, currency,
                   date_trunc('month', paid_at AT TIME ZONE 'UTC')::date,
                   count(*), sum(amount_paid), 0, 0, sum(coalesce(platform_fee, 0)),
                   sum(coalesce(stripe_fee, 0))
            FROM invoices_invoice
            WHERE agency_id = %s AND status = 'paid'
            GROUP BY 1, 2, 3, 4
            """,
            [agency_id],
        )


if __name__ == "__main__":
    sys.exit(main())
