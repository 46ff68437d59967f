"""Password guessing and sign-up floods are limited: real requests until the limit, then 429."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from tests.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.RATE_LIMITS = {"signup": "3/h"}


def log_in(email: str, password: str, *, ip: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": email, "password": password})


def test_five_wrong_passwords_lock_the_account_with_429_and_a_message(owner):
    email = owner.user.email
    for _ in range(4):
        assert log_in(email, "guess").status_code == 200

    locked = log_in(email, "guess")
    with_the_right_password = log_in(email, PASSWORD)

    assert locked.status_code == 429
    assert with_the_right_password.status_code == 429
    assert "Too many wrong passwords" in with_the_right_password.content.decode()
    assert "locked for 30 minutes" in with_the_right_password.content.decode()


def test_the_account_stays_locked_from_other_addresses(owner):
    for n in range(5):
        log_in(owner.user.email, "guess", ip=f"198.51.100.{n}")

    assert log_in(owner.user.email, PASSWORD, ip="192.0.2.99").status_code == 429
    # Another account from a fresh address is not affected.
    other = MembershipFactory().user
    assert log_in(other.email, PASSWORD, ip="192.0.2.100").status_code == 302


def test_one_address_guessing_many_accounts_is_locked(db):
    users = [UserFactory() for _ in range(6)]
    for user in users[:5]:
        log_in(user.email, "guess", ip="203.0.113.50")

    assert log_in(users[5].email, PASSWORD, ip="203.0.113.50").status_code == 429
    assert log_in(users[5].email, PASSWORD, ip="203.0.113.51").status_code == 302


def test_changing_the_case_of_the_email_does_not_reset_the_count(owner):
    email = owner.user.email
    for n, variant in enumerate([email.upper(), email.title(), email, email.upper(), email]):
        log_in(variant, "guess", ip=f"198.51.100.{n}")

    assert log_in(email, PASSWORD, ip="192.0.2.1").status_code == 429


def test_the_operator_unlocks_an_account_with_a_command(owner):
    for _ in range(5):
        log_in(owner.user.email, "guess")
    assert log_in(owner.user.email, PASSWORD).status_code == 429

    call_command("axes_reset_username", owner.user.email)

    assert log_in(owner.user.email, PASSWORD).status_code == 302


def test_the_operator_unlocks_an_address_in_django_admin(owner):
    for _ in range(5):
        log_in(owner.user.email, "guess")
    operator = get_user_model().objects.create_superuser("ops@platform.example", password=PASSWORD)
    admin = Client(REMOTE_ADDR="192.0.2.200")
    admin.force_login(operator)

    page = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert owner.user.email in page.content.decode()
    attempt_ids = [str(pk) for pk in page.context["cl"].result_list.values_list("pk", flat=True)]
    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempt_ids, "post": "yes"},
    )

    assert log_in(owner.user.email, PASSWORD).status_code == 302


def test_a_very_long_login_name_is_refused_without_an_error(owner):
    response = log_in("x" * 5000 + "@example.com", "guess")

    assert response.status_code == 200
    assert "don't match an account" in response.content.decode()


def signup(client: Client, n: int):
    return client.post(
        reverse("signup"),
        {
            "agency_name": f"Agency {n}",
            "email": f"owner{n}@example.com",
            "password": "a long enough passphrase",
            "currency": "usd",
        },
    )


def test_sign_ups_from_one_address_are_limited_with_429(db):
    for n in range(3):
        assert signup(Client(REMOTE_ADDR="203.0.113.9"), n).status_code == 302

    refused = signup(Client(REMOTE_ADDR="203.0.113.9"), 3)

    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert Agency.objects.count() == 3
    # The form still shows, and another address may still sign up.
    assert Client(REMOTE_ADDR="203.0.113.9").get(reverse("signup")).status_code == 200
    assert signup(Client(REMOTE_ADDR="203.0.113.10"), 4).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    for n in range(3):
        visitor = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert signup(visitor, n).status_code == 302
    # A visitor cannot pick their address by sending a header of their own.
    for n in range(3, 6):
        spoofed = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.77")
        assert signup(spoofed, n).status_code == 302
    again = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert signup(again, 9).status_code == 429
