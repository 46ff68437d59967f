"""Real processes for worker and fault tests: a private Redis the test can kill, gunicorn
serving the project, and a Celery worker, all against the PostgreSQL test database."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import redis
import requests
from django.conf import settings

from agency_billing.celery import app as celery_app
from tests.conftest import skip_or_fail

PROJECT_DIR = Path(__file__).resolve().parents[2]
START_SECONDS = 30
# Where kombu's Redis transport keeps each message a worker took and has not acked; it puts
# such a message back in the queue once its visibility timeout (an hour) has passed, so a
# task left unacked by a worker killed in an earlier run would come back in a later test.
KOMBU_UNACKED_KEYS = ("unacked", "unacked_index", "unacked_mutex")


def database_url() -> str:
    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        skip_or_fail("a worker process needs the PostgreSQL test database (set DATABASE_URL)")
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def shared_redis_url() -> str:
    url = os.environ.get("REDIS_URL", settings.REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is unreachable at {url}: {error}")
    return url


def broker_empty(url: str) -> None:
    """Empty the shared broker (this process's Celery broker): no task queued and none
    held unacked."""
    assert celery_app.conf.broker_url == url
    celery_app.control.purge()
    redis.Redis.from_url(url).delete(*KOMBU_UNACKED_KEYS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own on a free port, that it can kill and start again
    on the same port (as a broker outage looks to the app)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        try:
            self._process = subprocess.Popen(
                [*command, "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            skip_or_fail("redis-server is not installed")
        _wait_for(lambda: redis.Redis.from_url(self.url).ping(), what="redis-server")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


def app_environment(redis_url: str, **overrides: str) -> dict[str, str]:
    """What a gunicorn or Celery process of the project needs to share this test's
    database, broker and secrets."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "STRIPE_MODE": "sandbox",
        "SANDBOX_WEBHOOK_DELIVERY": "off",
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
        "STRIPE_CONNECT_WEBHOOK_SECRET": settings.STRIPE_CONNECT_WEBHOOK_SECRET,
        **overrides,
    }


def worker_start(log: IO[str], environment: dict[str, str], *, beat: bool = False):
    """`celery worker` (solo pool; with `--beat`, the periodic sweeper too)."""
    command = [sys.executable, "-m", "celery", "-A", "agency_billing", "worker"]
    options = ["--pool=solo", "--concurrency=1", "-Q", "celery", "--loglevel=INFO"]
    quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if beat:
        schedule = Path(environment.get("TMPDIR", "/tmp")) / f"beat-{os.getpid()}-{free_port()}"
        options += ["--beat", f"--schedule={schedule}"]
    return subprocess.Popen(
        command + options + quiet, cwd=PROJECT_DIR, env=environment, stdout=log, stderr=log
    )


def gunicorn_start(log: IO[str], environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """gunicorn serving the project on a free port; returns it and its base URL once
    /healthz/ answers (whatever its status)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "agency_billing.wsgi"]
    options = ["-b", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    process = subprocess.Popen(
        command + options, cwd=PROJECT_DIR, env=environment, stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    _wait_for(lambda: requests.get(f"{base_url}/healthz/", timeout=5), what="gunicorn")
    return process, base_url


def process_stop(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for(probe, *, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            probe()
            return
        except (redis.RedisError, requests.RequestException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
