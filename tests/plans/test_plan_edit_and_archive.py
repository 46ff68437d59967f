"""Edit a plan (name and description to the Stripe Product; a new amount is a new Price and
the old one is archived, subscribers stay on it), a one-time price, and archiving a plan."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agency_billing.errors import BillingError
from agency_billing.stripe_client import account_options, stripe_client
from checkout.services import checkout_link_generate
from customers.models import Subscription
from plans.models import Plan, Price
from plans.services import plan_update
from tests.conftest import client_for
from tests.factories import CustomerFactory
from tests.stripe_flows import pay_checkout


def at_stripe(kind, object_id, agency):
    return getattr(stripe_client().v1, kind).retrieve(
        object_id, options=account_options(agency.stripe_account_id)
    )


def edit(client, plan, **changes):
    data = {
        "name": plan.name,
        "description": plan.description,
        "monthly_amount": "2500.00",
        "yearly_amount": "25000.00",
        "trial_days": "14",
    } | changes
    return client.post(reverse("plan_edit", args=[plan.pk]), data)


def test_the_edit_form_starts_from_the_plan(owner_client, plan):
    page = owner_client.get(reverse("plan_edit", args=[plan.pk])).content.decode()

    assert 'value="Automation retainer"' in page
    assert 'value="2500.00"' in page
    assert 'value="25000.00"' in page


def test_name_and_description_go_to_the_stripe_product(owner_client, plan):
    response = edit(owner_client, plan, name="Automation+", description="Now with reports")

    assert response.status_code == 302
    plan.refresh_from_db()
    product = at_stripe("products", plan.stripe_product_id, plan.agency)
    assert (product.name, product.description) == ("Automation+", "Now with reports")
    assert plan.prices.filter(active=True).count() == 2  # same amounts: no new prices


def test_a_new_amount_is_a_new_price_and_subscribers_stay_on_the_old_one(
    client, owner_client, customer, plan
):
    old = plan.prices.get(interval="month")
    link = checkout_link_generate(customer=customer, price=old)
    pay_checkout(client, link.url, card="4242 4242 4242 4242")

    edit(owner_client, plan, monthly_amount="2750.00")

    old.refresh_from_db()
    new = plan.prices.get(interval="month", active=True)
    assert not old.active
    assert new.unit_amount == 275000 and new.stripe_price_id != old.stripe_price_id
    assert at_stripe("prices", old.stripe_price_id, plan.agency).active is False
    assert at_stripe("prices", new.stripe_price_id, plan.agency).unit_amount == 275000
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.stripe_price_id == old.stripe_price_id
    page = owner_client.get(reverse("plan_list")).content.decode()
    assert "2,500.00 USD / month (archived) · <span" in page
    assert page.count('data-field="subscribers">1 subscriber<') == 1
    assert '2,750.00 USD / month · <span data-field="subscribers">0 subscribers' in page
    other = CustomerFactory(agency=plan.agency, plan=plan)
    assert checkout_link_generate(customer=other, price=new).status == "open"


def test_a_plan_may_carry_a_one_time_price_that_links_do_not_offer(owner_client, customer, plan):
    edit(owner_client, plan, one_time_amount="500.00")

    one_time = plan.prices.get(interval=Price.Interval.ONE_TIME)
    stripe_price = at_stripe("prices", one_time.stripe_price_id, plan.agency)
    assert stripe_price.type == "one_time" and stripe_price.recurring is None
    assert "500.00 USD one-time" in owner_client.get(reverse("plan_list")).content.decode()
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert page.count("Generate Session") == 2


def test_a_stripe_refusal_changes_none_of_our_rows(owner_client, plan):
    Plan.objects.filter(pk=plan.pk).update(stripe_product_id="prod_DoesNotExist00")

    response = edit(owner_client, plan, name="Renamed", monthly_amount="9.99")

    assert "Stripe could not update the plan" in response.content.decode()
    plan.refresh_from_db()
    assert plan.name == "Automation retainer"
    assert list(plan.prices.filter(active=True).values_list("unit_amount", flat=True)) == [
        250000,
        2500000,
    ]


def test_archiving_a_plan_hides_it_from_pickers_and_keeps_its_history(owner_client, customer, plan):
    response = owner_client.post(reverse("plan_archive", args=[plan.pk]), follow=True)

    page = response.content.decode()
    assert "archived. Its subscribers keep their subscriptions." in page
    assert "Archived plans" in page
    plan.refresh_from_db()
    assert plan.archived_at is not None
    assert at_stripe("products", plan.stripe_product_id, plan.agency).active is False
    form = owner_client.get(reverse("customer_create")).content.decode()
    assert "Automation retainer" not in form
    generate = owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]),
        {"price": plan.prices.get(interval="month").pk},
        follow=True,
    )
    assert "This plan is archived" in generate.content.decode()


def test_plan_urls_are_404_for_another_agency_and_open_to_admins(
    outsider_client, admin_client_, plan
):
    for url in (reverse("plan_edit", args=[plan.pk]), reverse("plan_archive", args=[plan.pk])):
        assert outsider_client.post(url, {"name": "Stolen"}).status_code == 404, url
    assert outsider_client.get(reverse("plan_edit", args=[plan.pk])).status_code == 404
    assert admin_client_.get(reverse("plan_edit", args=[plan.pk])).status_code == 200
    assert edit(admin_client_, plan, name="By an admin").status_code == 302
    assert admin_client_.post(reverse("plan_archive", args=[plan.pk])).status_code == 302
    plan.refresh_from_db()
    assert plan.name == "By an admin" and plan.archived_at is not None


def active_prices_at_stripe(plan):
    return {
        price.id: price.unit_amount
        for price in stripe_client()
        .v1.prices.list(
            {"product": plan.stripe_product_id, "active": True},
            account_options(plan.agency.stripe_account_id),
        )
        .data
    }


def test_a_refusal_partway_through_an_edit_leaves_nothing_dangling_at_stripe(plan):
    before = active_prices_at_stripe(plan)
    assert sorted(before.values()) == [250000, 2500000]

    # Stripe takes the new monthly price, then refuses the yearly one (over its maximum).
    with pytest.raises(BillingError, match="Stripe could not update the plan"):
        plan_update(
            plan=plan,
            name="Renamed",
            monthly_amount=300000,
            yearly_amount=100_000_000,
            trial_days=14,
        )

    assert active_prices_at_stripe(plan) == before
    product = at_stripe("products", plan.stripe_product_id, plan.agency)
    assert product.name == "Automation retainer"
    plan.refresh_from_db()
    assert plan.name == "Automation retainer"
    assert sorted(
        plan.prices.filter(active=True).values_list("stripe_price_id", flat=True)
    ) == sorted(before)


def test_a_retry_after_a_refusal_makes_each_new_price_once(plan):
    with pytest.raises(BillingError):
        plan_update(plan=plan, name=plan.name, monthly_amount=300000, yearly_amount=100_000_000)

    plan_update(plan=plan, name=plan.name, monthly_amount=300000, yearly_amount=2500000)

    prices = stripe_client().v1.prices.list(
        {"product": plan.stripe_product_id, "limit": 100},
        account_options(plan.agency.stripe_account_id),
    )
    amounts = sorted(price.unit_amount for price in prices.data if price.active)
    assert amounts == [300000, 2500000]


def test_an_edit_while_another_is_being_saved_is_refused_and_changes_nothing(owner_client, plan):
    before = active_prices_at_stripe(plan)
    started = timezone.now() - timedelta(seconds=5)
    Plan.objects.filter(pk=plan.pk).update(edit_started_at=started)  # a teammate's save

    response = edit(owner_client, plan, name="Mine", monthly_amount="3000.00")

    assert response.status_code == 200
    assert "Someone else is saving a change to this plan" in response.content.decode()
    plan.refresh_from_db()
    assert plan.name == "Automation retainer" and plan.edit_started_at == started
    assert sorted(plan.prices.values_list("unit_amount", flat=True)) == [250000, 2500000]
    assert active_prices_at_stripe(plan) == before
    assert at_stripe("products", plan.stripe_product_id, plan.agency).name == plan.name


def test_an_edit_interrupted_long_ago_does_not_lock_the_plan(owner_client, plan):
    Plan.objects.filter(pk=plan.pk).update(edit_started_at=timezone.now() - timedelta(minutes=16))

    response = edit(owner_client, plan, monthly_amount="3000.00")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.edit_started_at is None
    assert plan.prices.get(interval="month", active=True).unit_amount == 300000


def test_an_edit_refused_by_stripe_unlocks_the_plan(plan):
    with pytest.raises(BillingError):
        plan_update(plan=plan, name=plan.name, monthly_amount=300000, yearly_amount=100_000_000)

    plan.refresh_from_db()
    assert plan.edit_started_at is None
    plan_update(plan=plan, name=plan.name, monthly_amount=300000, yearly_amount=2500000)
    plan.refresh_from_db()
    assert plan.edit_started_at is None


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_new_prices_at_once_never_get_an_error_page(owner, plan):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def save(monthly: str):
        try:
            browser = client_for(owner)
            barrier.wait()
            statuses.append(edit(browser, plan, monthly_amount=monthly).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(amount,)) for amount in ("3000.00", "3500.00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Each is saved (302) or told to reload and try again (200); none meets a 500.
    assert len(statuses) == 2 and set(statuses) <= {200, 302} and 302 in statuses
    plan.refresh_from_db()
    assert plan.edit_started_at is None
    active = {price.stripe_price_id: price.unit_amount for price in plan.prices.filter(active=True)}
    assert sorted(active.values())[0] in (300000, 350000) and len(active) == 2
    assert active_prices_at_stripe(plan) == active
