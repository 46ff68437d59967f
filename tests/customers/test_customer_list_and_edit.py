"""Manage Customers at scale (search, filter, sort, the dashboard's counts) and Edit
Customer."""

import re

import pytest
from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink, PayLink
from checkout.services import checkout_link_generate, pay_link_ensure
from customers.models import Customer, Subscription
from customers.services import customer_ensure_stripe
from tests.factories import CustomerFactory, PlanFactory
from tests.stripe_flows import pay_checkout


def subscribe(customer, status, n=0):
    Subscription.objects.create(
        agency=customer.agency, customer=customer, stripe_id=f"sub_{customer.pk}_{n}", status=status
    )


def names_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/customers/\d+/">([^<]+)</a></td>', page)


def listing(client, **params) -> str:
    return client.get(reverse("customer_list"), params).content.decode()


@pytest.fixture
def clients(agency):
    growth, lite = (
        PlanFactory(agency=agency, name="Growth"),
        PlanFactory(agency=agency, name="Lite"),
    )
    ada = CustomerFactory(agency=agency, name="Ada", email="ada@acme.example", plan=growth)
    bob = CustomerFactory(agency=agency, name="Bob", company="Acme Corp", plan=lite)
    cy = CustomerFactory(agency=agency, name="Cy", email="cy@else.example")
    subscribe(ada, "active")
    subscribe(ada, "canceled", 1)  # two subscriptions: still one customer
    subscribe(bob, "past_due")
    return {"ada": ada, "bob": bob, "cy": cy, "growth": growth, "lite": lite}


def test_search_finds_customers_by_name_email_or_company(owner_client, clients):
    assert names_on(listing(owner_client, q="acme")) == ["Ada", "Bob"]
    assert names_on(listing(owner_client, q="CY")) == ["Cy"]
    assert names_on(listing(owner_client, q="nobody")) == []
    assert "No customer matches" in listing(owner_client, q="nobody")


def test_filters_by_status_and_plan(owner_client, clients):
    assert names_on(listing(owner_client, status="subscribed")) == ["Ada", "Bob"]
    assert names_on(listing(owner_client, status="past_due")) == ["Bob"]
    assert names_on(listing(owner_client, status="none")) == ["Cy"]
    assert names_on(listing(owner_client, plan=clients["growth"].pk)) == ["Ada"]
    assert names_on(listing(owner_client, status="subscribed", plan=clients["lite"].pk)) == ["Bob"]


def test_sorts_by_name_created_and_status(owner_client, clients):
    assert names_on(listing(owner_client, sort="-name")) == ["Cy", "Bob", "Ada"]
    assert names_on(listing(owner_client, sort="-created")) == ["Cy", "Bob", "Ada"]
    assert names_on(listing(owner_client, sort="created")) == ["Ada", "Bob", "Cy"]
    assert names_on(listing(owner_client, sort="status")) == ["Ada", "Bob", "Cy"]


def test_a_customers_status_is_its_live_subscription(owner_client, clients):
    page = listing(owner_client, q="Ada")

    assert '<span class="status active">Active</span>' in page
    assert 'class="status canceled"' not in page


def test_bad_filter_values_are_ignored_not_a_500(owner_client, clients):
    response = owner_client.get(reverse("customer_list"), {"status": "bogus", "plan": "x"})

    assert response.status_code == 200
    assert names_on(response.content.decode()) == ["Ada", "Bob", "Cy"]


def test_pages_keep_the_filters(owner_client, agency):
    for n in range(51):
        CustomerFactory(agency=agency, name=f"Client {n:02d}", company="Acme")

    page = listing(owner_client, q="acme", sort="-name")

    assert 'href="?q=acme&amp;sort=-name&amp;page=2"' in page


def test_the_dashboard_counts_what_the_lists_show(owner_client, clients):
    dashboard = owner_client.get(reverse("dashboard")).content.decode()

    assert 'data-field="customers">3</strong>' in dashboard
    assert 'data-field="subscribed">2</strong>' in dashboard
    assert len(names_on(listing(owner_client))) == 3
    assert len(names_on(listing(owner_client, status="subscribed"))) == 2


def edit(client, customer, **changes):
    data = {
        "name": customer.name,
        "email": customer.email,
        "company": customer.company,
        "plan": customer.plan_id or "",
    } | changes
    return client.post(reverse("customer_edit", args=[customer.pk]), data)


