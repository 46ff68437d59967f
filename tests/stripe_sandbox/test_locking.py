"""Reads take no row locks: a GET made while another transaction holds an object (a webhook
handler half way through an update) answers at once, as Stripe's reads do; writes still
wait for the row."""

import threading

import pytest
from django.db import connection, transaction

from stripe_sandbox.models import SandboxObject

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def row_held_elsewhere():
    """`hold(object_id)`: another connection locks the row until the test ends."""
    release, held = threading.Event(), threading.Event()

    def hold_in_thread(object_id: str) -> None:
        try:
            with transaction.atomic():
                SandboxObject.objects.select_for_update().get(id=object_id)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def hold(object_id: str) -> None:
        threading.Thread(target=hold_in_thread, args=(object_id,), daemon=True).start()
        assert held.wait(10), "the other connection could not lock the row"

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")
    yield hold
    release.set()
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


def test_retrieving_a_subscription_does_not_wait_for_a_writer(
    client, on_account, subscription, row_held_elsewhere
):
    row_held_elsewhere(subscription.id)

    read = client.v1.subscriptions.retrieve(subscription.id, options=on_account)

    assert read.id == subscription.id and read.status == "active"


def test_updating_a_subscription_still_waits_for_the_writer(
    client, on_account, subscription, row_held_elsewhere
):
    row_held_elsewhere(subscription.id)

    with pytest.raises(Exception, match="lock timeout"):
        client.v1.subscriptions.update(subscription.id, {"metadata": {"note": "x"}}, on_account)
