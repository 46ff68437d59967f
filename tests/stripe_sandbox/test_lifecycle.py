"""The sandbox's subscription lifecycle through the real SDK: trials without a card, plan
switches with prorations and previews, pausing, cancelling, and time (sandbox_advance and
sandbox_trigger) renewing, declining, retrying."""

import json
from io import StringIO

import pytest
import stripe
from django.core.management import call_command

from stripe_sandbox.models import SandboxEvent
from tests.stripe_schema import violations

DAY = 86400


def advance(days: int) -> str:
    out = StringIO()
    call_command("sandbox_advance", days=days, stdout=out)
    return out.getvalue()


def trigger(*args: str) -> str:
    out = StringIO()
    call_command("sandbox_trigger", *args, stdout=out)
    return out.getvalue()


def event_types(since: int = 0) -> list[str]:
    return [e.type for e in SandboxEvent.objects.filter(sequence__gt=since).order_by("sequence")]


def last_sequence() -> int:
    last = SandboxEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


@pytest.fixture
def yearly_price(client, on_account, monthly_price):
    return client.v1.prices.create(
        {
            "product": monthly_price.product,
            "currency": "usd",
            "unit_amount": 2500000,
            "recurring": {"interval": "year"},
        },
        on_account,
    )


@pytest.fixture
def cheaper_monthly(client, on_account, monthly_price):
    return client.v1.prices.create(
        {
            "product": monthly_price.product,
            "currency": "usd",
            "unit_amount": 100000,
            "recurring": {"interval": "month"},
        },
        on_account,
    )


@pytest.fixture
def paying(subscription):
    """A monthly subscription paid by card on the hosted checkout page."""
    return subscription


def trial_without_card(client, on_account, price, behavior: str, days: int = 14):
    customer = client.v1.customers.create({"email": "trial@example.com"}, on_account)
    return client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": price.id}],
            "trial_period_days": days,
            "trial_settings": {"end_behavior": {"missing_payment_method": behavior}},
            "application_fee_percent": 0.5,
        },
        on_account,
    )


def invoices_of(client, on_account, subscription_id):
    """Oldest first (Stripe lists newest first)."""
    listed = client.v1.invoices.list({"subscription": subscription_id}, on_account).data
    return list(reversed(listed))


def test_a_trial_starts_without_a_card_and_its_zero_invoice_is_paid(
    client, on_account, monthly_price
):
    subscription = trial_without_card(client, on_account, monthly_price, "cancel")

    assert subscription.status == "trialing"
    assert subscription.default_payment_method is None
    assert subscription.trial_settings.end_behavior.missing_payment_method == "cancel"
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice, options=on_account)
    assert (invoice.status, invoice.amount_due, invoice.billing_reason) == (
        "paid",
        0,
        "subscription_create",
    )


def test_a_trial_without_a_card_is_canceled_or_paused_at_its_end(client, on_account, monthly_price):
    canceled = trial_without_card(client, on_account, monthly_price, "cancel")
    paused = trial_without_card(client, on_account, monthly_price, "pause")
    start = last_sequence()

    output = advance(15)

    assert "end trial" in output
    assert client.v1.subscriptions.retrieve(canceled.id, options=on_account).status == "canceled"
    paused = client.v1.subscriptions.retrieve(paused.id, options=on_account)
    assert paused.status == "paused"
    types = event_types(start)
    assert types.count("customer.subscription.trial_will_end") == 2
    assert "customer.subscription.deleted" in types and "customer.subscription.paused" in types
    assert len(invoices_of(client, on_account, paused.id)) == 1  # only the trial's $0 invoice


def test_resume_only_applies_to_a_paused_subscription(client, on_account, monthly_price, paying):
    with pytest.raises(stripe.InvalidRequestError, match="status=paused"):
        client.v1.subscriptions.resume(paying.id, options=on_account)
    paused = trial_without_card(client, on_account, monthly_price, "pause")
    advance(15)

    resumed = client.v1.subscriptions.resume(paused.id, options=on_account)

    # No card yet: the new period is invoiced, the charge fails, and Stripe retries.
    assert resumed.status == "past_due"
    invoice = client.v1.invoices.retrieve(resumed.latest_invoice, options=on_account)
    assert invoice.status == "open" and invoice.next_payment_attempt is not None