def test_a_customer_without_a_plan_can_be_given_one(owner_client, customer):
    planless = CustomerFactory(agency=customer.agency, name="Eve")
    page = owner_client.get(reverse("customer_manage", args=[planless.pk])).content.decode()
    assert reverse("customer_edit", args=[planless.pk]) in page

    response = edit(owner_client, planless, plan=customer.plan_id)

    assert response["Location"] == reverse("customer_manage", args=[planless.pk])
    page = owner_client.get(response["Location"]).content.decode()
    assert "Generate Session" in page


def test_editing_a_customer_updates_the_stripe_customer(owner_client, customer):
    stripe_id = customer_ensure_stripe(customer)

    edit(owner_client, customer, name="Dana Q. Client", email="dq@client.example", company="DQ")

    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.company) == (
        "Dana Q. Client",
        "dq@client.example",
        "DQ",
    )
    at_stripe = stripe_client().v1.customers.retrieve(
        stripe_id, options=account_options(customer.agency.stripe_account_id)
    )
    assert (at_stripe.name, at_stripe.email, at_stripe.description) == (
        "Dana Q. Client",
        "dq@client.example",
        "DQ",
    )


def test_a_stripe_refusal_changes_nothing(owner_client, customer):
    Customer.objects.filter(pk=customer.pk).update(stripe_customer_id="cus_DoesNotExist000")

    response = edit(owner_client, customer, name="Renamed")

    assert "Stripe could not update the customer" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name != "Renamed"


def test_an_email_of_another_customer_is_refused_by_the_field(owner_client, customer):
    CustomerFactory(agency=customer.agency, email="taken@client.example")

    response = edit(owner_client, customer, email="TAKEN@client.example")

    assert 'id="id_email_error"' in response.content.decode()


def test_a_new_plan_closes_the_links_of_the_old_one(
    owner_client, customer, django_capture_on_commit_callbacks
):
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    pay_link = pay_link_ensure(customer=customer, price=customer.plan.prices.get(interval="year"))
    other = PlanFactory(agency=customer.agency, name="Other")

    with django_capture_on_commit_callbacks(execute=True):
        edit(owner_client, customer, plan=other.pk)

    assert CheckoutLink.objects.get(pk=link.pk).status == "expired"
    assert PayLink.objects.get(pk=pay_link.pk).revoked_at is not None


def test_a_subscribed_customer_keeps_the_plan_here(client, owner_client, customer):
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    pay_checkout(client, link.url, card="4242 4242 4242 4242")
    other = PlanFactory(agency=customer.agency, name="Other")

    response = edit(owner_client, customer, plan=other.pk)

    assert "switch the plan of the subscription instead" in response.content.decode()
    customer.refresh_from_db()
    assert customer.plan.name == "Automation retainer"


def test_the_portal_toggle_says_what_it_does(owner_client, agency):
    customer = CustomerFactory(agency=agency, email_login_credentials=True)

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    form = owner_client.get(reverse("customer_create")).content.decode()

    assert "Login credentials emailed" not in page
    assert "Contacts says who was invited and when" in page
    assert "billing contact is emailed an invitation to the client portal" in form


def test_turning_the_portal_toggle_on_in_edit_emails_the_invitation(
    owner_client, agency, mailoutbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(agency=agency, email="eve@client.example")

    with django_capture_on_commit_callbacks(execute=True):
        edit(owner_client, customer, email_login_credentials="on")
    with django_capture_on_commit_callbacks(execute=True):
        edit(owner_client, customer, email_login_credentials="on", name="Eve again")

    assert [email.to for email in mailoutbox] == [["eve@client.example"]]
    assert customer.contacts.get().invited_at is not None


def test_edit_customer_is_404_for_another_agency_and_open_to_admins(
    outsider_client, admin_client_, agency
):
    customer = CustomerFactory(agency=agency, name="Mine")
    url = reverse("customer_edit", args=[customer.pk])

    assert outsider_client.get(url).status_code == 404
    assert edit(outsider_client, customer, name="Stolen").status_code == 404
    assert admin_client_.get(url).status_code == 200
    assert edit(admin_client_, customer, name="Renamed").status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Renamed"
