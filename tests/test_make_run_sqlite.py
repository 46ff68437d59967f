"""`make run`, the README's first command, on SQLite: its migrations apply there and a new
user's first walk (tests/make_run_walk.py: sign up, connect Stripe, a plan, a customer, a paid
checkout link and a paid project invoice) ends on Invoices and Revenue pages that show what
was paid. Everything else runs on PostgreSQL, so this is what keeps PostgreSQL-only SQL out of
the demo (the aggregate triggers of invoices/migrations/0004-0007 once broke it).

Run in a child process with make run's environment (the Makefile's `run` target) on a fresh
SQLite file; only the webhook transport differs (Django's test client, as no server is
listening) and the host is the test client's."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_run_environment(database: Path) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "DJANGO_SECURE_", "REDIS_", "CELERY_"))
    }
    return environment | {
        # As the Makefile's run target sets them.
        "DATABASE_URL": f"sqlite:///{database}",
        "DATABASE_CONN_MAX_AGE": "0",
        "STRIPE_MODE": "sandbox",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "DJANGO_DEBUG": "true",
        # No server listens in this process: the sandbox posts its webhooks through Django's
        # test client, whose host is testserver.
        "SANDBOX_WEBHOOK_DELIVERY": "test_client",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "SITE_URL": "http://testserver",
        "DJANGO_SECRET_KEY": "make-run-test-secret-key-" + "x" * 40,
        "STRIPE_WEBHOOK_SECRET": "whsec_make_run_platform",
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_make_run_connect",
    }


def run(arguments: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_make_run_migrates_sqlite_and_a_new_users_walk_shows_the_paid_amounts(tmp_path):
    environment = make_run_environment(tmp_path / "db.sqlite3")

    migrate = run(["manage.py", "migrate", "--noinput"], environment)
    assert migrate.returncode == 0, migrate.stderr[-5000:]
    assert "Applying invoices.0007" in migrate.stdout
    assert "System check identified" not in migrate.stderr, migrate.stderr

    walk = run(["-m", "tests.make_run_walk"], environment)
    assert walk.returncode == 0, walk.stdout[-3000:] + walk.stderr[-5000:]
    assert walk.stdout.splitlines()[-1] == "make run walk: done", walk.stdout
