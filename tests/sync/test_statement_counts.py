"""SQL statements the worker runs to process the events Stripe sends when a client pays a
checkout link (its card attached, the subscription, the first invoice paid by card, the
session completed) and when the subscription changes later: a count, the cost of an event
in database round trips (benchmarks/README.md). Each event is Stripe's own (the sandbox's),
processed in the order Stripe sent it, one second after the one before."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from agency_billing.stripe_client import account_options, stripe_client
from customers.models import Activity, PaymentMethod, Subscription
from invoices.models import Invoice, RevenueMonth
from plans.services import plan_create
from stripe_sandbox.models import SandboxEvent
from stripe_sandbox.operation import current as sandbox_operation_running
from tests.factories import CustomerFactory
from tests.sync.stripe_timeline import monthly_link, pay_and_close_the_tab, stripe_events
from tests.sync.test_handlers import T0
from tests.webhooks.stripe_events import post_event, stripe_event, subscription_object
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_process

# Target of issue 5: at most 6 statements for a subscription, invoice, checkout-session or
# payment-method event, besides the BEGIN and COMMIT of the one transaction it is
# processed in.
MAX_STATEMENTS = 6
MIRRORED = ("customer.subscription.", "invoice.", "checkout.session.", "payment_method.")


def _statements_to_process(event: dict) -> tuple[str, list[str]]:
    """Store `event` as intake does, then process it as the worker does (outside any
    transaction); its status and the statements, BEGIN and COMMIT apart. What the sandbox
    runs to answer our Stripe API calls is Stripe's work, not counted."""
    stored = WebhookEvent.objects.create(
        stripe_id=event["id"],
        type=event["type"],
        endpoint=WebhookEvent.Endpoint.CONNECT,
        account=event["account"],
        stripe_created=datetime.fromtimestamp(event["created"], tz=UTC),
        payload=event,
    )
    statements = []

    def count(execute, sql, params, many, context):
        if sandbox_operation_running() is None and "stripe_sandbox_" not in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        webhook_event_process(stored.pk)
    stored.refresh_from_db()
    assert not [sql for sql in statements if "SAVEPOINT" in sql], statements
    return stored.status, statements


def _process_in_order(agency, first_created: int) -> dict[str, list[str]]:
    """Process the agency's new Stripe events oldest first, one second apart; the statements
    of each mirrored event by type."""
    counted = {}
    stored = set(WebhookEvent.objects.values_list("stripe_id", flat=True))
    for number, listed in enumerate(stripe_events(agency)):
        if listed.id in stored:
            continue
        event = SandboxEvent.objects.get(stripe_id=listed.id).data
        event["created"] = first_created + number
        status, statements = _statements_to_process(event)
        if event["type"].startswith(MIRRORED):
            assert status == WebhookEvent.Status.PROCESSED, (event["type"], status)
            counted[event["type"]] = statements
    return counted


def _over_target(counted: dict[str, list[str]]) -> str:
    return "\n\n".join(
        f"{event_type}: {len(statements)}\n" + "\n".join(sql[:160] for sql in statements)
        for event_type, statements in counted.items()
        if len(statements) > MAX_STATEMENTS
    )


@pytest.fixture
def paid_checkout(transactional_db, connected_agency, settings):
    """A client paid a monthly link by card (no trial); Stripe's events are held."""
    settings.SANDBOX_WEBHOOK_DELIVERY = "off"
    plan = plan_create(agency=connected_agency, name="Retainer", monthly_amount=250000)
    customer = CustomerFactory(agency=connected_agency, plan=plan, email="dana@client.example")
    subscription = pay_and_close_the_tab(Client(), monthly_link(customer))
    return customer, subscription


def test_each_event_of_a_paid_checkout_takes_at_most_6_statements(paid_checkout):
    customer, subscription = paid_checkout
    first_created = int(subscription.created) + 10

    counted = _process_in_order(customer.agency, first_created)

    assert set(counted) >= {
        "payment_method.attached",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    }
    assert not _over_target(counted), _over_target(counted)
    # What Stripe told us is mirrored: the card, the subscription, the invoice paid by card
    # with its fees, the revenue month and the Activity line.
    invoice = Invoice.objects.get(customer=customer)
    assert (invoice.status, invoice.amount_paid, invoice.card_last4) == ("paid", 250000, "4242")
    assert invoice.stripe_fee == 250000 * 29 // 1000 + 30
    month = RevenueMonth.objects.get(customer=customer)
    assert (month.payments, month.gross, month.stripe_fees) == (1, 250000, invoice.stripe_fee)
    assert Subscription.objects.get(customer=customer).status == "active"
    assert PaymentMethod.objects.get(customer=customer).last4 == "4242"
    assert Activity.objects.filter(customer=customer, kind="invoice_paid").count() == 1


def test_a_later_subscription_update_takes_at_most_6_statements(paid_checkout):
    customer, subscription = paid_checkout
    first_created = int(subscription.created) + 10
    _process_in_order(customer.agency, first_created)
    stripe_client().v1.subscriptions.update(
        subscription.id,
        {"cancel_at_period_end": True},
        account_options(customer.agency.stripe_account_id),
    )

    counted = _process_in_order(customer.agency, first_created + 100)

    assert "customer.subscription.updated" in counted
    assert not _over_target(counted), _over_target(counted)
    assert Subscription.objects.get(customer=customer).cancel_at_period_end


def test_a_plan_switch_records_its_mrr_movement_within_6_statements(
    client, transactional_db, stripe_customer
):
    subscription = subscription_object(default_payment_method="pm_Test0001")
    post_event(client, stripe_event("customer.subscription.created", subscription, created=T0))
    switched = subscription_object(
        default_payment_method="pm_Test0001", price_id="price_Monthly5000", unit_amount=500000
    )
    previous = {"items": subscription["items"]}

    status, statements = _statements_to_process(
        stripe_event(
            "customer.subscription.updated", switched, created=T0 + 1, previous_attributes=previous
        )
    )

    assert status == WebhookEvent.Status.PROCESSED
    assert len(statements) <= MAX_STATEMENTS, "\n".join(s[:150] for s in statements)
    assert [s for s in statements if "customers_mrrmovement" in s][0].startswith("INSERT")
