"""Logging in to /portal/ with an emailed one-time code, and what an attacker gets."""

import re
from datetime import timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import LoginCode, PortalSession
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.portal.conftest import (
    after_commit,
    last_code_sent_to,
    log_in,
    request_code,
    submit_code,
)

WRONG_OR_EXPIRED = "That code is wrong or has expired."


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_contact_gets_a_6_digit_code_by_email_and_logs_in(contact, mailoutbox):
    client = Client()

    response = request_code(client, "Dana@Client.example ")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal_code"))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["dana@client.example"]
    assert "Brightside Marketing" in message.body
    assert "valid for 10 minutes" in message.body
    code = last_code_sent_to(contact.email)
    assert re.fullmatch(r"\d{6}", code)

    response = submit_code(client, contact.email, code)

    assert response.status_code == 302
    assert response["Location"] == reverse("portal_billing")
    page = client.get(reverse("portal_billing"))
    assert page.status_code == 200
    assert "Client Co" in page.content.decode()


def test_the_code_is_stored_only_as_a_hash(contact):
    request_code(Client(), contact.email)
    code = last_code_sent_to(contact.email)

    row = LoginCode.objects.get()
    assert code not in row.code_hash
    assert len(row.code_hash) == 64


def test_the_login_link_can_carry_the_email(db):
    page = Client().get(reverse("portal_login"), {"email": "dana@client.example"})

    assert 'value="dana@client.example"' in page.content.decode()


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_an_unknown_email_is_answered_exactly_like_a_contact(contact, mailoutbox):
    known, unknown = Client(), Client()

    known_answer = request_code(known, "dana@client.example")
    unknown_answer = request_code(unknown, "mallory@client.example")

    assert known_answer.status_code == unknown_answer.status_code == 302
    assert known_answer.content == unknown_answer.content
    known_page = known.get(known_answer["Location"]).content.decode()
    unknown_page = unknown.get(unknown_answer["Location"]).content.decode()
    assert _without_csrf(known_page).replace("dana", "X") == _without_csrf(unknown_page).replace(
        "mallory", "X"
    )
    assert [m.to for m in mailoutbox] == [["dana@client.example"]]

    known_wrong = submit_code(known, "dana@client.example", "000000")
    unknown_wrong = submit_code(unknown, "mallory@client.example", "000000")
    assert known_wrong.status_code == unknown_wrong.status_code == 200
    assert WRONG_OR_EXPIRED in unknown_wrong.content.decode()
    assert _without_csrf(known_wrong.content.decode()).replace("dana", "X") == _without_csrf(
        unknown_wrong.content.decode()
    ).replace("mallory", "X")


def test_a_wrong_code_is_refused(contact):
    client = Client()
    request_code(client, contact.email)

    response = submit_code(client, contact.email, other_code(last_code_sent_to(contact.email)))

    assert response.status_code == 200
    assert WRONG_OR_EXPIRED in response.content.decode()
    assert not PortalSession.objects.exists()
    assert client.get(reverse("portal_billing"))["Location"] == reverse("portal_login")


def test_a_code_expires_after_10_minutes(contact):
    client = Client()
    request_code(client, contact.email)
    code = last_code_sent_to(contact.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = submit_code(client, contact.email, code)

    assert WRONG_OR_EXPIRED in response.content.decode()
    assert not PortalSession.objects.exists()


def test_a_code_still_works_just_before_it_expires(contact):
    client = Client()
    request_code(client, contact.email)
    code = last_code_sent_to(contact.email)

    with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=50)):
        response = submit_code(client, contact.email, code)

    assert response.status_code == 302


def test_a_code_works_once(contact):
    first, second = Client(), Client()
    request_code(first, contact.email)
    code = last_code_sent_to(contact.email)
    assert submit_code(first, contact.email, code).status_code == 302

    response = submit_code(second, contact.email, code)

    assert WRONG_OR_EXPIRED in response.content.decode()
    assert PortalSession.objects.count() == 1


def test_a_new_code_voids_the_previous_one(contact):
    client = Client()
    request_code(client, contact.email)
    old = last_code_sent_to(contact.email)
    request_code(client, contact.email)
    new = last_code_sent_to(contact.email)

    assert LoginCode.objects.exclude(voided_at=None).count() == 1
    if old != new:  # the two random codes are equal one time in a million
        assert WRONG_OR_EXPIRED in submit_code(client, contact.email, old).content.decode()
    assert submit_code(client, contact.email, new).status_code == 302