def test_a_monthly_subscription_renews_then_declines_then_a_retry_pays(client, on_account, paying):
    customer = paying.customer
    advance(31)
    renewed = client.v1.subscriptions.retrieve(paying.id, options=on_account)
    first, second = invoices_of(client, on_account, paying.id)
    assert renewed.status == "active"
    assert (second.status, second.billing_reason, second.amount_paid) == (
        "paid",
        "subscription_cycle",
        250000,
    )
    assert (
        renewed["items"].data[0].current_period_start == paying["items"].data[0].current_period_end
    )

    trigger("card-declines", customer)
    start = last_sequence()
    advance(31)

    past_due = client.v1.subscriptions.retrieve(paying.id, options=on_account)
    third = invoices_of(client, on_account, paying.id)[-1]
    assert past_due.status == "past_due"
    assert (third.status, third.attempt_count) == ("open", 1)
    assert third.next_payment_attempt == third.status_transitions.finalized_at + 3 * DAY
    assert "invoice.payment_failed" in event_types(start)
    failed = client.v1.invoices.retrieve(
        third.id, {"expand": ["payments.data.payment.payment_intent"]}, on_account
    )
    error = failed.payments.data[-1].payment.payment_intent.last_payment_error
    assert (error.message, error.decline_code) == ("Your card was declined.", "generic_decline")

    advance(3)

    assert client.v1.subscriptions.retrieve(paying.id, options=on_account).status == "active"
    retried = client.v1.invoices.retrieve(third.id, options=on_account)
    assert (retried.status, retried.attempt_count, retried.next_payment_attempt) == (
        "paid",
        2,
        None,
    )


@pytest.mark.parametrize("final", ["canceled", "unpaid"])
def test_when_every_retry_fails_the_account_setting_decides(
    client, on_account, account, paying, final
):
    trigger("retries-end", account, "--status", final)
    trigger("card-declines", paying.customer, "--times", "10")

    advance(31)  # renewal fails, retries at +3, +5, +7 days
    assert client.v1.subscriptions.retrieve(paying.id, options=on_account).status == "past_due"
    # The last retry is 3 + 5 + 7 = 15 days after the renewal, plus the real seconds each
    # attempt took (the sandbox clock keeps running while it replays them): a day of slack.
    advance(16)

    assert client.v1.subscriptions.retrieve(paying.id, options=on_account).status == final
    invoice = invoices_of(client, on_account, paying.id)[-1]
    assert (invoice.attempt_count, invoice.next_payment_attempt) == (4, None)


def test_an_expired_card_fails_with_stripes_message(client, on_account, paying):
    trigger("card-expires", paying.customer)
    card = client.v1.payment_methods.retrieve(paying.default_payment_method, options=on_account)
    assert (card.card.exp_year, card.card.exp_month) < (2100, 1)

    advance(31)

    invoice = client.v1.invoices.retrieve(
        invoices_of(client, on_account, paying.id)[-1].id,
        {"expand": ["payments.data.payment.payment_intent"]},
        on_account,
    )
    error = invoice.payments.data[-1].payment.payment_intent.last_payment_error
    assert error.code == "expired_card" and error.message == "Your card has expired."


def test_a_switch_in_the_same_interval_prorates_onto_the_next_invoice(
    client, on_account, paying, cheaper_monthly
):
    item = paying["items"].data[0]
    halfway = item.current_period_start + (item.current_period_end - item.current_period_start) // 2
    change = {"items": [{"id": item.id, "price": cheaper_monthly.id}]}
    advance(16)

    preview = client.v1.invoices.create_preview(
        {
            "customer": paying.customer,
            "subscription": paying.id,
            "subscription_details": {**change, "proration_date": halfway},
        },
        on_account,
    )
    assert violations(json.loads(preview.last_response.body), "invoice") == []
    credit, charge, renewal = (line.amount for line in preview.lines.data)
    assert (credit, charge, renewal) == (-125000, 50000, 100000)
    assert preview.amount_due == 25000
    assert preview.next_payment_attempt == item.current_period_end

    updated = client.v1.subscriptions.update(
        paying.id, {**change, "proration_date": halfway}, on_account
    )
    assert updated["items"].data[0].price.id == cheaper_monthly.id
    assert updated["items"].data[0].id == item.id
    assert len(invoices_of(client, on_account, paying.id)) == 1  # nothing billed now

    advance(16)
    renewal_invoice = invoices_of(client, on_account, paying.id)[-1]
    assert renewal_invoice.amount_paid == preview.amount_due
    assert [line.amount for line in renewal_invoice.lines.data] == [-125000, 50000, 100000]


