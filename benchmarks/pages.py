"""Staff pages over a big agency: SQL queries and server time per page.

Seeds one agency with 10,000 customers (most subscribed), 100,000 invoices, a customer with
one subscription and one with 50 (and 50 open checkout links), then requests the customer
list (page 1 and a middle page) and Manage Customer through Django's test Client, signed in
as the owner. Server time is the time of the whole request in-process: middleware, session,
view, SQL and template, without a network or a WSGI server.

    .venv/bin/python benchmarks/pages.py [--quick]
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

import bench_env

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agency_billing_bench_pages"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
BATCH = 5000


@dataclass
class Seeded:
    user: object
    small_customer_id: int
    large_customer_id: int
    unsubscribed_customer_id: int
    plan_id: int


@dataclass
class PageFigures:
    name: str
    queries: int
    sql_ms: float
    median_ms: float
    p95_ms: float
    kilobytes: float


def main() -> int:
    args = arguments()
    environment = bench_env.bench_environment(
        database_url=args.database_url, redis_url=args.redis_url, LOG_LEVEL="WARNING"
    )
    bench_env.django_start(environment, redis_flush=False)
    seed_started = time.perf_counter()
    seeded = seed(args)
    seed_seconds = time.perf_counter() - seed_started

    from django.test import Client
    from django.urls import reverse

    from customers.views import CUSTOMERS_PER_PAGE

    client = Client()
    client.force_login(seeded.user)
    middle_page = max(1, -(-args.customers // CUSTOMERS_PER_PAGE) // 2)
    customer_list = reverse("customer_list")
    pages = [
        ("customer list, page 1", customer_list),
        (f"customer list, page {middle_page}", f"{customer_list}?page={middle_page}"),
        ("customer list, search", f"{customer_list}?q=client+01"),
        (
            "customer list, subscribed on the plan",
            f"{customer_list}?status=subscribed&plan={seeded.plan_id}",
        ),
        (
            f"customer list, by status, page {middle_page}",
            f"{customer_list}?sort=status&page={middle_page}",
        ),
        ("Manage Customer, 1 subscription", manage_url(seeded.small_customer_id)),
        (f"Manage Customer, {args.large} subscriptions", manage_url(seeded.large_customer_id)),
        ("Manage Customer, no subscription", manage_url(seeded.unsubscribed_customer_id)),
    ]
    figures = [measure(client, name, url, requests=args.requests) for name, url in pages]

    report(args, figures, seed_seconds)
    # A plan filter validates the plan (one query more); each view's count is what the
    # 10,000-customer test in tests/customers/test_page_queries.py holds constant.
    list_constant = figures[0].queries == figures[1].queries
    manage_constant = figures[5].queries == figures[6].queries == figures[7].queries
    print(f"\nqueries constant across list pages: {'yes' if list_constant else 'NO'}")
    print(
        f"queries constant for a small and a large customer: {'yes' if manage_constant else 'NO'}"
    )
    return 0 if list_constant and manage_constant else 1


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument(
        "--subscribed", type=float, default=0.9, help="fraction of customers with a subscription"
    )
    parser.add_argument(
        "--large", type=int, default=50, help="subscriptions and links of the large customer"
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="1,000 customers, 10,000 invoices")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    if args.quick:
        args.customers, args.invoices, args.requests = 1000, 10_000, 20
    if not 0 <= args.subscribed < 1 or args.customers < 20:
        parser.error("--subscribed must be in [0, 1) and --customers at least 20")
    return args


def seed(args: argparse.Namespace) -> Seeded:
    """Empty the database's agencies and users, then write the big agency with bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agencies.models import Agency, Membership
    from customers.models import Customer, Subscription
    from plans.models import Plan, Price

    bench_env.tables_empty("agencies_agency", "auth_user", "django_session")
    now = timezone.now()
    user = get_user_model().objects.create_user(
        username="owner@bench.example", email="owner@bench.example"
    )
    agency = Agency.objects.create(
        name="Bench Pages Agency",
        stripe_account_id="acct_bench_pages",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    Membership.objects.create(user=user, agency=agency, role=Membership.Role.OWNER)
    plan = Plan.objects.create(agency=agency, name="Retainer", stripe_product_id="prod_bench")
    prices = Price.objects.bulk_create(
        [
            Price(
                plan=plan,
                interval=interval,
                unit_amount=amount,
                currency="usd",
                stripe_price_id=f"price_bench_{interval}",
            )
            for interval, amount in (("month", 250_000), ("year", 2_500_000))
        ]
    )
    customer_ids = customers_create(agency, plan, count=args.customers)
    subscribed_every = max(1, round(1 / max(1e-9, 1 - args.subscribed)))
    subscribed = [pk for number, pk in enumerate(customer_ids) if number % subscribed_every != 0]
    Subscription.objects.bulk_create(
        (
            subscription(agency.pk, customer_id, number, now)
            for number, customer_id in enumerate(subscribed)
        ),
        batch_size=BATCH,
    )
    invoices_create(agency.pk, customer_ids, count=args.invoices, now=now)
    small, large = subscribed[0], subscribed[1]
    extras_create(
        agency.pk,
        Customer.objects.get(pk=large),
        prices,
        subscriptions=args.large - 1,
        links=args.large,
        now=now,
    )
    extras_create(
        agency.pk, Customer.objects.get(pk=small), prices, subscriptions=0, links=1, now=now
    )
    subscribed_ids = set(subscribed)
    unsubscribed = next(pk for pk in customer_ids if pk not in subscribed_ids)
    with_analyze()
    return Seeded(user, small, large, unsubscribed, plan.pk)


def customers_create(agency, plan, *, count: int) -> list[int]:
    from customers.models import Customer

    ids: list[int] = []
    for start in range(0, count, BATCH):
        created = Customer.objects.bulk_create(
            Customer(
                agency=agency,
                name=f"Client {number:05d}",
                email=f"client{number}@bench.example",
                company=f"Company {number % 700}",
                plan=plan,
                stripe_customer_id=f"cus_bench{number:06d}",
            )
            for number in range(start, min(count, start + BATCH))
        )
        ids.extend(customer.pk for customer in created)
    return ids


def subscription(agency_id: int, customer_id: int, number: int, now):
    from customers.models import Subscription

    return Subscription(
        agency_id=agency_id,
        customer_id=customer_id,
        stripe_id=f"sub_bench{number:07d}",
        status=("active", "active", "active", "trialing", "past_due", "canceled")[number % 6],
        stripe_price_id="price_bench_month",
        stripe_item_id=f"si_bench{number:07d}",
        unit_amount=250_000,
        currency="usd",
        interval="month",
        current_period_start=now - timedelta(days=number % 30),
        current_period_end=now + timedelta(days=30 - number % 30),
        stripe_synced_at=now,
    )


def invoices_create(agency_id: int, customer_ids: list[int], *, count: int, now) -> None:
    from invoices.models import Invoice

    statuses = ("paid", "paid", "paid", "paid", "open", "void", "uncollectible", "draft")
    for start in range(0, count, BATCH):
        Invoice.objects.bulk_create(
            Invoice(
                agency_id=agency_id,
                customer_id=customer_ids[number % len(customer_ids)],
                stripe_id=f"in_bench{number:08d}",
                stripe_subscription_id=f"sub_bench{number % len(customer_ids):07d}",
                number=f"BENCH-{number:08d}",
                status=statuses[number % len(statuses)],
                currency="usd",
                total=250_000,
                amount_due=250_000,
                amount_paid=250_000 if number % len(statuses) < 4 else 0,
                amount_remaining=0 if number % len(statuses) < 4 else 250_000,
                hosted_invoice_url=f"https://invoice.stripe.com/i/bench{number}",
                stripe_created=now - timedelta(hours=number % 17_520),
                stripe_synced_at=now,
            )
            for number in range(start, min(count, start + BATCH))
        )


def extras_create(agency_id: int, customer, prices, *, subscriptions: int, links: int, now):
    """More subscriptions (each with its own card) and open checkout links for one customer."""
    from checkout.models import CheckoutLink
    from customers.models import PaymentMethod, Subscription

    cards = PaymentMethod.objects.bulk_create(
        PaymentMethod(
            customer=customer,
            stripe_id=f"pm_bench{customer.pk}_{number}",
            brand="visa",
            last4=f"{number % 10_000:04d}",
            exp_month=12,
            exp_year=2030,
            stripe_synced_at=now,
        )
        for number in range(subscriptions + 1)
    )
    Subscription.objects.filter(customer=customer).update(default_payment_method=cards[0])
    Subscription.objects.bulk_create(
        Subscription(
            agency_id=agency_id,
            customer=customer,
            stripe_id=f"sub_bench{customer.pk}_{number}",
            status="canceled",
            stripe_price_id="price_bench_month",
            unit_amount=250_000,
            currency="usd",
            interval="month",
            default_payment_method=cards[number + 1],
            stripe_synced_at=now,
        )
        for number in range(subscriptions)
    )
    CheckoutLink.objects.bulk_create(
        CheckoutLink(
            agency_id=agency_id,
            customer=customer,
            price=prices[number % len(prices)],
            mode=CheckoutLink.Mode.SUBSCRIPTION,
            status=CheckoutLink.Status.OPEN,
            stripe_session_id=f"cs_bench{customer.pk}_{number}",
            url=f"https://checkout.stripe.com/c/pay/cs_bench{customer.pk}_{number}",
            expires_at=now + timedelta(hours=24),
        )
        for number in range(links)
    )


def with_analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them on a long-lived database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def manage_url(customer_id: int) -> str:
    from django.urls import reverse

    return reverse("customer_manage", args=[customer_id])


def measure(client, name: str, url: str, *, requests: int) -> PageFigures:
    """Count the queries of one request (with the debug cursor on), then time `requests`
    more with it off."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response_ok(client.get(url), url)
    with CaptureQueriesContext(connection) as captured:
        response = response_ok(client.get(url), url)
    # Read now: the next request's request_started signal empties the connection's log.
    queries = list(captured.captured_queries)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response_ok(client.get(url), url)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return PageFigures(
        name=name,
        queries=len(queries),
        sql_ms=sum(float(query["time"]) for query in queries) * 1000,
        median_ms=statistics.median(timings),
        p95_ms=bench_env.percentile(timings, 0.95),
        kilobytes=len(response.content) / 1024,
    )


def response_ok(response, url: str):
    if response.status_code != 200:
        raise bench_env.BenchSetupError(f"GET {url} answered {response.status_code}")
    return response


def report(args: argparse.Namespace, figures: list[PageFigures], seed_seconds: float) -> None:
    print(
        f"pages: {args.customers:,} customers, {args.invoices:,} invoices, "
        f"{args.requests} timed requests a page (seeded in {seed_seconds:.0f} s)\n"
    )
    print(f"{'page':<36} {'queries':>7} {'SQL ms':>7} {'median ms':>10} {'p95 ms':>7} {'KiB':>6}")
    for row in figures:
        print(
            f"{row.name:<36} {row.queries:>7} {row.sql_ms:>7.1f} {row.median_ms:>10.1f} "
            f"{row.p95_ms:>7.1f} {row.kilobytes:>6.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())
