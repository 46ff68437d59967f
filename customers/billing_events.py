"""What Stripe tells us about a customer's subscription billing, as the Activity list and
the agency's team see it: trials ending, renewals, failed payments and retries, and the
status Stripe sets when it gives up.

Called from the webhook handlers after the mirror is updated; each line is recorded once
per event (a redelivery records nothing and sends no second email).
"""

import logging
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from agency_billing.emails import send_email
from agency_billing.money import format_money as _money
from agency_billing.stripe_client import account_options, stripe_client
from customers.activity import activity_record
from customers.models import Activity, Subscription
from webhooks.mirror import stripe_id_of, stripe_time
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)


def subscription_event(agency: Agency, event: WebhookEvent, subscription: Subscription) -> None:
    """An Activity line when the subscription's status moved ("status active → past_due"),
    saying why when Stripe's reason is clear (the trial ended, it stopped retrying)."""
    data = event.data_object
    previous = (event.payload.get("data") or {}).get("previous_attributes") or {}
    if event.type == "customer.subscription.deleted":
        ended_on_trial = data.get("trial_end") and (data.get("ended_at") or 0) <= data["trial_end"]
        before, after = (
            previous.get("status") or ("trialing" if ended_on_trial else "active"),
            "canceled",
        )
    elif "status" in previous:
        before, after = previous["status"], data["status"]
    else:
        return
    message = f"Status {before} → {after}"
    if before == "trialing":
        message = f"Trial ended; status {before} → {after}"
    elif before == "past_due" and after in ("canceled", "unpaid"):
        message = f"Stripe stopped retrying the payment; status {before} → {after}"
    activity_record(
        customer=subscription.customer,
        kind=f"status_{after}",
        message=message,
        outcome="stripe",
        stripe_event_id=event.stripe_id,
    )


def invoice_event(agency: Agency, event: WebhookEvent, invoice: object) -> None:
    """Renewal paid, payment failed (with Stripe's decline message and next retry, mirrored
    on the subscription and mailed to the owner and admins), or a retry that paid."""
    data = event.data_object
    subscription_id = stripe_id_of(
        ((data.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    )
    if not subscription_id:
        return
    if event.type == "invoice.payment_failed":
        subscription = (
            Subscription.objects.select_related("customer")
            .filter(agency=agency, stripe_id=subscription_id)
            .first()
        )
        if subscription is not None:
            _payment_failed(agency, subscription, data, event)
    elif event.type == "invoice.paid" and data.get("amount_paid"):
        _paid(agency, subscription_id, data, event)


def _payment_failed(
    agency: Agency, subscription: Subscription, data: Mapping[str, Any], event: WebhookEvent
) -> None:
    error = _decline_message(agency, data)
    retry_at = stripe_time(data.get("next_payment_attempt"))
    Subscription.objects.filter(pk=subscription.pk).update(
        last_payment_error=error[:500], next_payment_attempt=retry_at
    )
    amount = data.get("amount_remaining") or data.get("amount_due") or 0
    retry = f" Stripe retries on {retry_at:%b %-d, %Y}." if retry_at else " No more retries."
    customer = subscription.customer
    line = activity_record(
        customer=customer,
        kind="payment_failed",
        message=f"Payment of {_money(amount, data['currency'])} failed: {error}{retry}",
        outcome="stripe",
        stripe_event_id=event.stripe_id,
    )
    if line is None:
        return
    team = list(agency.memberships.select_related("user").values_list("user__email", flat=True))
    send_email(
        to=[email for email in team if email],
        template="payment_failed",
        agency=agency,
        context={
            "customer": customer,
            "amount": amount,
            "currency": data["currency"],
            "error": error,
            "retry_at": retry_at,
            "manage_path": reverse("customer_manage", args=[customer.pk]),
        },
    )


def _paid(
    agency: Agency, subscription_id: str, data: Mapping[str, Any], event: WebhookEvent
) -> None:
    """The subscription's payment error is cleared and the client's Activity says what was
    paid (once per event), in one statement; nothing if we do not mirror the subscription."""
    amount = _money(data["amount_paid"], data["currency"])
    reason = data.get("billing_reason")
    retried = (data.get("attempt_count") or 0) > 1
    if retried:
        message = f"Retry succeeded: {amount} paid"
    elif reason == "subscription_cycle":
        message = f"Renewed: {amount} paid"
    elif reason == "subscription_update":
        message = f"Plan change invoiced: {amount} paid"
    else:
        message = f"First payment: {amount} paid"
    # Cancel now with invoice_now: what was not yet billed, on a final invoice.
    final = message if retried else f"Final invoice paid: {amount}"
    sql = _PAID_SQL.format(
        subscription=Subscription._meta.db_table, activity=Activity._meta.db_table
    )
    params = {
        "agency": agency.pk,
        "subscription": subscription_id,
        "kind": "invoice_paid",
        "message": message[:500],
        "final": final[:500],
        "canceled": str(Subscription.Status.CANCELED),
        "outcome": str(Activity.Outcome.STRIPE),
        "event": event.stripe_id,
        "now": timezone.now(),
    }
    if connection.vendor != "postgresql":  # SQLite (make run) has no UPDATE inside WITH
        _paid_in_steps(agency, subscription_id, params)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _paid_in_steps(agency: Agency, subscription_id: str, params: Mapping[str, Any]) -> None:
    """What _PAID_SQL does, through the ORM, for SQLite."""
    subscriptions = Subscription.objects.filter(agency=agency, stripe_id=subscription_id)
    for subscription in subscriptions.select_related("customer"):
        canceled = subscription.status == Subscription.Status.CANCELED
        activity_record(
            customer=subscription.customer,
            kind=params["kind"],
            message=params["final"] if canceled else params["message"],
            outcome=params["outcome"],
            stripe_event_id=params["event"],
        )
    subscriptions.update(last_payment_error="", next_payment_attempt=None)


# The same Activity line as activity_record(kind="invoice_paid", outcome="stripe",
# stripe_event_id=...) writes, for the subscription's customer.
_PAID_SQL = """
    WITH subscription AS (
        UPDATE {subscription} SET last_payment_error = '', next_payment_attempt = NULL
        WHERE agency_id = %(agency)s AND stripe_id = %(subscription)s
        RETURNING customer_id, status
    )
    INSERT INTO {activity} (
        agency_id, customer_id, kind, message, outcome, actor_id, stripe_event_id, created_at
    )
    SELECT
        %(agency)s, customer_id, %(kind)s,
        CASE WHEN status = %(canceled)s THEN %(final)s ELSE %(message)s END,
        %(outcome)s, NULL, %(event)s, %(now)s
    FROM subscription
    ON CONFLICT DO NOTHING
"""


def _decline_message(agency: Agency, data: Mapping[str, Any]) -> str:
    """Stripe's message for the failed attempt: the last PaymentIntent's error."""
    payments = (data.get("payments") or {}).get("data") or []
    attempt = (payments[-1].get("payment") or {}) if payments else {}
    intent_id = stripe_id_of(attempt.get("payment_intent"))
    if not intent_id:
        return "No payment method on file."
    intent = stripe_client().v1.payment_intents.retrieve(
        intent_id, options=account_options(agency.stripe_account_id or "")
    )
    error = intent.last_payment_error
    return (error.message if error and error.message else "The payment was declined.")[:500]