def test_always_invoice_bills_the_difference_now(client, on_account, paying, cheaper_monthly):
    item = paying["items"].data[0]
    client.v1.subscriptions.update(
        paying.id,
        {
            "items": [{"id": item.id, "price": cheaper_monthly.id}],
            "proration_behavior": "always_invoice",
        },
        on_account,
    )

    invoice = invoices_of(client, on_account, paying.id)[-1]
    assert invoice.billing_reason == "subscription_update"
    assert all(line.parent.type == "invoice_item_details" for line in invoice.lines.data)
    assert invoice.total < 0 and invoice.amount_due == 0  # a credit: nothing to charge


def test_a_switch_to_yearly_restarts_the_cycle_and_bills_now(
    client, on_account, paying, yearly_price
):
    item = paying["items"].data[0]
    change = {"items": [{"id": item.id, "price": yearly_price.id}]}
    preview = client.v1.invoices.create_preview(
        {"subscription": paying.id, "subscription_details": change}, on_account
    )

    updated = client.v1.subscriptions.update(paying.id, change, on_account)

    invoice = invoices_of(client, on_account, paying.id)[-1]
    assert invoice.billing_reason == "subscription_update" and invoice.status == "paid"
    assert invoice.lines.data[-1].amount == 2500000
    assert invoice.lines.data[0].amount < 0  # the unused month
    assert abs(invoice.amount_paid - preview.amount_due) < 100  # a few seconds passed
    new_item = updated["items"].data[0]
    assert new_item.current_period_end - new_item.current_period_start >= 365 * DAY


@pytest.mark.parametrize(("behavior", "status"), [("keep_as_draft", "draft"), ("void", "void")])
def test_paused_collection_keeps_renewals_as_drafts_or_voids_them(
    client, on_account, paying, behavior, status
):
    client.v1.subscriptions.update(
        paying.id, {"pause_collection": {"behavior": behavior}}, on_account
    )

    advance(31)

    subscription = client.v1.subscriptions.retrieve(paying.id, options=on_account)
    assert subscription.status == "active"
    assert invoices_of(client, on_account, paying.id)[-1].status == status


def test_paused_collection_resumes_on_its_date(client, on_account, paying):
    clock_now = paying.created
    client.v1.subscriptions.update(
        paying.id,
        {"pause_collection": {"behavior": "void", "resumes_at": clock_now + 10 * DAY}},
        on_account,
    )

    advance(11)

    assert client.v1.subscriptions.retrieve(paying.id, options=on_account).pause_collection is None


def test_a_resume_date_in_the_past_is_refused(client, on_account, paying):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.subscriptions.update(
            paying.id,
            {"pause_collection": {"behavior": "void", "resumes_at": paying.created - 10}},
            on_account,
        )
    assert raised.value.param == "pause_collection[resumes_at]"


def test_cancel_at_period_end_ends_it_at_renewal_without_an_invoice(client, on_account, paying):
    client.v1.subscriptions.update(paying.id, {"cancel_at_period_end": True}, on_account)

    advance(31)

    ended = client.v1.subscriptions.retrieve(paying.id, options=on_account)
    assert ended.status == "canceled"
    assert ended.ended_at == paying["items"].data[0].current_period_end
    assert len(invoices_of(client, on_account, paying.id)) == 1


