"""Webhook intake throughput and latency, and (with --process) events mirrored per second.

Starts gunicorn on a free loopback port with CELERY_TASK_ALWAYS_EAGER=false, so a request only
verifies the signature, stores the WebhookEvent and enqueues its task in Redis. Then sends
N distinct signed `customer.subscription.updated` events to /webhooks/stripe/connect/ from C
client threads, and re-sends some of them as duplicate deliveries.

With --process, a real Celery worker then drains the queue. The events name an agency and
customers that exist, so each one really upserts a Subscription (and links a PaymentMethod).

    .venv/bin/python benchmarks/webhook_intake.py [--quick] [--process]

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bench_env
import requests

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/agency_billing_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
ACCOUNT = "acct_bench_intake"
REQUEST_TIMEOUT_SECONDS = 10


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float]
    errors: int
    unsent: int
    client_cpu_seconds: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms) - self.errors


def main() -> int:
    args = arguments()
    environment = bench_env.bench_environment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        DATABASE_CONN_MAX_AGE=str(args.conn_max_age),
    )
    bench_env.django_start(environment)
    bench_env.tables_empty("webhooks_webhookevent", "agencies_agency")
    seed_agency(customers=args.customers)
    run_id = secrets.token_hex(4)
    first_created = int(time.time()) - args.events - 60
    bodies = event_bodies(
        count=args.events,
        subscriptions=args.subscriptions,
        customers=args.customers,
        first_created=first_created,
        run=run_id,
    )
    logs = Path(tempfile.mkdtemp(prefix="bench-webhook-intake-"))
    secret = environment["STRIPE_CONNECT_WEBHOOK_SECRET"]
    gunicorn = worker = None
    try:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        gunicorn = process_start(
            [
                str(bench_env.VENV_BIN / "gunicorn"),
                "agency_billing.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.gunicorn_workers),
                "--threads",
                str(args.gunicorn_threads),
            ],
            logs / "gunicorn.log",
        )
        wait_healthy(base_url, gunicorn, timeout=30)
        url = f"{base_url}/webhooks/stripe/connect/"
        warm_up(
            url,
            secret,
            concurrency=args.concurrency,
            first_created=first_created,
            redis_url=args.redis_url,
        )

        intake = load_send(url, bodies, secret, args.concurrency, args.time_limit)
        stored = stored_events()
        queued = queued_tasks(args.redis_url)
        duplicates = load_send(
            url, bodies[: args.duplicates], secret, args.concurrency, args.time_limit
        )
        stored_after = stored_events()
        process_stop(gunicorn)

        report_header(args)
        report_load("intake (new events)", intake)
        print(f"  WebhookEvent rows stored      {stored}  (expected {args.events})")
        print(f"  tasks queued in Redis         {queued}")
        report_load("duplicate deliveries", duplicates)
        print(
            f"  WebhookEvent rows after       {stored_after}  (unchanged: {stored_after == stored})"
        )

        failed = stored != args.events or stored_after != stored or intake.errors
        if args.process:
            worker = process_start(worker_command(args, run_id), logs / "worker.log")
            failed |= not report_processing(args, worker, first_created)
    finally:
        process_stop(worker)
        process_stop(gunicorn)
    if failed:
        print(f"\nSomething did not add up; server and worker logs are in {logs}")
        return 1
    shutil.rmtree(logs, ignore_errors=True)
    return 0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="distinct events to send")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--duplicates", type=int, default=200, help="events re-sent")
    parser.add_argument("--customers", type=int, default=200, help="customers the events name")
    parser.add_argument(
        "--subscriptions", type=int, default=500, help="distinct subscriptions the events update"
    )
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DATABASE_CONN_MAX_AGE for gunicorn and the worker (the project's default is 60)",
    )
    parser.add_argument("--process", action="store_true", help="then drain with a Celery worker")
    parser.add_argument("--pool", choices=["solo", "prefork"], default="solo")
    parser.add_argument(
        "--worker-concurrency", type=int, default=2, help="processes of the prefork pool"
    )
    parser.add_argument(
        "--time-limit", type=float, default=300, help="seconds each phase may take at most"
    )
    parser.add_argument("--quick", action="store_true", help="300 events, 50 duplicates")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    args = parser.parse_args()
    if args.quick:
        args.events, args.duplicates, args.subscriptions = 300, 50, 100
    args.duplicates = min(args.duplicates, args.events)
    return args


def seed_agency(*, customers: int) -> None:
    """The connected agency the events are for, and customers with their Stripe ids."""
    from agencies.models import Agency
    from customers.models import Customer

    agency = Agency.objects.create(
        name="Bench Intake Agency",
        stripe_account_id=ACCOUNT,
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    Customer.objects.bulk_create(
        Customer(
            agency=agency,
            name=f"Client {number:05d}",
            email=f"client{number}@bench.example",
            stripe_customer_id=customer_stripe_id(number),
        )
        for number in range(customers)
    )


def customer_stripe_id(number: int) -> str:
    return f"cus_bench{number:06d}"


def event_bodies(
    *, count: int, subscriptions: int, customers: int, first_created: int, run: str
) -> list[bytes]:
    """`count` events over `subscriptions` subscriptions, each created one second after the
    previous one: no two events of a subscription share a second, so none needs a read-back."""
    import stripe

    bodies = []
    for number in range(count):
        subscription = number % subscriptions
        created = first_created + number
        payload = {
            "id": f"evt_bench{run}{number:07d}",
            "object": "event",
            "account": ACCOUNT,
            "api_version": stripe.api_version,
            "created": created,
            "data": {
                "object": subscription_object(
                    subscription, customer=subscription % customers, created=created
                ),
                "previous_attributes": {"status": "trialing"},
            },
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": "customer.subscription.updated",
        }
        bodies.append(json.dumps(payload).encode())
    return bodies


def subscription_object(number: int, *, customer: int, created: int) -> dict:
    period_start = created - 86400
    return {
        "id": subscription_stripe_id(number),
        "object": "subscription",
        "customer": customer_stripe_id(customer),
        "status": "active",
        "currency": "usd",
        "created": period_start,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "ended_at": None,
        "trial_end": None,
        "pause_collection": None,
        "default_payment_method": f"pm_bench{number:06d}",
        "metadata": {},
        "items": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": f"si_bench{number:06d}",
                    "object": "subscription_item",
                    "current_period_start": period_start,
                    "current_period_end": period_start + 30 * 86400,
                    "price": {
                        "id": "price_bench_monthly",
                        "object": "price",
                        "currency": "usd",
                        "unit_amount": 250000,
                        "recurring": {"interval": "month", "interval_count": 1},
                    },
                }
            ],
        },
    }


def subscription_stripe_id(number: int) -> str:
    return f"sub_bench{number:06d}"


def stripe_signature(secret: str, body: bytes) -> str:
    timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def load_send(
    url: str, bodies: list[bytes], secret: str, concurrency: int, time_limit: float
) -> LoadResult:
    """POST every body once, signed at send time, from `concurrency` threads, each with its
    own keep-alive session. Requests not started by `time_limit` are counted as unsent."""
    deadline = time.monotonic() + time_limit

    def send_share(share: list[bytes]) -> LoadResult:
        latencies, errors, unsent = [], 0, 0
        with requests.Session() as session:
            for body in share:
                if time.monotonic() > deadline:
                    unsent += 1
                    continue
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": stripe_signature(secret, body),
                }
                started = time.perf_counter()
                try:
                    response = session.post(
                        url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
                    )
                    errors += response.status_code != 200
                except requests.RequestException:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
        return LoadResult(0, latencies, errors, unsent)

    shares = [bodies[thread::concurrency] for thread in range(concurrency)]
    started, cpu_started = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(send_share, shares))
    return LoadResult(
        client_cpu_seconds=time.process_time() - cpu_started,
        seconds=time.perf_counter() - started,
        latencies_ms=sorted(latency for result in results for latency in result.latencies_ms),
        errors=sum(result.errors for result in results),
        unsent=sum(result.unsent for result in results),
    )


def warm_up(url: str, secret: str, *, concurrency: int, first_created: int, redis_url: str) -> None:
    """Send a few real events before the clock starts, so every gunicorn thread has imported
    the views and opened its broker connection; then forget them (rows and queued tasks)."""
    import redis

    from webhooks.models import WebhookEvent

    bodies = event_bodies(
        count=4 * concurrency,
        subscriptions=1,
        customers=1,
        first_created=first_created - 4 * concurrency,
        run="warmup",
    )
    load_send(url, bodies, secret, concurrency, REQUEST_TIMEOUT_SECONDS * 3)
    WebhookEvent.objects.all().delete()
    redis.Redis.from_url(redis_url).flushdb()


def stored_events() -> int:
    from webhooks.models import WebhookEvent

    return WebhookEvent.objects.count()


def queued_tasks(redis_url: str) -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen("celery")


def worker_command(args: argparse.Namespace, run_id: str) -> list[str]:
    pool = ["--pool=solo"]
    if args.pool == "prefork":
        pool = ["--pool=prefork", f"--concurrency={args.worker_concurrency}"]
    return [
        str(bench_env.VENV_BIN / "celery"),
        "-A",
        "agency_billing",
        "worker",
        *pool,
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=bench-{run_id}@%h",
    ]


def report_processing(
    args: argparse.Namespace, worker: subprocess.Popen, first_created: int
) -> bool:
    """Wait (bounded) until every event is processed or ignored, then print the rates and
    check that each Subscription row reflects its newest event. Returns whether all held."""
    from django.db.models import Count, Max, Min

    from webhooks.models import WebhookEvent

    started = time.monotonic()
    done, last_progress, last_done = 0, started, -1
    while time.monotonic() - started < args.time_limit and worker.poll() is None:
        done = WebhookEvent.objects.filter(status__in=["processed", "ignored"]).count()
        if done >= args.events:
            break
        if done != last_done:
            last_done, last_progress = done, time.monotonic()
        elif time.monotonic() - last_progress > 30:
            break
        time.sleep(0.5)
    wall = time.monotonic() - started
    statuses = dict(
        WebhookEvent.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    window = WebhookEvent.objects.aggregate(first=Min("processed_at"), last=Max("processed_at"))
    processes = 1 if args.pool == "solo" else args.worker_concurrency
    seconds = (
        (window["last"] - window["first"]).total_seconds()
        if window["first"] and window["last"]
        else 0.0
    )
    rate = (done - 1) / seconds if seconds > 0 else float("nan")
    mirrored, expected, newest = subscriptions_check(args, first_created)

    print(f"\nprocessing ({args.pool} pool, {processes} process(es))")
    print(f"  events by status              {statuses}")
    print(f"  events/s, all processes       {rate:8.1f}  (first to last processed_at)")
    print(f"  events/s per worker process   {rate / processes:8.1f}")
    print(f"  wall time incl. worker start  {wall:8.1f} s")
    print(f"  Subscription rows             {mirrored}  (expected {expected})")
    print(f"  rows at their newest event    {newest}  (expected {expected})")
    return done >= args.events and mirrored == expected and newest == expected


def subscriptions_check(args: argparse.Namespace, first_created: int) -> tuple[int, int, int]:
    """(rows mirrored, rows expected, rows whose stripe_synced_at is their newest event's)."""
    from customers.models import Subscription

    expected = min(args.subscriptions, args.events)
    rows = dict(Subscription.objects.values_list("stripe_id", "stripe_synced_at"))
    newest = 0
    for number in range(expected):
        last_event = number + args.subscriptions * (
            (args.events - 1 - number) // args.subscriptions
        )
        synced = rows.get(subscription_stripe_id(number))
        newest += synced == datetime.fromtimestamp(first_created + last_event, tz=UTC)
    return len(rows), expected, newest


def report_header(args: argparse.Namespace) -> None:
    print(
        f"webhook intake: {args.events} events, {args.concurrency} client threads, gunicorn "
        f"{args.gunicorn_workers} workers x {args.gunicorn_threads} threads, "
        f"CONN_MAX_AGE={args.conn_max_age}, {os.cpu_count()} CPUs"
    )


def report_load(title: str, result: LoadResult) -> None:
    latencies = result.latencies_ms
    print(f"\n{title}")
    print(f"  sent / errors / unsent        {len(latencies)} / {result.errors} / {result.unsent}")
    print(f"  events/s                      {result.ok / result.seconds:8.1f}")
    for name, fraction in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)):
        print(f"  latency {name} (ms)            {bench_env.percentile(latencies, fraction):8.1f}")
    print(
        f"  load generator CPU            {result.client_cpu_seconds / result.seconds:8.0%}"
        " of one core"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_start(command: list[str], log_path: Path) -> subprocess.Popen:
    """Start a server in its own process group, its output in `log_path`."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            command,
            cwd=bench_env.REPO,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def process_stop(process: subprocess.Popen | None) -> None:
    """SIGTERM (graceful), then after 15 s SIGKILL the process group we started."""
    if process is None:
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=5)


def wait_healthy(base_url: str, process: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise bench_env.BenchSetupError("gunicorn exited before answering /healthz/")
        try:
            if requests.get(f"{base_url}/healthz/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise bench_env.BenchSetupError(f"gunicorn did not answer /healthz/ within {timeout} s")


if __name__ == "__main__":
    sys.exit(main())