def test_five_wrong_tries_burn_the_code(contact):
    client = Client()
    request_code(client, contact.email)
    code = last_code_sent_to(contact.email)
    for _ in range(5):
        submit_code(client, contact.email, other_code(code))

    response = submit_code(client, contact.email, code)

    assert WRONG_OR_EXPIRED in response.content.decode()
    assert not PortalSession.objects.exists()
    assert LoginCode.objects.get().failed_attempts == 5


def test_four_wrong_tries_leave_the_code_usable(contact):
    client = Client()
    request_code(client, contact.email)
    code = last_code_sent_to(contact.email)
    for _ in range(4):
        submit_code(client, contact.email, other_code(code))

    assert submit_code(client, contact.email, code).status_code == 302


def test_at_most_3_codes_per_email_per_15_minutes(contact, mailoutbox):
    client = Client()
    for _ in range(3):
        assert request_code(client, contact.email).status_code == 302

    refused = request_code(client, contact.email)

    assert refused.status_code == 429
    assert "Too many login codes were requested" in refused.content.decode()
    assert len(mailoutbox) == 3
    # the last code sent still works
    assert submit_code(client, contact.email, last_code_sent_to(contact.email)).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1)):
        assert request_code(client, contact.email).status_code == 302
    assert len(mailoutbox) == 4


def test_the_email_limit_answers_an_unknown_email_the_same_way(contact):
    known, unknown = Client(), Client()
    for _ in range(3):
        request_code(known, contact.email)
        request_code(unknown, "mallory@client.example")

    known_refused = request_code(known, contact.email)
    unknown_refused = request_code(unknown, "mallory@client.example")

    assert known_refused.status_code == unknown_refused.status_code == 429
    assert _without_csrf(known_refused.content.decode()).replace(
        "dana@client.example", "X"
    ) == _without_csrf(unknown_refused.content.decode()).replace("mallory@client.example", "X")


def test_one_ip_address_may_request_a_limited_number_of_codes(db, settings, mailoutbox):
    settings.PORTAL_LOGIN_CODES_PER_IP = 4
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(4):
        assert request_code(attacker, f"guess{n}@client.example").status_code == 302

    assert request_code(attacker, "guess5@client.example").status_code == 429
    neighbour = Client(REMOTE_ADDR="203.0.113.10")
    assert request_code(neighbour, "guess5@client.example").status_code == 302


def test_an_invalid_code_format_is_explained_by_the_field(contact):
    client = Client()
    request_code(client, contact.email)

    response = submit_code(client, contact.email, "12ab")

    assert "Enter the 6-digit code from the email." in response.content.decode()


def test_log_out_ends_the_portal_session(portal_client):
    response = portal_client.post(reverse("portal_logout"))

    assert response.status_code == 302
    assert not PortalSession.objects.exists()
    assert portal_client.get(reverse("portal_billing"))["Location"] == reverse("portal_login")


