"""What happens to subscriptions as time passes: trials end, periods renew, failed payments
are retried, paused collection resumes, checkout links expire.

`advance_clock(seconds)` moves the sandbox clock (`manage.py sandbox_advance --days N`) and
replays every moment that falls in between, oldest first, each in its own
`sandbox_operation()` so its events are stamped with that moment and delivered in order.

Failed payments follow one retry schedule (Stripe's "custom retry" settings, as a new
account suggests): the renewal attempt, then retries 3, 5 and 7 days after the previous
failed attempt. While an invoice is retried the subscription is `past_due`; after the last
failure it becomes what the connected account chose — `canceled` (Stripe's default),
`unpaid`, or left `past_due` (`manage.py sandbox_trigger retries-end`).
"""

import logging
from typing import Any

from stripe_sandbox import billing, clock, events, store
from stripe_sandbox.api.checkout import expire_if_due
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.operation import sandbox_operation
from stripe_sandbox.periods import add_interval

logger = logging.getLogger(__name__)

RETRY_DAYS = (3, 5, 7)
TRIAL_WILL_END_SECONDS = 3 * 86400
AFTER_FAILED_RETRIES = ("canceled", "unpaid", "past_due")
_RENEWING = ("active", "past_due", "unpaid")


def customer_of(subscription: SandboxObject) -> SandboxObject:
    return store.load("customer", subscription.data["customer"], account=subscription.account)


def save_subscription(row: SandboxObject, before: dict[str, Any]) -> None:
    """Save a changed subscription and emit customer.subscription.updated (with
    previous_attributes), plus .paused / .resumed when the status moved there."""
    store.save(row)
    previous = events.changed(before, row.data)
    if not previous:
        return
    events.emit(
        "customer.subscription.updated", row.data, account=row.account, previous_attributes=previous
    )
    if "status" in previous and row.data["status"] == "paused":
        events.emit("customer.subscription.paused", row.data, account=row.account)
    if previous.get("status") == "paused":
        events.emit("customer.subscription.resumed", row.data, account=row.account)


def cancel(row: SandboxObject, *, reason: str | None) -> None:
    """End the subscription now; emits customer.subscription.deleted."""
    now = clock.now()
    data = row.data
    data["status"] = "canceled"
    data["canceled_at"] = data["canceled_at"] or now
    data["ended_at"] = now
    data["cancellation_details"] = {**data["cancellation_details"], "reason": reason}
    store.save(row)
    events.emit("customer.subscription.deleted", data, account=row.account)


def start_period(data: dict[str, Any], start: int) -> None:
    """Begin a new billing period at `start` on every item."""
    for item in data["items"]["data"]:
        recurring = item["price"]["recurring"]
        item["current_period_start"] = start
        item["current_period_end"] = add_interval(
            start, recurring["interval"], recurring["interval_count"]
        )


def collect(subscription: SandboxObject, invoice: SandboxObject) -> None:
    """Finalize and charge a new subscription invoice as the subscription's state says:
    paused collection keeps it a draft or voids / writes it off; an unpaid subscription's
    invoices stay drafts; a failed charge makes the subscription past_due."""
    customer = customer_of(subscription)
    data = subscription.data
    pause = data["pause_collection"]
    if (pause and pause["behavior"] == "keep_as_draft") or data["status"] == "unpaid":
        return
    billing.invoice_finalize(invoice)
    if pause:
        billing.invoice_close(invoice, "void" if pause["behavior"] == "void" else "uncollectible")
        return
    _charge(subscription, invoice, customer)


def _charge(subscription: SandboxObject, invoice: SandboxObject, customer: SandboxObject) -> None:
    before = store.snapshot(subscription)
    decline = billing.invoice_pay(
        invoice,
        payment_method=billing.charged_payment_method(subscription.data, customer),
        retry_days=RETRY_DAYS,
    )
    data = subscription.data
    if decline is None:
        if data["status"] == "past_due" and not _failing_invoices(subscription):
            data["status"] = "active"
        save_subscription(subscription, before)
        return
    logger.info("sandbox: %s declined (%s)", invoice.id, decline.decline_code or decline.code)
    if invoice.data["next_payment_attempt"] is not None:
        data["status"] = "past_due"
        save_subscription(subscription, before)
        return
    final = _after_failed_retries(subscription.account)
    if final == "canceled":
        cancel(subscription, reason="payment_failed")
        return
    data["status"] = final
    save_subscription(subscription, before)


def _failing_invoices(subscription: SandboxObject) -> bool:
    return SandboxObject.objects.filter(
        object="invoice",
        account=subscription.account,
        data__status="open",
        data__parent__subscription_details__subscription=subscription.id,
    ).exists()


def _after_failed_retries(account: str) -> str:
    row = SandboxObject.objects.filter(id=account, object="account").first()
    return (row.private.get("after_failed_retries") if row else None) or "canceled"


