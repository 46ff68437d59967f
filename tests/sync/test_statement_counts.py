"""SQL statements the worker runs to process one event of each mirrored type: a count, the
cost of a processed event in database round trips (benchmarks/README.md)."""

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.sync.test_handlers import (
    T0,
    invoice_object,
    open_link,
    payment_method_object,
    session_object,
)
from tests.webhooks.stripe_events import post_event, stripe_event, subscription_object
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process

__all__ = ["open_link"]  # a fixture

# Target of issue 5: at most 6 statements for an event about an object we mirror already,
# besides the BEGIN and COMMIT of the one transaction it is processed in.
MAX_STATEMENTS = 6
TRANSACTION = ("BEGIN", "COMMIT")


def _statements_to_process(event: dict) -> list[str]:
    """Store `event` as intake does, then process it as the worker does (outside any
    transaction, so its own is BEGIN/COMMIT), counting the statements."""
    stored = WebhookEvent.objects.create(
        stripe_id=event["id"],
        type=event["type"],
        endpoint=WebhookEvent.Endpoint.CONNECT,
        account=event["account"],
        stripe_created=datetime.fromtimestamp(event["created"], tz=UTC),
        payload=event,
    )
    with CaptureQueriesContext(connection) as queries:
        webhook_event_process(stored.pk)
    stored.refresh_from_db()
    assert stored.status == WebhookEvent.Status.PROCESSED, stored.last_error
    statements = [query["sql"] for query in queries.captured_queries]
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT"
    assert not [sql for sql in statements if "SAVEPOINT" in sql], statements
    return [sql for sql in statements if sql not in TRANSACTION]


def test_a_subscription_update_takes_at_most_6_statements(
    client, transactional_db, stripe_customer
):
    subscription = subscription_object(default_payment_method="pm_Test0001")
    post_event(client, stripe_event("customer.subscription.created", subscription, created=T0))
    changed = {**subscription, "status": "past_due"}

    statements = _statements_to_process(
        stripe_event("customer.subscription.updated", changed, created=T0 + 1)
    )

    assert len(statements) <= MAX_STATEMENTS, "\n".join(s[:150] for s in statements)


def test_a_plan_switch_takes_one_statement_more_to_record_the_mrr_movement(
    client, transactional_db, stripe_customer
):
    subscription = subscription_object(default_payment_method="pm_Test0001")
    post_event(client, stripe_event("customer.subscription.created", subscription, created=T0))
    switched = subscription_object(
        default_payment_method="pm_Test0001", price_id="price_Monthly5000", unit_amount=500000
    )
    previous = {"items": subscription["items"]}

    statements = _statements_to_process(
        stripe_event(
            "customer.subscription.updated",
            switched,
            created=T0 + 1,
            previous_attributes=previous,
        )
    )

    assert len(statements) <= MAX_STATEMENTS + 1, "\n".join(s[:150] for s in statements)
    assert [s for s in statements if "customers_mrrmovement" in s][0].startswith("INSERT")


def test_an_invoice_update_takes_at_most_6_statements(client, transactional_db, stripe_customer):
    post_event(client, stripe_event("invoice.finalized", invoice_object(), created=T0))
    paid = invoice_object(status="paid", amount_paid=250000, amount_remaining=0)

    statements = _statements_to_process(stripe_event("invoice.paid", paid, created=T0 + 1))

    assert len(statements) <= MAX_STATEMENTS, "\n".join(s[:150] for s in statements)


def test_a_payment_method_update_takes_at_most_6_statements(
    client, transactional_db, stripe_customer
):
    post_event(client, stripe_event("payment_method.attached", payment_method_object(), created=T0))

    statements = _statements_to_process(
        stripe_event("payment_method.updated", payment_method_object(), created=T0 + 1)
    )

    assert len(statements) <= MAX_STATEMENTS, "\n".join(s[:150] for s in statements)


def test_a_checkout_session_completion_takes_at_most_6_statements(transactional_db, open_link):
    completed = session_object(open_link, status="complete", payment_status="paid")

    statements = _statements_to_process(
        stripe_event("checkout.session.completed", completed, created=T0)
    )

    assert len(statements) <= MAX_STATEMENTS, "\n".join(s[:150] for s in statements)
