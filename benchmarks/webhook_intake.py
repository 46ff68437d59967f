"""Webhook intake throughput and latency, and (with --process) events mirrored per second.

Starts gunicorn on a free loopback port with CELERY_TASK_ALWAYS_EAGER=false, so a request only
verifies the signature, stores the WebhookEvent and enqueues its task in Redis. Then sends
N distinct signed `customer.subscription.updated` events to /webhooks/stripe/connect/ from C
client threads, and re-sends some of them as duplicate deliveries.

With --process, a real Celery worker runs during the load and drains the queue. The events
name an agency and customers that exist, so each one really upserts a Subscription (and
links a PaymentMethod). It prints processed events/s, the mean task time, new database
connections per event, and SQL statements per event by type (counted in-process on the
worker's code path).

    .venv/bin/python benchmarks/webhook_intake.py [--quick] [--process]

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

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
        CELERY_DB_REUSE_MAX=str(args.db_reuse_max),
        DATABASE_PREPARE_THRESHOLD=str(args.prepare_threshold),
        DATABASE_WORKER_SYNCHRONOUS_COMMIT=args.worker_synchronous_commit,
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

        statements = statements_per_event() if args.process else {}
        sessions_before = database_sessions()
        if args.process:
            # The realistic set-up: the worker drains the queue while the events arrive.
            worker = process_start(worker_command(args, run_id), logs / "worker.log")
            wait_worker_ready(logs / "worker.log", worker, timeout=60)
        cpu_before = cpu_seconds(gunicorn, worker)
        load_started = datetime.now(tz=UTC)
        intake = load_send(
            url,
            bodies,
            secret,
            args.concurrency,
            args.time_limit,
            client=args.client,
            rate=args.rate,
        )
        stored = stored_events()
        queued = queued_tasks(args.redis_url)
        processed = (
            wait_processed(args, worker, load_started, logs / "worker.log") if worker else None
        )
        cpu_used = {
            name: seconds - cpu_before.get(name, 0.0)
            for name, seconds in cpu_seconds(gunicorn, worker).items()
        }
        cpu_used["load generator"] = intake.client_cpu_seconds
        new_sessions = database_sessions() - sessions_before
        duplicates = load_send(
            url,
            bodies[: args.duplicates],
            secret,
            args.concurrency,
            args.time_limit,
            client=args.client,
        )
        stored_after = stored_events()
        process_stop(gunicorn)

        report_header(args)
        report_load("intake (new events)" + (", worker running" if worker else ""), intake)
        print(f"  WebhookEvent rows stored      {stored}  (expected {args.events})")
        print(f"  tasks queued in Redis         {queued}  (when the load ended)")
        report_load("duplicate deliveries", duplicates)
        print(
            f"  WebhookEvent rows after       {stored_after}  (unchanged: {stored_after == stored})"
        )

        failed = stored != args.events or stored_after != stored or intake.errors
        if processed is not None:
            failed |= not report_processing(args, processed, first_created, new_sessions)
            report_cpu(cpu_used, args.events, processed.seconds_from_load_start)
            report_statements(statements)
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
    parser.add_argument(
        "--client",
        choices=["http.client", "requests"],
        default="http.client",
        help="the load generator's HTTP client (requests: as the figures before 2026-12-06)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="events/s to offer, spread over the client threads (default: each thread sends "
        "again as soon as it is answered); latency then counts from when an event was due",
    )
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
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=1000,
        help="CELERY_DB_REUSE_MAX for the worker (0: a new connection per task, Celery's default)",
    )
    parser.add_argument(
        "--prepare-threshold",
        type=int,
        default=5,
        help="DATABASE_PREPARE_THRESHOLD for gunicorn and the worker (0: no prepared statements)",
    )
    parser.add_argument(
        "--worker-synchronous-commit",
        choices=["on", "off"],
        default="off",
        help="DATABASE_WORKER_SYNCHRONOUS_COMMIT (on: the worker waits for the disk on commit)",
    )
    parser.add_argument(
        "--process", action="store_true", help="run a Celery worker during the load"
    )
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


def invoice_object(number: int, *, customer: int, created: int) -> dict:
    return {
        "id": f"in_bench{number:06d}",
        "object": "invoice",
        "customer": customer_stripe_id(customer),
        "status": "paid",
        "currency": "usd",
        "number": f"BENCH-{number:06d}",
        "total": 250000,
        "amount_due": 250000,
        "amount_paid": 250000,
        "amount_remaining": 0,
        "created": created,
        "due_date": None,
        "hosted_invoice_url": None,
        "invoice_pdf": None,
        "status_transitions": {"paid_at": created},
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_stripe_id(number)},
        },
    }


def payment_method_object(number: int, *, customer: int) -> dict:
    return {
        "id": f"pm_bench{number:06d}",
        "object": "payment_method",
        "type": "card",
        "customer": customer_stripe_id(customer),
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
    }


def subscription_stripe_id(number: int) -> str:
    return f"sub_bench{number:06d}"


def stripe_signature(secret: str, body: bytes) -> str:
    timestamp = int(time.time())
    signed = f"{timestamp}.".encode() + body
    return f"t={timestamp},v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"


def load_send(
    url: str,
    bodies: list[bytes],
    secret: str,
    concurrency: int,
    time_limit: float,
    *,
    client: str = "http.client",
    rate: float | None = None,
) -> LoadResult:
    """POST every body once, signed at send time, from `concurrency` threads, each with its
    own keep-alive connection. Requests not started by `time_limit` are counted as unsent.

    Without `rate` each thread sends its next event as soon as the last one is answered (a
    closed loop: the server is always saturated). With `rate` (events/s, all threads
    together) event n is due `n / rate` seconds after the start, as events arrive in
    production; its latency counts from when it was due, so a server that falls behind is
    charged for the wait of the events queued behind a slow one."""
    deadline = time.monotonic() + time_limit
    start = time.perf_counter()

    def send_share(thread: int) -> LoadResult:
        latencies, errors, unsent = [], 0, 0
        with sender_open(url, client) as post:
            for number in range(thread, len(bodies), concurrency):
                if time.monotonic() > deadline:
                    unsent += 1
                    continue
                due = start + number / rate if rate else None
                if due is not None:
                    time.sleep(max(0.0, due - time.perf_counter()))
                body = bodies[number]
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": stripe_signature(secret, body),
                }
                started = time.perf_counter() if due is None else due
                try:
                    errors += post(body, headers) != 200
                except (OSError, http.client.HTTPException):  # requests' errors are OSErrors
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)
        return LoadResult(0, latencies, errors, unsent)

    cpu_started = time.process_time()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(send_share, range(concurrency)))
    return LoadResult(
        client_cpu_seconds=time.process_time() - cpu_started,
        seconds=time.perf_counter() - start,
        latencies_ms=sorted(latency for result in results for latency in result.latencies_ms),
        errors=sum(result.errors for result in results),
        unsent=sum(result.unsent for result in results),
    )


@contextlib.contextmanager
def sender_open(url: str, client: str) -> Iterator[Callable[[bytes, dict[str, str]], int]]:
    """One keep-alive connection to `url`, as a function that POSTs a body and returns the
    HTTP status. The client's CPU and its threads' turns at the GIL are inside every
    latency it measures, on the cores the server uses: http.client costs a fraction of
    what requests costs per POST (the figures before 2026-12-06 were taken with requests,
    still here as `--client requests`)."""
    if client == "requests":
        with requests.Session() as session:
            yield (
                lambda body, headers: (
                    session.post(
                        url, data=body, headers=headers, timeout=REQUEST_TIMEOUT_SECONDS
                    ).status_code
                )
            )
        return
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=REQUEST_TIMEOUT_SECONDS
    )

    def post(body: bytes, headers: dict[str, str]) -> int:
        try:
            connection.request("POST", parts.path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except BaseException:
            connection.close()  # the next request opens a new connection
            raise
        return response.status

    try:
        yield post
    finally:
        connection.close()


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


@dataclass
class Processing:
    done: int
    statuses: dict
    seconds_from_load_start: float
    seconds_first_to_last: float
    task_seconds: list[float]


def wait_worker_ready(log_path: Path, worker: subprocess.Popen, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise bench_env.BenchSetupError(f"the worker exited; see {log_path}")
        if b" ready." in log_path.read_bytes():
            return
        time.sleep(0.2)
    raise bench_env.BenchSetupError(f"the worker was not ready within {timeout} s")


def wait_processed(
    args: argparse.Namespace, worker: subprocess.Popen, load_started: datetime, log_path: Path
) -> Processing:
    """Wait (bounded) until every event is processed or ignored; gather the figures."""
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
    statuses = dict(
        WebhookEvent.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    window = WebhookEvent.objects.aggregate(first=Min("processed_at"), last=Max("processed_at"))
    first, last = window["first"], window["last"]
    return Processing(
        done=done,
        statuses=statuses,
        seconds_from_load_start=(last - load_started).total_seconds() if last else 0.0,
        seconds_first_to_last=(last - first).total_seconds() if first and last else 0.0,
        task_seconds=task_times(log_path),
    )


def task_times(log_path: Path) -> list[float]:
    """Each webhook task's run time, from the worker log ("succeeded in 0.0123s"): drain
    tasks (process_pending_events, many events each) and single-event ones (process_event,
    retries and sweeps)."""
    pattern = re.compile(rb"process_(?:pending_events|event)\[[^]]+\] succeeded in ([0-9.]+)s")
    return [float(match) for match in pattern.findall(log_path.read_bytes())]


def cpu_seconds(
    gunicorn: subprocess.Popen | None, worker: subprocess.Popen | None
) -> dict[str, float]:
    """CPU time (user + system) used so far by gunicorn's and the worker's process groups,
    and by the PostgreSQL backends connected to the benchmark's database (this script's
    own apart). Read from /proc: Linux only; a process that exited is not counted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = {row[0] for row in cursor.fetchall()}
    groups = {"web (gunicorn)": gunicorn, "worker (celery)": worker}
    used = dict.fromkeys([*(name for name, p in groups.items() if p), "PostgreSQL"], 0.0)
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        group = int(fields[2])
        for name, process in groups.items():
            if process is not None and group == process.pid:
                used[name] += seconds
        if int(entry.name) in backends:
            used["PostgreSQL"] += seconds
    return used