def end_trial(row: SandboxObject) -> None:
    """The trial is over: with a card the first paid period starts and is charged; without
    one `trial_settings.end_behavior.missing_payment_method` decides (cancel, pause, or
    invoice anyway, which fails to collect and leaves it past_due)."""
    data = row.data
    customer = customer_of(row)
    behavior = data["trial_settings"]["end_behavior"]["missing_payment_method"]
    if billing.charged_payment_method(data, customer) is None and behavior == "cancel":
        cancel(row, reason="cancellation_requested")
        return
    before = store.snapshot(row)
    if billing.charged_payment_method(data, customer) is None and behavior == "pause":
        data["status"] = "paused"
        save_subscription(row, before)
        return
    data["status"] = "active"
    start_period(data, data["trial_end"])
    save_subscription(row, before)
    invoice = billing.invoice_create(
        account=row.account,
        subscription=row,
        customer=customer,
        billing_reason="subscription_cycle",
    )
    collect(row, invoice)


def renew(row: SandboxObject) -> None:
    """The period is over: end a subscription set to cancel, else start the next period
    and invoice it."""
    data = row.data
    period_end = max(item["current_period_end"] for item in data["items"]["data"])
    if data["cancel_at_period_end"] or (data["cancel_at"] and data["cancel_at"] <= period_end):
        cancel(row, reason="cancellation_requested")
        return
    before = store.snapshot(row)
    start_period(data, period_end)
    save_subscription(row, before)
    invoice = billing.invoice_create(
        account=row.account,
        subscription=row,
        customer=customer_of(row),
        billing_reason="subscription_cycle",
    )
    collect(row, invoice)


def retry(invoice: SandboxObject) -> None:
    """The next scheduled attempt to collect a failed invoice."""
    subscription_id = (
        (invoice.data["parent"] or {}).get("subscription_details", {}).get("subscription")
    )
    subscription = store.load("subscription", subscription_id, account=invoice.account)
    if subscription.data["status"] == "canceled":
        invoice.data["next_payment_attempt"] = None
        store.save(invoice)
        return
    _charge(subscription, invoice, customer_of(subscription))


def resume_collection(row: SandboxObject) -> None:
    """`pause_collection.resumes_at` has come: collection starts again."""
    before = store.snapshot(row)
    row.data["pause_collection"] = None
    save_subscription(row, before)


def warn_trial_end(row: SandboxObject) -> None:
    row.private["trial_will_end_sent"] = row.data["trial_end"]
    store.save(row)
    events.emit("customer.subscription.trial_will_end", row.data, account=row.account)


def _subscription_moments(row: SandboxObject) -> list[tuple[int, str]]:
    data = row.data
    moments = []
    if data["status"] == "trialing" and data["trial_end"]:
        moments.append((data["trial_end"], "end_trial"))
        warn_at = data["trial_end"] - TRIAL_WILL_END_SECONDS
        if (
            row.private.get("trial_will_end_sent") != data["trial_end"]
            and warn_at > data["trial_start"]
        ):
            moments.append((warn_at, "warn_trial_end"))
    if data["status"] in _RENEWING:
        moments.append((max(i["current_period_end"] for i in data["items"]["data"]), "renew"))
    resumes_at = (data["pause_collection"] or {}).get("resumes_at")
    if resumes_at:
        moments.append((resumes_at, "resume_collection"))
    return moments


def _next_moment(until: int) -> tuple[int, str, SandboxObject] | None:
    """The earliest thing due at or before `until`: (when, what, the object)."""
    found: list[tuple[int, str, SandboxObject]] = []
    subscriptions = SandboxObject.objects.filter(
        object="subscription", data__status__in=["trialing", *_RENEWING]
    )
    for row in subscriptions:
        found.extend((when, what, row) for when, what in _subscription_moments(row))
    for row in SandboxObject.objects.filter(object="invoice", data__status="open").exclude(
        data__next_payment_attempt=None
    ):
        found.append((row.data["next_payment_attempt"], "retry", row))
    for row in SandboxObject.objects.filter(object="checkout.session", data__status="open"):
        found.append((row.data["expires_at"], "expire", row))
    due = [moment for moment in found if moment[0] <= until]
    return min(due, key=lambda moment: (moment[0], moment[2].created)) if due else None


_ACTIONS = {
    "end_trial": end_trial,
    "warn_trial_end": warn_trial_end,
    "renew": renew,
    "resume_collection": resume_collection,
    "retry": retry,
    "expire": expire_if_due,
}


def advance_clock(seconds: int) -> list[str]:
    """Move the sandbox clock `seconds` ahead, replaying every due moment in order; returns
    what happened, one line each ("2026-12-31 sub_… renew")."""
    target = clock.now() + seconds
    done: list[str] = []
    while (moment := _next_moment(target)) is not None:
        when, what, row = moment
        clock.set_now(max(when, clock.now()))
        with sandbox_operation():
            fresh = store.load(row.object, row.id, account=row.account)
            _ACTIONS[what](fresh)
        done.append(f"{clock.format_time(when)} {row.id} {what.replace('_', ' ')}")
        logger.info("sandbox clock: %s", done[-1])
    clock.set_now(target)
    return done
