"""Failures on demand (`manage.py sandbox_trigger <scenario>`), for trying dunning by hand
and in tests.

- `card-declines`: the customer's card declines its next charge(s) (`times`, default 1):
  the next renewal fails, a later retry pays.
- `card-expires`: the customer's card expired last month (`payment_method.updated`); every
  charge fails with `expired_card` until the card is replaced.
- `retries-end`: what the connected account does once every retry failed: `canceled`
  (Stripe's default), `unpaid`, or `past_due`.
"""

from datetime import UTC, datetime

from stripe_sandbox import billing, clock, events, lifecycle, store
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject
from stripe_sandbox.operation import sandbox_operation


def _card(customer_id: str) -> SandboxObject:
    customer = SandboxObject.objects.filter(id=customer_id, object="customer").first()
    if customer is None:
        raise ApiError(f"No such customer: '{customer_id}'")
    subscription = (
        SandboxObject.objects.filter(object="subscription", data__customer=customer_id)
        .exclude(data__default_payment_method=None)
        .order_by("-created")
        .first()
    )
    card = billing.charged_payment_method(subscription.data if subscription else {}, customer)
    if card is None:
        raise ApiError(f"The customer {customer_id} has no card to fail.")
    return store.load("payment_method", card.id, account=card.account)


def card_declines(customer_id: str, *, times: int = 1) -> str:
    with sandbox_operation():
        card = _card(customer_id)
        card.private["declines_left"] = times
        store.save(card)
    return f"{card.id} declines its next {times} charge(s)."


def card_expires(customer_id: str) -> str:
    with sandbox_operation():
        card = _card(customer_id)
        before = store.snapshot(card)
        today = datetime.fromtimestamp(clock.now(), tz=UTC)
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        card.data["card"]["exp_month"] = month
        card.data["card"]["exp_year"] = year
        store.save(card)
        events.emit(
            "payment_method.updated",
            card.data,
            account=card.account,
            previous_attributes={"card": before["card"]},
        )
    return f"{card.id} expired at the end of {month:02d}/{year}."


def retries_end(account_id: str, *, status: str) -> str:
    if status not in lifecycle.AFTER_FAILED_RETRIES:
        raise ApiError(f"status must be one of {', '.join(lifecycle.AFTER_FAILED_RETRIES)}")
    with sandbox_operation():
        account = store.load("account", account_id, account="")
        account.private["after_failed_retries"] = status
        store.save(account)
    return f"After the last failed retry, {account_id}'s subscriptions become {status}."