def test_automatic_tax_follows_the_customers_address(client, on_account, monthly_price):
    customer = client.v1.customers.create(
        {"email": "ca@example.com", "address": {"country": "US", "state": "CA"}}, on_account
    )
    subscription = client.v1.subscriptions.create(
        {
            "customer": customer.id,
            "items": [{"price": monthly_price.id}],
            "trial_period_days": 3,
            "automatic_tax": {"enabled": True},
        },
        on_account,
    )
    preview = client.v1.invoices.create_preview({"subscription": subscription.id}, on_account)

    assert preview.subtotal == 250000
    assert preview.total_taxes[0].amount == 18125  # 7.25 % of $2,500.00
    assert preview.total == 268125
    rate = client.v1.tax_rates.retrieve(
        preview.total_taxes[0].tax_rate_details.tax_rate, options=on_account
    )
    assert (rate.percentage, rate.state) == (7.25, "CA")


def test_open_checkout_links_expire_when_the_clock_passes_them(client, on_account, monthly_price):
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "success_url": "http://testserver/done/",
        },
        on_account,
    )
    start = last_sequence()

    advance(2)

    assert event_types(start) == ["checkout.session.expired"]
    assert client.v1.checkout.sessions.retrieve(session.id, options=on_account).status == "expired"


def test_the_clock_only_moves_forward():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="positive"):
        advance(0)


def pending_items(client, on_account, customer_id):
    return client.v1.invoice_items.list({"customer": customer_id, "pending": True}, on_account).data


def test_cancel_now_with_prorate_and_invoice_now_credits_the_unused_time_on_a_final_invoice(
    client, on_account, paying
):
    item = paying["items"].data[0]
    advance(15)  # half of a 30-day period is used
    start = last_sequence()

    canceled = client.v1.subscriptions.cancel(
        paying.id, {"prorate": True, "invoice_now": True}, on_account
    )

    assert canceled.status == "canceled"
    final = invoices_of(client, on_account, paying.id)[-1]
    assert final.id != invoices_of(client, on_account, paying.id)[0].id
    (line,) = final.lines.data
    length = item.current_period_end - item.current_period_start
    remaining = item.current_period_end - (item.current_period_start + 15 * DAY)
    assert line.amount == -((250000 * remaining * 2 + length) // (length * 2))
    assert line.description.startswith("Unused time on 1 × Retainer")
    assert final.total == line.amount and final.amount_due == 0
    assert final.status == "paid"
    assert canceled.latest_invoice == final.id
    assert pending_items(client, on_account, paying.customer) == []
    types = event_types(start)
    assert types[0] == "invoiceitem.created"
    assert "customer.subscription.deleted" in types and "invoice.created" in types


def test_cancel_now_with_prorate_only_leaves_the_credit_for_the_next_invoice(
    client, on_account, paying
):
    advance(15)

    client.v1.subscriptions.cancel(paying.id, {"prorate": True}, on_account)

    (credit,) = pending_items(client, on_account, paying.customer)
    assert credit.amount < 0 and credit.proration is True
    assert len(invoices_of(client, on_account, paying.id)) == 1


def test_cancel_now_with_invoice_now_bills_pending_prorations(
    client, on_account, paying, cheaper_monthly
):
    item = paying["items"].data[0]
    advance(15)
    client.v1.subscriptions.update(
        paying.id, {"items": [{"id": item.id, "price": cheaper_monthly.id}]}, on_account
    )
    pending = sum(i.amount for i in pending_items(client, on_account, paying.customer))
    assert pending < 0  # credit for the dearer plan, charge for the cheaper one

    client.v1.subscriptions.cancel(paying.id, {"invoice_now": True}, on_account)

    final = invoices_of(client, on_account, paying.id)[-1]
    assert final.total == pending and len(final.lines.data) == 2
    assert pending_items(client, on_account, paying.customer) == []


def test_cancel_now_without_either_removes_pending_prorations_and_bills_nothing(
    client, on_account, paying, cheaper_monthly
):
    item = paying["items"].data[0]
    advance(15)
    client.v1.subscriptions.update(
        paying.id, {"items": [{"id": item.id, "price": cheaper_monthly.id}]}, on_account
    )

    client.v1.subscriptions.cancel(paying.id, options=on_account)

    assert pending_items(client, on_account, paying.customer) == []
    assert len(invoices_of(client, on_account, paying.id)) == 1