def test_a_portal_session_lasts_the_configured_number_of_days(contact, settings):
    settings.PORTAL_SESSION_DAYS = 3
    client = Client()
    log_in(client, contact.email)

    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert client.get(reverse("portal_billing")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert client.get(reverse("portal_billing"))["Location"] == reverse("portal_login")


def test_removing_the_contact_ends_its_session_at_the_next_request(portal_client, contact):
    contact.delete()

    response = portal_client.get(reverse("portal_billing"))

    assert response["Location"] == reverse("portal_login")
    assert not PortalSession.objects.exists()


def test_changing_the_contacts_email_ends_its_session(portal_client, contact):
    contact.email = "someone-else@client.example"
    contact.save()

    assert portal_client.get(reverse("portal_billing"))["Location"] == reverse("portal_login")


def test_a_portal_session_never_opens_a_staff_page(portal_client):
    response = portal_client.get(reverse("customer_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_staff_login_never_opens_the_portal(owner):
    staff = client_for(owner)
    ContactFactory(email=owner.user.email)

    assert staff.get(reverse("portal_billing"))["Location"] == reverse("portal_login")


def test_the_portal_cookie_is_http_only_and_scoped_to_the_portal(contact):
    client = Client()
    log_in(client, contact.email)

    cookie = client.cookies["portal_session"]
    assert cookie["httponly"]
    assert cookie["path"] == "/portal/"
    assert cookie["samesite"] == "Lax"


def test_portal_pages_are_never_cached(portal_client):
    response = portal_client.get(reverse("portal_billing"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_logging_in_again_ends_the_browsers_previous_session(portal_client, contact):
    first = PortalSession.objects.get()

    log_in(portal_client, contact.email)

    assert not PortalSession.objects.filter(pk=first.pk).exists()
    assert PortalSession.objects.count() == 1


def test_old_codes_and_expired_sessions_are_purged(portal_client, contact):
    from portal.tasks import purge_login_records

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        request_code(Client(), contact.email)  # a fresh code stays, the day-old one goes
        purge_login_records.delay()
        assert LoginCode.objects.count() == 1
        assert PortalSession.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        purge_login_records.delay()
        assert not LoginCode.objects.exists()
        assert not PortalSession.objects.exists()


def test_asking_for_a_code_does_the_same_work_for_a_contact_and_a_stranger(contact):
    """Mailing the code is left to a task that runs after the answer, so the request itself
    runs the same statements either way (and so takes the same time)."""

    def statements(email: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            Client().post(reverse("portal_login"), {"email": email})
        return [query["sql"].replace(email, "EMAIL") for query in captured.captured_queries]

    known, unknown = statements(contact.email), statements("mallory@client.example")

    def shape(sql: str) -> str:  # values and savepoint names differ, statements must not
        return re.sub(r"'[^']*'|\"s\d+_x\d+\"", "?", sql)

    assert len(known) > 3
    assert [shape(sql) for sql in known] == [shape(sql) for sql in unknown]


def test_one_address_may_enter_a_limited_number_of_codes(contact, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "portal_code": "3/15m"}
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    request_code(Client(), contact.email)
    code = last_code_sent_to(contact.email)
    for _ in range(3):
        assert submit_code(attacker, contact.email, other_code(code)).status_code == 200

    refused = submit_code(attacker, contact.email, code)

    assert refused.status_code == 429
    assert not PortalSession.objects.exists()
    assert submit_code(Client(), contact.email, code).status_code == 302


def test_the_code_never_travels_in_the_task_message(contact):
    """The worker makes the code itself: the broker only ever holds a row id."""
    from celery.signals import task_prerun

    messages = []

    def record(sender=None, task_id=None, task=None, args=None, kwargs=None, **_):
        messages.append(repr((args, kwargs)))

    task_prerun.connect(record, weak=False)
    try:
        request_code(Client(), contact.email)
    finally:
        task_prerun.disconnect(record)

    code = last_code_sent_to(contact.email)
    assert len(messages) == 1
    assert code not in messages[0]
    assert submit_code(Client(), contact.email, code).status_code == 302


def test_a_code_voided_before_its_task_ran_is_never_mailed(contact, mailoutbox):
    """Two requests in a row whose tasks run late: only the newer code is mailed."""
    with after_commit():  # both tasks run after both answers
        Client().post(reverse("portal_login"), {"email": contact.email})
        Client().post(reverse("portal_login"), {"email": contact.email})

    assert len(mailoutbox) == 1
    assert submit_code(Client(), contact.email, last_code_sent_to(contact.email)).status_code == 302


def test_the_login_email_is_not_case_sensitive(db, mailoutbox):
    contact = ContactFactory(email="Dana@Client.example", customer__name="Client Co")
    client = Client()

    assert request_code(client, "dana@client.example").status_code == 302
    assert request_code(client, "DANA@CLIENT.EXAMPLE").status_code == 302
    assert request_code(client, " dana@Client.Example").status_code == 302
    refused = request_code(client, "Dana@Client.example")

    assert refused.status_code == 429  # the limit counts every spelling of one email
    assert [m.to for m in mailoutbox] == [[contact.email]] * 3
    code = last_code_sent_to(contact.email)
    assert submit_code(client, "dAnA@cLiEnT.eXaMpLe", code).status_code == 302
    assert "Client Co" in client.get(reverse("portal_billing")).content.decode()
