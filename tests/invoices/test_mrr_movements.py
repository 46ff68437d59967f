"""MRR movements over a month, through the sandbox's webhooks: a new, an upgraded, a
downgraded (to a yearly price) and a canceled subscription, a cancellation at period end and
a trial, against figures computed by hand; then the same events again, newest first and
twice, add up to the same figures."""

import pytest
from django.urls import reverse

from checkout.services import checkout_link_generate
from customers.models import MrrMovement, Subscription
from plans.services import plan_create
from tests.factories import CustomerFactory
from tests.stripe_flows import pay_checkout
from tests.sync.stripe_timeline import deliver_from_stripe, stripe_clock_moves_on, stripe_events
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plans(connected_agency):
    """Basic: 100.00 a month or 1,000.00 a year; Pro: 300.00 a month. No trials."""
    basic = plan_create(
        agency=connected_agency, name="Basic", monthly_amount=10000, yearly_amount=100000
    )
    pro = plan_create(agency=connected_agency, name="Pro", monthly_amount=30000)
    return {
        "basic": basic.prices.get(interval="month"),
        "basic_yearly": basic.prices.get(interval="year"),
        "pro": pro.prices.get(interval="month"),
    }


def subscribe(client, agency, name, price) -> Subscription:
    customer = CustomerFactory(
        agency=agency, name=name, email=f"{name.lower()}@client.example", plan=price.plan
    )
    pay_checkout(
        client,
        checkout_link_generate(customer=customer, price=price).url,
        card="4242 4242 4242 4242",
    )
    stripe_clock_moves_on(60)
    return Subscription.objects.get(customer=customer)


def switch(owner_client, subscription, price) -> None:
    url = reverse("subscription_switch", args=[subscription.customer_id])
    preview = owner_client.post(url, {"price": price.pk}).content.decode()
    proration = preview.split('name="proration_date" value="')[1].split('"')[0]
    confirm = {"price": price.pk, "proration_date": proration, "confirm": "1"}
    assert owner_client.post(url, confirm).status_code == 302
    stripe_clock_moves_on(60)


@pytest.fixture
def a_month_of_subscriptions(client, owner_client, connected_agency, plan, plans):
    agency = connected_agency
    subscribe(client, agency, "Ada", plans["basic"])
    upgraded = subscribe(client, agency, "Ben", plans["basic"])
    switch(owner_client, upgraded, plans["pro"])
    downgraded = subscribe(client, agency, "Cleo", plans["pro"])
    switch(owner_client, downgraded, plans["basic_yearly"])
    canceled = subscribe(client, agency, "Dev", plans["basic"])
    assert (
        owner_client.post(reverse("subscription_cancel", args=[canceled.customer_id])).status_code
        == 302
    )
    stripe_clock_moves_on(60)
    leaving = subscribe(client, agency, "Eve", plans["pro"])
    owner_client.post(reverse("subscription_cancel_at_period_end", args=[leaving.customer_id]))
    trial = CustomerFactory(agency=agency, plan=plan, email="fay@client.example")
    owner_client.post(
        reverse("subscription_trial_start", args=[trial.pk]),
        {"price": plan.prices.get(interval="month").pk},
    )
    assert Subscription.objects.filter(status="trialing").count() == 1


# By hand, in cents. New: Ada, Ben and Dev 100.00 each, Cleo and Eve 300.00 each (Fay's
# trial counts nothing). Ben 100.00 → 300.00. Cleo 300.00 → 1,000.00 / 12 = 83.33. Dev's
# 100.00 ends. Eve, canceling at period end, still counts.
NEW = 10000 * 3 + 30000 * 2
EXPANSION = 30000 - 10000
CONTRACTION = 30000 - 8333
CHURN = 10000
MRR = 10000 + 30000 + 8333 + 30000  # Ada, Ben, Cleo, Eve
FIGURES = {
    "new": NEW,
    "expansion": EXPANSION,
    "contraction": CONTRACTION,
    "churn": CHURN,
    "reactivation": 0,
    "net_new": NEW + EXPANSION - CONTRACTION - CHURN,
}


def shown(owner_client) -> dict[str, str]:
    page = owner_client.get(reverse("revenue")).content.decode()
    row = page.split('<tr data-currency="usd">')[1].split("</tr>")[0]
    cells = row.split('data-field="')[1:]
    return {cell.split('"')[0]: cell.split(">")[1].split("<")[0] for cell in cells}


def money(cents: int) -> str:
    return f"{cents / 100:,.2f} USD"


def test_the_months_movements_match_the_hand_computed_ones(owner_client, a_month_of_subscriptions):
    figures = shown(owner_client)

    assert {name: figures[name] for name in FIGURES} == {
        name: money(cents) for name, cents in FIGURES.items()
    }
    assert figures["net_new"] == money(MRR) == "783.33 USD"  # the month began with no MRR
    assert figures["mrr"] == money(MRR) and figures["arr"] == money(MRR * 12)
    assert figures["active"] == "4"
    page = owner_client.get(reverse("revenue")).content.decode()
    assert "a cancellation at period end churns when the period ends" in page


def test_the_same_events_newest_first_and_twice_add_up_the_same(
    owner_client, connected_agency, a_month_of_subscriptions
):
    before = shown(owner_client)
    states = list(Subscription.objects.order_by("pk").values_list("status", "unit_amount"))
    events = stripe_events(connected_agency)
    assert {"customer.subscription.created", "customer.subscription.updated"} <= {
        event.type for event in events
    }
    # As if none had arrived yet: then every event, newest first, delivered twice.
    MrrMovement.objects.all().delete()
    WebhookEvent.objects.all().delete()

    for event in reversed(events):
        deliver_from_stripe(event.id)
        deliver_from_stripe(event.id)

    assert shown(owner_client) == before
    assert list(Subscription.objects.order_by("pk").values_list("status", "unit_amount")) == states
    assert MrrMovement.objects.filter(kind="churn").get().subscription.customer.name == "Dev"


def test_pausing_collection_churns_and_resuming_reactivates(
    client, owner_client, connected_agency, plans
):
    subscription = subscribe(client, connected_agency, "Gus", plans["pro"])
    pause = {"behavior": "keep_as_draft"}
    owner_client.post(reverse("subscription_pause", args=[subscription.customer_id]), pause)
    stripe_clock_moves_on(60)
    owner_client.post(reverse("subscription_resume", args=[subscription.customer_id]))

    figures = shown(owner_client)

    assert (figures["new"], figures["churn"], figures["reactivation"]) == (
        "300.00 USD",
        "300.00 USD",
        "300.00 USD",
    )
    assert figures["net_new"] == figures["mrr"] == "300.00 USD"
