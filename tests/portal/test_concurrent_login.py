"""Twenty submissions of the right code at the same moment, from twenty threads with their
own PostgreSQL connections, as a script replaying a stolen code would send them."""

import threading

import pytest
from django.db import connection
from django.test import Client

from portal.models import LoginCode, PortalSession
from tests.factories import ContactFactory
from tests.portal.conftest import last_code_sent_to, request_code, submit_code


@pytest.fixture
def contact(transactional_db, mailoutbox):
    return ContactFactory(email="dana@client.example")


def test_twenty_simultaneous_submissions_of_the_right_code_make_one_session(contact):
    request_code(Client(), contact.email)
    code = last_code_sent_to(contact.email)
    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def submit():
        try:
            client = Client()
            barrier.wait()
            response = submit_code(client, contact.email, code)
            statuses.append((response.status_code, response.get("Location")))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(statuses) == 20
    assert statuses.count((302, "/portal/billing/")) == 1
    assert statuses.count((200, None)) == 19
    assert PortalSession.objects.count() == 1
    assert LoginCode.objects.get().used_at is not None
