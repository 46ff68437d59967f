"""Running a client's subscription from Manage Customer, through the UI and the webhooks each
action causes: trials without a card, Add Payment Method, switch with preview, pause,
cancel, and time passing (renewals, a declined renewal, a retry that pays)."""

import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from agency_billing.money import format_money
from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from customers.models import Activity, Subscription
from plans.services import plan_create
from stripe_sandbox import clock
from tests.conftest import client_for
from tests.stripe_flows import pay_checkout

# Webhooks are processed after the intake commits, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def manage(client, customer) -> str:
    response = client.get(reverse("customer_manage", args=[customer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def advance(days: int) -> None:
    call_command("sandbox_advance", days=days, stdout=StringIO())


def subscribe(client, customer, interval="month") -> Subscription:
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval=interval)
    )
    pay_checkout(client, link.url, card="4242 4242 4242 4242")
    return Subscription.objects.get(customer=customer)


def stripe_subscription(subscription: Subscription):
    return stripe_client().v1.subscriptions.retrieve(
        subscription.stripe_id, options=account_options(subscription.agency.stripe_account_id)
    )


def start_trial(owner_client, customer, interval="month"):
    price = customer.plan.prices.get(interval=interval)
    return owner_client.post(
        reverse("subscription_trial_start", args=[customer.pk]), {"price": price.pk}, follow=True
    )


def test_start_trial_now_makes_a_trial_without_a_card(owner_client, customer, agency):
    agency.trial_end_behavior = "pause"
    agency.save()

    page = start_trial(owner_client, customer).content.decode()

    subscription = Subscription.objects.get(customer=customer)
    assert subscription.status == "trialing" and subscription.default_payment_method is None
    assert stripe_subscription(subscription).trial_settings.end_behavior.missing_payment_method == (
        "pause"
    )
    assert "On trial" in page and "without a card it will pause" in page
    assert "Add Payment Method" in page
    line = customer.activities.get(kind="trial_started")
    assert (line.outcome, line.actor) == ("done", agency.memberships.get().user)


def test_add_customer_can_start_the_trial_at_once(owner_client, plan):
    response = owner_client.post(
        reverse("customer_create"),
        {"name": "Kai", "email": "kai@client.example", "plan": plan.pk, "start_trial": "on"},
        follow=True,
    )

    assert "14-day trial started, no card needed." in response.content.decode()
    assert Subscription.objects.get(customer__email="kai@client.example").status == "trialing"


def test_start_trial_now_needs_a_plan_with_a_trial(owner_client, connected_agency):
    plan = plan_create(agency=connected_agency, name="No trial", monthly_amount=5000)
    response = owner_client.post(
        reverse("customer_create"),
        {"name": "Lee", "email": "lee@client.example", "plan": plan.pk, "start_trial": "on"},
    )

    assert response.status_code == 200
    assert "Choose a plan with a trial to start one." in response.content.decode()


def test_add_payment_method_puts_the_card_on_the_trial(client, owner_client, customer):
    start_trial(owner_client, customer)
    owner_client.post(reverse("payment_method_link_new", args=[customer.pk]))
    link = CheckoutLink.objects.get(customer=customer, mode="setup")
    assert link.url in manage(owner_client, customer)

    done = pay_checkout(client, link.url, card="5555 5555 5555 4444", expiry="12 / 34")

    assert "Card saved" in done
    subscription = Subscription.objects.select_related("default_payment_method").get()
    assert subscription.default_payment_method.last4 == "4444"
    at_stripe = stripe_subscription(subscription)
    assert at_stripe.default_payment_method == subscription.default_payment_method.stripe_id
    customer.refresh_from_db()
    customer_at_stripe = stripe_client().v1.customers.retrieve(
        customer.stripe_customer_id, options=account_options(customer.agency.stripe_account_id)
    )
    assert (
        customer_at_stripe.invoice_settings.default_payment_method
        == at_stripe.default_payment_method
    )
    page = manage(owner_client, customer)
    assert "Mastercard •••• 4444" in page and "Add Payment Method" not in page


def test_a_card_added_on_trial_is_charged_when_the_trial_ends(client, owner_client, customer):
    start_trial(owner_client, customer)
    owner_client.post(reverse("payment_method_link_new", args=[customer.pk]))
    pay_checkout(client, CheckoutLink.objects.get(mode="setup").url, card="4242 4242 4242 4242")

    advance(15)

    subscription = Subscription.objects.get()
    assert subscription.status == "active"
    assert customer.invoices.filter(status="paid", amount_paid=250000).exists()
    assert "Trial ended; status trialing → active" in manage(owner_client, customer)


@pytest.mark.parametrize(
    ("behavior", "status", "shown"),
    [("cancel", "canceled", "Canceled"), ("pause", "paused", "Paused")],
)
def test_a_trial_without_a_card_ends_as_the_agency_chose(
    owner_client, customer, agency, behavior, status, shown
):
    agency.trial_end_behavior = behavior
    agency.save()
    start_trial(owner_client, customer)

    advance(15)

    assert Subscription.objects.get().status == status
    page = manage(owner_client, customer)
    assert f'data-field="status">{shown}' in page
    assert f"Trial ended; status trialing → {status}" in page


def test_switch_plan_previews_then_switches(client, owner_client, customer):
    subscription = subscribe(client, customer)
    advance(15)  # past the trial: the switch is prorated
    yearly = customer.plan.prices.get(interval="year")
    url = reverse("subscription_switch", args=[customer.pk])

    preview = owner_client.post(url, {"price": yearly.pk}).content.decode()

    assert "What changes" in preview and "Due now" in preview
    assert "Unused time on" in preview
    subscription.refresh_from_db()
    assert subscription.interval == "month"  # a preview changes nothing

    proration = preview.split('name="proration_date" value="')[1].split('"')[0]
    done = owner_client.post(
        url, {"price": yearly.pk, "proration_date": proration, "confirm": "1"}, follow=True
    )

    subscription.refresh_from_db()
    assert (subscription.interval, subscription.unit_amount) == ("year", 2500000)
    assert "Switched to Automation retainer (Yearly)." in done.content.decode()
    assert customer.activities.get(kind="plan_switched").outcome == "done"


def test_pause_collection_and_resume(client, owner_client, customer):
    subscription = subscribe(client, customer)

    page = owner_client.post(
        reverse("subscription_pause", args=[customer.pk]),
        {"behavior": "void", "resumes_at": "2099-01-01"},
        follow=True,
    ).content.decode()

    subscription.refresh_from_db()
    assert subscription.collection_paused and subscription.pause_behavior == "void"
    assert "Collection paused" in page and "invoices are voided, resumes Jan 1, 2099" in page
    assert stripe_subscription(subscription).pause_collection.behavior == "void"

    owner_client.post(reverse("subscription_resume", args=[customer.pk]))

    subscription.refresh_from_db()
    assert not subscription.collection_paused
    assert stripe_subscription(subscription).pause_collection is None


def test_a_resume_date_in_the_past_is_refused_and_nothing_changes(client, owner_client, customer):
    subscription = subscribe(client, customer)

    page = owner_client.post(
        reverse("subscription_pause", args=[customer.pk]),
        {"behavior": "void", "resumes_at": "2001-01-01"},
        follow=True,
    ).content.decode()

    assert "The resume date must be in the future." in page
    subscription.refresh_from_db()
    assert not subscription.collection_paused


def test_cancel_at_period_end_then_reactivate(client, owner_client, customer):
    subscription = subscribe(client, customer)
    manage = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert 'data-confirm-title="Cancel at the end of the period?"' in manage

    page = owner_client.post(
        reverse("subscription_cancel_at_period_end", args=[customer.pk]), follow=True
    ).content.decode()

    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    assert f"Canceling on {subscription.current_period_end:%b %-d, %Y}" in page
    assert "Reactivate" in page

    owner_client.post(reverse("subscription_reactivate", args=[customer.pk]))

    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end
    assert stripe_subscription(subscription).cancel_at_period_end is False
    kinds = list(customer.activities.values_list("kind", flat=True))
    assert kinds[:2] == ["subscription_reactivated", "cancel_scheduled"]


def test_cancel_now_says_what_the_client_is_charged_then_cancels(client, owner_client, customer):
    subscription = subscribe(client, customer)
    url = reverse("subscription_cancel", args=[customer.pk])

    confirm = owner_client.get(url).content.decode()

    assert "not be charged again" in confirm and "not refunded" in confirm
    owner_client.post(url)
    subscription.refresh_from_db()
    assert subscription.status == "canceled"
    assert stripe_subscription(subscription).status == "canceled"


def test_the_message_after_an_action_is_its_own_not_the_webhook_line_it_caused(
    client, owner_client, customer
):
    subscribe(client, customer)

    page = owner_client.post(
        reverse("subscription_cancel", args=[customer.pk]), follow=True
    ).content.decode()

    # The cancellation's webhook recorded its own line meanwhile (a newer one).
    assert customer.activities.filter(outcome="stripe", message__contains="canceled").exists()
    assert (
        '<li class="message success">Canceled now: no further charges, nothing credited.</li>'
        in page
    )


def test_when_stripe_refuses_the_page_says_why_and_nothing_changes(client, owner_client, customer):
    subscription = subscribe(client, customer)
    # Canceled at Stripe while our mirror missed it.
    stripe_client().v1.subscriptions.cancel(
        subscription.stripe_id, options=account_options(customer.agency.stripe_account_id)
    )
    Subscription.objects.filter(pk=subscription.pk).update(status="active")

    page = owner_client.post(
        reverse("subscription_cancel_at_period_end", args=[customer.pk]), follow=True
    ).content.decode()

    assert "Stripe could not schedule the cancellation" in page
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end
    line = customer.activities.get(kind="cancel_scheduled")
    assert line.outcome == "failed" and "Stripe could not" in line.message


def advance_to_renewal(subscription: Subscription) -> None:
    """Move the clock just past the end of the subscription's current period."""
    subscription.refresh_from_db()
    seconds = subscription.current_period_end.timestamp() - clock.now()
    advance(math.ceil(seconds / 86400))


def test_a_monthly_subscription_renews_declines_and_a_retry_pays(
    client, owner_client, customer, owner, admin, mailoutbox
):
    subscription = subscribe(client, customer)
    advance_to_renewal(subscription)  # the trial ends: the card pays the first month
    advance_to_renewal(subscription)  # renewal 1 pays

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert customer.invoices.filter(status="paid", amount_paid=250000).count() == 2
    assert "Renewed: 2,500.00 USD paid" in manage(owner_client, customer)

    call_command("sandbox_trigger", "card-declines", customer.stripe_customer_id, stdout=StringIO())
    advance_to_renewal(subscription)  # renewal 2 declines

    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    assert subscription.last_payment_error == "Your card was declined."
    page = manage(owner_client, customer)
    assert 'data-field="status">Past due' in page
    retry = f"{subscription.next_payment_attempt:%b %-d, %Y}"
    assert f"Your card was declined. — Stripe retries on {retry}" in page
    assert customer.invoices.filter(status="open").count() == 1
    failed = [m for m in mailoutbox if m.subject.startswith("Payment failed")]
    assert len(failed) == 1
    assert sorted(failed[0].to) == sorted([owner.user.email, admin.user.email])
    assert "Your card was declined." in failed[0].body

    advance(3)  # Stripe's first retry pays

    subscription.refresh_from_db()
    assert (subscription.status, subscription.last_payment_error) == ("active", "")
    assert customer.invoices.filter(status="paid", amount_paid=250000).count() == 3
    assert customer.invoices.filter(status="open").count() == 0
    assert "Retry succeeded: 2,500.00 USD paid" in manage(owner_client, customer)


def test_when_stripe_gives_up_the_status_it_sets_is_shown(client, owner_client, customer):
    subscribe(client, customer)
    account = customer.agency.stripe_account_id
    call_command("sandbox_trigger", "retries-end", account, "--status", "unpaid", stdout=StringIO())
    call_command(
        "sandbox_trigger",
        "card-declines",
        customer.stripe_customer_id,
        "--times",
        "9",
        stdout=StringIO(),
    )

    advance(31)
    advance(16)

    assert Subscription.objects.get().status == "unpaid"
    page = manage(owner_client, customer)
    assert 'data-field="status">Unpaid' in page
    assert "Stripe stopped retrying the payment; status past_due → unpaid" in page


ACTION_URLS = [
    ("subscription_switch", "get"),
    ("subscription_pause", "post"),
    ("subscription_resume", "post"),
    ("subscription_cancel_at_period_end", "post"),
    ("subscription_reactivate", "post"),
    ("subscription_cancel", "get"),
    ("subscription_trial_start", "post"),
    ("payment_method_link_new", "post"),
]


@pytest.mark.parametrize(("name", "method"), ACTION_URLS)
def test_another_agency_gets_404(client, outsider_client, customer, name, method):
    subscribe(client, customer)
    response = getattr(outsider_client, method)(reverse(name, args=[customer.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method"), ACTION_URLS)
def test_signed_out_people_are_sent_to_login(client, customer, name, method):
    response = getattr(client, method)(reverse(name, args=[customer.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_an_admin_can_take_every_action(client, admin, customer):
    subscribe(client, customer)
    admin_client = client_for(admin)

    admin_client.post(reverse("subscription_cancel_at_period_end", args=[customer.pk]))
    admin_client.post(reverse("subscription_reactivate", args=[customer.pk]))
    assert admin_client.get(reverse("subscription_switch", args=[customer.pk])).status_code == 200
    admin_client.post(reverse("subscription_cancel", args=[customer.pk]))

    assert Subscription.objects.get().status == "canceled"
    staff_lines = Activity.objects.exclude(outcome="stripe")
    assert set(staff_lines.values_list("actor", flat=True)) == {admin.user.pk}


def test_actions_on_a_customer_without_a_live_subscription_are_404(owner_client, customer):
    response = owner_client.post(reverse("subscription_pause", args=[customer.pk]))
    assert response.status_code == 404


def stripe_invoices(subscription: Subscription):
    """Oldest first."""
    listed = stripe_client().v1.invoices.list(
        {"subscription": subscription.stripe_id},
        options=account_options(subscription.agency.stripe_account_id),
    )
    return list(reversed(listed.data))


def half_used_paid_period(client, customer) -> Subscription:
    """A subscription whose 14-day trial ended and whose first paid month is part used."""
    subscription = subscribe(client, customer)
    advance(14 + 15)
    subscription.refresh_from_db()
    assert subscription.status == "active"
    return subscription


def unused_days(subscription: Subscription) -> tuple[int, int]:
    item = stripe_subscription(subscription)["items"].data[0]
    length = round((item.current_period_end - item.current_period_start) / 86400)
    return round((item.current_period_end - clock.now()) / 86400), length


def test_cancel_now_can_credit_the_unused_time_on_a_final_invoice(client, owner_client, customer):
    subscription = half_used_paid_period(client, customer)
    url = reverse("subscription_cancel", args=[customer.pk])

    confirm = owner_client.get(url).content.decode()
    assert "Credit the unused time" in confirm and "Invoice now" in confirm
    unused, length = unused_days(subscription)
    estimate = format_money(round(250000 * unused / length), "usd")
    assert f"about {estimate} ({unused} of {length} days unused)" in confirm

    page = owner_client.post(url, {"prorate": "on", "invoice_now": "on"}, follow=True)

    final = stripe_invoices(subscription)[-1]
    assert stripe_subscription(subscription).status == "canceled"
    assert final.total < 0 and final.amount_due == 0
    assert [line.description[:14] for line in final.lines.data] == ["Unused time on"]
    assert customer.invoices.filter(stripe_id=final.id, total=final.total).exists()
    line = customer.activities.get(kind="subscription_canceled")
    assert line.outcome == "done"
    assert "the unused time is credited on a final invoice" in line.message
    assert line.message in page.content.decode()


def test_cancel_now_by_default_credits_nothing_and_invoices_nothing(client, owner_client, customer):
    subscription = half_used_paid_period(client, customer)
    invoices_before = len(stripe_invoices(subscription))

    owner_client.post(reverse("subscription_cancel", args=[customer.pk]))

    assert stripe_subscription(subscription).status == "canceled"
    assert len(stripe_invoices(subscription)) == invoices_before
    line = customer.activities.get(kind="subscription_canceled")
    assert line.message == "Canceled now: no further charges, nothing credited"


def suspend(agency) -> None:
    agency.suspended = True
    agency.save()


def test_a_suspended_agency_can_still_pause_and_cancel_but_not_charge_more(
    client, owner_client, customer
):
    subscription = subscribe(client, customer)
    suspend(customer.agency)

    page = manage(owner_client, customer)
    assert "you can still pause collection or cancel" in page
    assert ">Switch plan<" not in page

    owner_client.post(reverse("subscription_pause", args=[customer.pk]), {"behavior": "void"})
    subscription.refresh_from_db()
    assert subscription.collection_paused

    refused = owner_client.post(reverse("subscription_resume", args=[customer.pk]), follow=True)
    assert "This agency is suspended: new billing is blocked" in refused.content.decode()
    subscription.refresh_from_db()
    assert subscription.collection_paused
    assert stripe_subscription(subscription).pause_collection is not None

    owner_client.post(reverse("subscription_cancel_at_period_end", args=[customer.pk]))
    refused = owner_client.post(reverse("subscription_reactivate", args=[customer.pk]), follow=True)
    assert "This agency is suspended" in refused.content.decode()
    assert stripe_subscription(subscription).cancel_at_period_end is True

    switch = owner_client.post(
        reverse("subscription_switch", args=[customer.pk]),
        {"price": customer.plan.prices.get(interval="year").pk},
    )
    assert "This agency is suspended" in switch.content.decode()
    assert stripe_subscription(subscription)["items"].data[0].price.recurring.interval == "month"

    url = reverse("subscription_cancel", args=[customer.pk])
    confirm = owner_client.get(url).content.decode()
    assert "Invoice now" not in confirm
    refused = owner_client.post(url, {"invoice_now": "on"}, follow=True)
    assert "This agency is suspended" in refused.content.decode()
    assert stripe_subscription(subscription).status == "trialing"

    owner_client.post(url, {"prorate": "on"})
    assert stripe_subscription(subscription).status == "canceled"
    assert customer.activities.filter(kind="subscription_canceled", outcome="done").exists()


def test_invoice_now_bills_an_earlier_switchs_prorations_on_a_final_invoice(
    client, owner_client, customer
):
    subscription = half_used_paid_period(client, customer)
    dearer = plan_create(agency=customer.agency, name="Growth", monthly_amount=500000)
    owner_client.post(
        reverse("subscription_switch", args=[customer.pk]),
        {"price": dearer.prices.get().pk, "proration_date": int(clock.now()), "confirm": "1"},
    )
    assert len(stripe_invoices(subscription)) == 2  # the prorations wait for the next invoice

    owner_client.post(reverse("subscription_cancel", args=[customer.pk]), {"invoice_now": "on"})

    final = stripe_invoices(subscription)[-1]
    assert final.status == "paid" and final.amount_paid > 0
    assert all(line.parent.type == "invoice_item_details" for line in final.lines.data)
    assert customer.invoices.get(stripe_id=final.id).amount_paid == final.amount_paid
    shown = format_money(final.amount_paid, "usd")
    assert customer.activities.filter(message=f"Final invoice paid: {shown}").exists()
    assert Subscription.objects.get(pk=subscription.pk).status == "canceled"
