"""Client portal pages for a client with 1,000 invoices: SQL queries and server time.

Seeds one agency with 1,000 customers and 100,000 invoices, among them a client with 1,000
invoices (a fifth open, some overdue) and a client with one, each with a subscription and a
card and a billing contact. Logs each contact in the way a client does (a code is requested,
read from the sandbox outbox and entered), then requests the overview, the invoice list (page
1 and the last page) and the payment methods page through Django's test Client. Server time
is the whole request in-process: middleware, portal session, view, SQL and template.

    .venv/bin/python benchmarks/portal_pages.py [--quick]
"""

import argparse
import re
import sys
import time
from datetime import timedelta

import bench_env
from pages import BATCH, PageFigures, measure, with_analyze

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agency_billing_bench_portal"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"


def main() -> int:
    args = arguments()
    # Login codes are mailed by a task: run it in-process, so the outbox has the code.
    environment = bench_env.bench_environment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        LOG_LEVEL="WARNING",
        CELERY_TASK_ALWAYS_EAGER="true",
    )
    bench_env.django_start(environment, redis_flush=False)
    started = time.perf_counter()
    big_email, small_email = seed(args)
    seed_seconds = time.perf_counter() - started

    from django.urls import reverse

    from portal.views import INVOICES_PER_PAGE

    last_page = -(-args.client_invoices // INVOICES_PER_PAGE)
    figures = []
    for label, email in (
        (f"{args.client_invoices:,} invoices", big_email),
        ("1 invoice", small_email),
    ):
        client = logged_in(email)
        pages = [
            ("overview", reverse("portal_billing")),
            ("invoices, page 1", reverse("portal_invoices")),
            (f"invoices, page {last_page}", f"{reverse('portal_invoices')}?page={last_page}"),
            ("payment methods", reverse("portal_payment_methods")),
        ]
        for name, url in pages:
            figures.append(measure(client, f"{name} ({label})", url, requests=args.requests))

    print(
        f"portal: a client with {args.client_invoices:,} invoices in an agency of "
        f"{args.customers:,} customers and {args.invoices:,} invoices, "
        f"{args.requests} timed requests a page (seeded in {seed_seconds:.0f} s)\n"
    )
    print(f"{'page':<40} {'queries':>7} {'SQL ms':>7} {'median ms':>10} {'p95 ms':>7} {'KiB':>6}")
    for row in figures:
        print(
            f"{row.name:<40} {row.queries:>7} {row.sql_ms:>7.1f} {row.median_ms:>10.1f} "
            f"{row.p95_ms:>7.1f} {row.kilobytes:>6.1f}"
        )
    constant = same_queries(figures[:4], figures[4:])
    print(
        f"\nqueries the same for a client with 1 and {args.client_invoices:,} invoices: "
        f"{'yes' if constant else 'NO'}"
    )
    return 0 if constant else 1


def same_queries(big: list[PageFigures], small: list[PageFigures]) -> bool:
    return [row.queries for row in big] == [row.queries for row in small]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--client-invoices", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--quick", action="store_true", help="10,000 invoices, 20 requests")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    if args.quick:
        args.invoices, args.requests = 10_000, 20
    return args


def seed(args: argparse.Namespace) -> tuple[str, str]:
    """Empty the agencies, then write the agency, its customers and invoices in bulk."""
    from django.utils import timezone

    from agencies.models import Agency
    from customers.models import Contact, Customer, PaymentMethod, Subscription

    bench_env.tables_empty("agencies_agency", "portal_logincode", "stripe_sandbox_outboxemail")
    now = timezone.now()
    agency = Agency.objects.create(
        name="Bench Portal Agency", stripe_account_id="acct_bench_portal", charges_enabled=True
    )
    customers = Customer.objects.bulk_create(
        Customer(
            agency=agency,
            name=f"Client {n:05d}",
            email=f"client{n}@bench.example",
            stripe_customer_id=f"cus_bench_portal{n:06d}",
        )
        for n in range(args.customers)
    )
    big, small = customers[0], customers[1]
    for customer in (big, small):
        Contact.objects.create(customer=customer, email=customer.email, role="billing")
        card = PaymentMethod.objects.create(
            customer=customer,
            stripe_id=f"pm_bench_portal{customer.pk}",
            brand="visa",
            last4="4242",
            exp_month=12,
            exp_year=2030,
        )
        Subscription.objects.create(
            agency=agency,
            customer=customer,
            stripe_id=f"sub_bench_portal{customer.pk}",
            status="active",
            unit_amount=250_000,
            currency="usd",
            interval="month",
            current_period_end=now + timedelta(days=12),
            default_payment_method=card,
        )
    owners = [big.pk] * args.client_invoices + [small.pk]
    others = [c.pk for c in customers[2:]]
    owners += [others[n % len(others)] for n in range(max(0, args.invoices - len(owners)))]
    invoices_create(agency.pk, owners, now=now)
    with_analyze()
    return big.email, small.email


def invoices_create(agency_id: int, owners: list[int], *, now) -> None:
    from invoices.models import Invoice

    statuses = ("paid", "paid", "paid", "open", "void")
    for start in range(0, len(owners), BATCH):
        Invoice.objects.bulk_create(
            Invoice(
                agency_id=agency_id,
                customer_id=owners[n],
                stripe_id=f"in_bench_portal{n:08d}",
                number=f"BP-{n:08d}",
                status=statuses[n % len(statuses)],
                currency="usd",
                total=250_000,
                amount_due=250_000,
                amount_paid=250_000 if statuses[n % len(statuses)] == "paid" else 0,
                amount_remaining=0 if statuses[n % len(statuses)] == "paid" else 250_000,
                hosted_invoice_url=f"https://invoice.stripe.com/i/bench{n}",
                invoice_pdf=f"https://pay.stripe.com/invoice/bench{n}/pdf",
                due_date=now + timedelta(days=(n % 60) - 30),
                stripe_created=now - timedelta(hours=n % 17_520),
            )
            for n in range(start, min(len(owners), start + BATCH))
        )


def logged_in(email: str):
    """A test Client with a portal session, got the way a client gets one."""
    from django.test import Client

    from portal.access import PORTAL_COOKIE
    from portal.services import login_code_request, login_code_verify
    from stripe_sandbox.models import OutboxEmail

    login_code_request(email=email, ip="127.0.0.1")
    text = OutboxEmail.objects.filter(to__contains=[email]).latest("pk").text
    code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
    token, _ = login_code_verify(email=email, code=code)
    client = Client()
    client.cookies[PORTAL_COOKIE] = token
    return client


if __name__ == "__main__":
    sys.exit(main())
