"""The owner's Revenue page and the Invoices page over 1,000,000 invoices across 10,000
customers: SQL queries and server time.

Seeds one agency with 10,000 customers and 1,000,000 invoices over two years (paid ones with
fees and a paid date) in one INSERT … SELECT generate_series, then the monthly figures per
client (RevenueMonth) with one INSERT … SELECT that sums exactly what
`invoices.sync.revenue_refresh` sums per client and month. The database's triggers keep the
aggregates the pages read (InvoiceTotal, InvoiceDueDay, AgencyRevenueMonth, RevenueToDate)
as the rows go in. Requests each page through Django's test Client, signed in as the owner,
and prints per page the queries, their time and the server time. The revenue page reads at
most one row per month and currency and two per client, never the invoices; the Invoices
page reads a keyset page of 50 and the kept totals, never counting the invoices.

    .venv/bin/python benchmarks/revenue_pages.py [--quick] [--reuse] [--explain]
"""

import argparse
import os
import statistics
import sys
import time

import bench_env
from pages import measure

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
    if args.explain:
        for name, url in pages:
            explain(client, name, url)
    figures = [measure(client, name, url, requests=args.requests) for name, url in pages]
    work = [server_work(client, url, requests=args.requests) for _, url in pages]
    print(
        f"revenue and invoices pages: {args.invoices:,} invoices across {args.customers:,} "
        f"customers, {args.requests} timed requests a page (seeded in {seed_seconds:.0f} s), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
    )
    print(
        f"{'page':<26} {'queries':>7} {'SQL ms':>7} {'median ms':>10} {'p95 ms':>7} {'KiB':>6}"
        f" {'DB exec ms':>10} {'Python CPU ms':>13}"
    )
    for row, (database_ms, python_ms) in zip(figures, work, strict=True):
        print(
            f"{row.name:<26} {row.queries:>7} {row.sql_ms:>7.1f} {row.median_ms:>10.1f} "
            f"{row.p95_ms:>7.1f} {row.kilobytes:>6.1f} {database_ms:>10.1f} {python_ms:>13.1f}"
        )
    print(
        "\nDB exec ms: PostgreSQL's own execution time of the page's queries (EXPLAIN ANALYZE"
        " of one request's queries). Python CPU ms: the process's CPU time per request"
        " (median). Both leave out waiting for a core, which the wall-clock times include."
    )
    return 0


def server_work(client, url: str, *, requests: int) -> tuple[float, float]:
    """What one request costs without the wait for a core: the summed execution time
    PostgreSQL reports for its queries, and the median CPU time of this process."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    database_ms = 0.0
    for query in list(captured.captured_queries):
        if not query["sql"].lstrip().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query['sql']}")
            database_ms += cursor.fetchone()[0][0]["Execution Time"]
    cpu = []
    for _ in range(requests):
        started = time.process_time()
        client.get(url)
        cpu.append((time.process_time() - started) * 1000)
    return database_ms, statistics.median(cpu)


def explain(client, name: str, url: str) -> None:
    """EXPLAIN ANALYZE every query of one request of the page slower than 5 ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = list(captured.captured_queries)
    print(f"== {name}: {url}")
    for query in queries:
        if float(query["time"]) * 1000 < 5 or not query["sql"].lstrip().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"-- {float(query['time']) * 1000:.0f} ms: {query['sql'][:300]}\n{plan}\n")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="100,000 invoices, 10 requests")
    parser.add_argument(
        "--explain", action="store_true", help="print the plans of the queries over 5 ms"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data of the last run if it has as many invoices (no new seed)",
    )
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

    if args.reuse:
        agency = Agency.objects.filter(stripe_account_id="acct_bench_revenue").first()
        if agency is not None and agency.invoices.count() == args.invoices:
            settled()  # a migration may have just filled new aggregates
            user = agency.memberships.get(role=Membership.Role.OWNER).user
            return user, agency.customers.order_by("pk").values_list("pk", flat=True)[0]
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
    settled()
    return user, customer_ids[0]


def settled() -> None:
    """Planner statistics and the visibility map (for index-only scans), as autovacuum
    keeps them on a long-lived database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def invoices_create(agency_id: int, customer_ids: list[int], *, count: int, now) -> None:
    """`count` invoices in one set-based INSERT … SELECT generate_series (about a minute for
    1,000,000, where building model objects took ten): invoice n belongs to client n mod the
    number of clients, was created n hours before now (over two years), is paid five times
    in eight (else open, void or uncollectible), and is in EUR one time in ten."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO invoices_invoice
                (agency_id, customer_id, stripe_id, stripe_subscription_id, number, description,
                 collection_method, status, currency, subtotal, tax, total, amount_due,
                 amount_paid, amount_remaining, platform_fee, stripe_fee, amount_refunded,
                 stripe_payment_intent_id, stripe_charge_id, card_brand, card_last4,
                 hosted_invoice_url, invoice_pdf, due_date, paid_at, last_payment_error,
                 stripe_created, stripe_synced_at)
            SELECT %(agency)s, (%(customers)s::bigint[])[n %% %(clients)s + 1],
                   'in_benchrev' || lpad(n::text, 8, '0'), '', 'REV-' || lpad(n::text, 8, '0'),
                   '', 'send_invoice', status, CASE WHEN n %% 10 = 0 THEN 'eur' ELSE 'usd' END,
                   120000, 0, 120000, 120000,
                   CASE WHEN paid THEN 120000 ELSE 0 END, CASE WHEN paid THEN 0 ELSE 120000 END,
                   600, CASE WHEN paid THEN 3510 END, 0, '',
                   CASE WHEN paid THEN 'ch_benchrev' || lpad(n::text, 8, '0') ELSE '' END,
                   '', '', 'https://invoice.stripe.com/i/benchrev' || n, '',
                   created + interval '30 days',
                   CASE WHEN paid THEN created + interval '2 hours' END, '', created, %(now)s
            FROM (
                SELECT n, (ARRAY['paid', 'paid', 'paid', 'paid', 'paid', 'open', 'void',
                                 'uncollectible'])[n %% 8 + 1] AS status,
                       n %% 8 < 5 AS paid,
                       %(now)s - make_interval(hours => n %% 17520) AS created
                FROM generate_series(0, %(count)s - 1) AS n
            ) AS numbered
            """,
            {
                "agency": agency_id,
                "customers": customer_ids,
                "clients": len(customer_ids),
                "count": count,
                "now": now,
            },
        )


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
            ORDER BY 4  -- each client's running totals grow at their end (the trigger's cheap case)
            """,
            [agency_id],
        )


if __name__ == "__main__":
    sys.exit(main())
