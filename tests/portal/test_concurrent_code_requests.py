"""Several requests for a login code for one email at the same moment (a double click, a
script), from threads with their own PostgreSQL connections: the per-email limit and "a new
code voids the previous one" hold as if they had come one after another."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from portal.models import LoginCode
from tests.factories import ContactFactory
from tests.portal.conftest import CODE, submit_code

REQUESTS = 8
SPELLINGS = ["dana@client.example", "Dana@Client.example", "DANA@CLIENT.EXAMPLE"]


@pytest.fixture
def contact(transactional_db, mailoutbox):
    return ContactFactory(email="dana@client.example")


def test_simultaneous_requests_for_one_email_issue_3_codes_of_which_one_is_live(contact):
    barrier = threading.Barrier(REQUESTS)
    statuses, errors = [], []

    def request(n: int):
        try:
            client = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
            barrier.wait()
            response = client.post(reverse("portal_login"), {"email": SPELLINGS[n % 3]})
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(statuses) == [302] * 3 + [429] * (REQUESTS - 3)
    assert LoginCode.objects.count() == 3
    assert LoginCode.objects.filter(voided_at=None).count() == 1
    codes = [CODE.search(message.body).group(1) for message in mail.outbox]
    assert 1 <= len(codes) <= 3
    answers = [submit_code(Client(), "dana@client.example", code).status_code for code in codes]
    assert answers.count(302) == 1