def report_cpu(used: dict[str, float], events: int, seconds: float) -> None:
    """CPU per event by process, from the load's start until the last event was processed."""
    cores = os.cpu_count() or 1
    print("\nCPU per event, load start to last processed (ms; PostgreSQL = its backends)")
    for name, cpu in used.items():
        print(f"  {name:28s}{1000 * cpu / events:8.2f}")
    total = sum(used.values())
    print(
        f"  {'all of the above':28s}{1000 * total / events:8.2f}"
        f"  ({total / (seconds * cores):.0%} of the {cores} cores over {seconds:.1f} s)"
    )


def database_sessions() -> int:
    """Connections ever opened to the benchmark's database (PostgreSQL 14+)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def report_processing(
    args: argparse.Namespace, processed: Processing, first_created: int, new_sessions: int
) -> bool:
    """Print the processing figures and check that each Subscription row reflects its
    newest event. Returns whether all held."""
    processes = 1 if args.pool == "solo" else args.worker_concurrency
    end_to_end = args.events / processed.seconds_from_load_start
    drain = (processed.done - 1) / processed.seconds_first_to_last
    tasks = processed.task_seconds
    task_ms_per_event = 1000 * sum(tasks) / processed.done if processed.done else float("nan")
    mirrored, expected, newest = subscriptions_check(args, first_created)

    print(f"\nprocessing ({args.pool} pool, {processes} process(es), running during the load)")
    print(f"  events by status              {processed.statuses}")
    print(f"  processed events/s            {end_to_end:8.1f}  (load start to last processed)")
    print(f"  processed events/s, draining  {drain:8.1f}  (first to last processed_at)")
    print(f"  per worker process            {drain / processes:8.1f}")
    print(f"  tasks run (worker log)        {len(tasks):8d}  ({processed.done} events)")
    print(f"  task time per event           {task_ms_per_event:8.2f} ms  (worker log)")
    print(
        f"  new DB connections per event  {new_sessions / args.events:8.3f}"
        f"  ({new_sessions} for {args.events} events, web and worker)"
    )
    print(f"  Subscription rows             {mirrored}  (expected {expected})")
    print(f"  rows at their newest event    {newest}  (expected {expected})")
    return processed.done >= args.events and mirrored == expected and newest == expected


def statements_per_event() -> dict[str, int]:
    """SQL statements (BEGIN and COMMIT apart) to process one event of each mirrored type,
    counted in this process on the worker's code path, for objects seen before (the steady
    state) and for a first event that creates its mirror row. Leaves no row behind."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from customers.models import Activity, PaymentMethod, Subscription
    from invoices.models import Invoice
    from webhooks.models import WebhookEvent
    from webhooks.services import webhook_event_process

    created = int(time.time()) - 10_000
    subscription = subscription_object(900_000, customer=0, created=created)
    first, moved = " (first event of the object)", " (status moved: MRR movement, Activity line)"
    # (type, label, object, previous_attributes); label None: not counted. A running worker
    # process has its agency already (webhooks.handlers keeps it a minute), so the first,
    # uncounted event reads it and the counts are those of a worker that read it before.
    samples: list[tuple[str, str | None, dict, dict]] = [
        ("payment_method.updated", None, payment_method_object(900_001, customer=0), {}),
        ("customer.subscription.updated", first, subscription, {}),
        ("customer.subscription.updated", "", subscription, {}),
        # What every event of the load is: trialing → active.
        ("customer.subscription.updated", moved, subscription, {"status": "trialing"}),
        (
            "customer.subscription.updated",
            " (first event of the object; status moved)",
            subscription_object(900_002, customer=0, created=created),
            {"status": "trialing"},
        ),
        ("invoice.paid", first, invoice_object(900_000, customer=0, created=created), {}),
        ("invoice.paid", "", invoice_object(900_000, customer=0, created=created), {}),
        ("payment_method.updated", first, payment_method_object(900_000, customer=0), {}),
        ("payment_method.updated", "", payment_method_object(900_000, customer=0), {}),
    ]
    counts = {}
    for number, (event_type, label, data, previous) in enumerate(samples):
        event = WebhookEvent.objects.create(
            stripe_id=f"evt_bench_statements{number}",
            type=event_type,
            endpoint=WebhookEvent.Endpoint.CONNECT,
            account=ACCOUNT,
            stripe_created=datetime.fromtimestamp(created + number, tz=UTC),
            payload={"data": {"object": data, "previous_attributes": previous}},
        )
        with CaptureQueriesContext(connection) as queries:
            webhook_event_process(event.pk)
        event.refresh_from_db()
        if event.status != "processed":
            raise bench_env.BenchSetupError(f"{event_type}: {event.status} {event.last_error}")
        if label is None:
            continue
        statements = [
            q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")
        ]
        counts[event_type + label] = len(statements)
    Activity.objects.filter(stripe_event_id__startswith="evt_bench_statements").delete()
    WebhookEvent.objects.filter(stripe_id__startswith="evt_bench_statements").delete()
    Subscription.objects.filter(
        stripe_id__in=[subscription_stripe_id(900_000), subscription_stripe_id(900_002)]
    ).delete()
    Invoice.objects.filter(stripe_id="in_bench900000").delete()
    PaymentMethod.objects.filter(stripe_id__startswith="pm_bench9000").delete()
    return counts


def report_statements(counts: dict[str, int]) -> None:
    print("\nSQL statements per processed event, BEGIN/COMMIT apart (in-process, same code)")
    for name, count in counts.items():
        print(f"  {name:76} {count}")


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
        f"webhook intake: {args.events} events, {args.concurrency} client threads "
        f"({args.client}, {f'{args.rate:g} events/s offered' if args.rate else 'closed loop'}), "
        "gunicorn "
        f"{args.gunicorn_workers} workers x {args.gunicorn_threads} threads, "
        f"CONN_MAX_AGE={args.conn_max_age}, CELERY_DB_REUSE_MAX={args.db_reuse_max}, "
        f"DATABASE_PREPARE_THRESHOLD={args.prepare_threshold}, "
        f"worker synchronous_commit={args.worker_synchronous_commit}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start"
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
