"""The environment every benchmark runs in: its own PostgreSQL database and Redis db,
fresh secrets, and Django set up against them.

A benchmark empties its database, so the database name must contain "bench": a benchmark
pointed at a development or production database by mistake refuses to start.
"""

import math
import os
import secrets
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"


class BenchSetupError(Exception):
    pass


def bench_environment(*, database_url: str, redis_url: str, **overrides: str) -> dict[str, str]:
    """Environment variables for Django and its subprocesses (gunicorn, celery). Real
    variables win over the repo's .env file, so everything that matters is set here."""
    return {
        "DJANGO_SETTINGS_MODULE": "agency_billing.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Plain HTTP on loopback: without DEBUG the app would otherwise expect HTTPS.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "STRIPE_MODE": "sandbox",
        "STRIPE_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(24)}",
        "STRIPE_CONNECT_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(24)}",
        "SANDBOX_WEBHOOK_DELIVERY": "off",
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def database_create_if_missing(database_url: str) -> None:
    """Create the benchmark's database on its server unless it exists."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise BenchSetupError(
            f"refusing to use database {name!r}: a benchmark empties its database, so the "
            "name must contain 'bench'"
        )
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_start(environment: dict[str, str], *, redis_flush: bool = True) -> None:
    """Create and migrate the database, empty the Redis db (unless told not to), and set
    Django up in-process."""
    database_create_if_missing(environment["DATABASE_URL"])
    os.environ.update(environment)
    sys.path.insert(0, str(REPO))
    migrate = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput"],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if migrate.returncode != 0:
        raise BenchSetupError(f"manage.py migrate failed:\n{migrate.stderr[-3000:]}")

    import django
    import redis

    # STATIC_ROOT only exists after collectstatic; no page measured here serves static files.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers")
    django.setup()
    if redis_flush:
        redis.Redis.from_url(environment["REDIS_URL"]).flushdb()


def tables_empty(*table_names: str) -> None:
    """TRUNCATE the tables and every table that references them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(table_names)} RESTART IDENTITY CASCADE")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (fraction 0.5 is the median)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]
