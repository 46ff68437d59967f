"""Production settings: Django's deployment check passes, HTTPS is enforced, and a staff
session ends after a working day without a request."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


def deployment_environment() -> dict[str, str]:
    """This process's environment, less what the browser tests allow in it (async-unsafe ORM
    calls), which a deployment never sets."""
    return {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**deployment_environment(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_WITHOUT_HTTPS = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "billing.agency.example",
}
PRODUCTION = {
    **PRODUCTION_WITHOUT_HTTPS,
    "DJANGO_SECURE_COOKIES": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
}


def test_production_settings_pass_the_deployment_check_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_is_on_by_default_and_off_with_debug_for_make_run():
    show = (
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    unset = {"DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS"}
    environment = {
        key: value for key, value in deployment_environment().items() if key not in unset
    }

    production = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=settings.BASE_DIR,
        env={**environment, **PRODUCTION_WITHOUT_HTTPS},
        capture_output=True,
        text=True,
        timeout=120,
    )
    make_run = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=settings.BASE_DIR,
        env={**environment, **PRODUCTION_WITHOUT_HTTPS, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert production.stdout.split() == ["True", "31536000"], production.stderr
    assert make_run.stdout.split() == ["False", "0"], make_run.stderr


def test_plain_http_is_redirected_and_https_answers_with_hsts(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000

    plain = Client().get(reverse("login"))
    secure = Client().get(reverse("login"), secure=True)

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/login/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    # Health checks ask over plain HTTP from inside the host.
    assert Client().get(reverse("healthz")).status_code != 301


def test_a_staff_session_ends_after_a_working_day_without_a_request(owner):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(reverse("login"), {"username": owner.user.email, "password": PASSWORD})
        assert client.get(reverse("dashboard")).status_code == 200

        # Each request starts the idle time again: two long gaps just under the limit.
        clock.shift(timedelta(seconds=settings.STAFF_SESSION_IDLE_SECONDS - 60))
        assert client.get(reverse("dashboard")).status_code == 200
        clock.shift(timedelta(seconds=settings.STAFF_SESSION_IDLE_SECONDS - 60))
        assert client.get(reverse("dashboard")).status_code == 200

        clock.shift(timedelta(seconds=settings.STAFF_SESSION_IDLE_SECONDS + 60))
        response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert settings.STAFF_SESSION_IDLE_SECONDS == 8 * 3600
