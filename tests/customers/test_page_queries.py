"""Pages read our mirror with a fixed number of SQL queries, however much there is."""

from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkout.models import CheckoutLink
from customers.activity import activity_record
from customers.models import Customer, PaymentMethod, Subscription
from tests.factories import CustomerFactory, PlanFactory, PriceFactory


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_subscription(customer, n: int) -> None:
    card = PaymentMethod.objects.create(
        customer=customer, stripe_id=f"pm_{customer.pk}_{n}", brand="visa", last4="4242"
    )
    Subscription.objects.create(
        agency=customer.agency,
        customer=customer,
        stripe_id=f"sub_{customer.pk}_{n}",
        status="canceled",
        unit_amount=1000,
        currency="usd",
        interval="month",
        default_payment_method=card,
    )


def test_the_customer_list_costs_the_same_for_1_or_30_customers(owner_client, agency):
    plan = PlanFactory(agency=agency)
    add_subscription(CustomerFactory(agency=agency, plan=plan), 0)
    one = queries_for(owner_client, reverse("customer_list"))

    for _ in range(29):
        add_subscription(CustomerFactory(agency=agency, plan=plan), 0)

    assert queries_for(owner_client, reverse("customer_list")) == one


def test_manage_customer_costs_the_same_with_1_or_10_subscriptions_links_and_activities(
    owner_client, owner, agency
):
    plan = PlanFactory(agency=agency)
    month = PriceFactory(plan=plan, interval="month", stripe_price_id="price_m")
    PriceFactory(plan=plan, interval="year", stripe_price_id="price_y")
    customer = CustomerFactory(agency=agency, plan=plan)
    add_subscription(customer, 0)
    url = reverse("customer_manage", args=[customer.pk])
    one = queries_for(owner_client, url)

    for n in range(1, 10):
        add_subscription(customer, n)
        CheckoutLink.objects.create(
            agency=agency, customer=customer, price=month, mode="subscription", status="expired"
        )
        activity_record(customer=customer, kind="note", message=f"line {n}", actor=owner.user)

    assert queries_for(owner_client, url) == one


def test_manage_customers_costs_the_same_for_1_or_10000_customers_whatever_the_filters(
    owner_client, agency
):
    plan = PlanFactory(agency=agency)
    subscribed = CustomerFactory(agency=agency, plan=plan, name="Acme 0", company="Acme")
    Subscription.objects.create(
        agency=agency, customer=subscribed, stripe_id="sub_small", status="active"
    )
    CustomerFactory(agency=agency, plan=plan, name="Never subscribed")
    views = [
        {},
        {"q": "acme"},
        {"status": "subscribed", "plan": plan.pk},
        {"sort": "status", "page": "2"},
        {"sort": "-created", "status": "none"},
    ]
    url = reverse("customer_list")
    small = [queries_for(owner_client, f"{url}?{urlencode(params)}") for params in views]

    customers = Customer.objects.bulk_create(
        Customer(
            agency=agency,
            plan=plan,
            name=f"Client {n:05d}",
            email=f"c{n}@example.com",
            company="Acme" if n % 3 else "",
        )
        for n in range(2, 10_000)
    )
    Subscription.objects.bulk_create(
        Subscription(
            agency=agency,
            customer=customer,
            stripe_id=f"sub_bulk_{customer.pk}",
            status=["active", "trialing", "past_due", "canceled"][n % 4],
        )
        for n, customer in enumerate(customers)
        if n % 5
    )
    assert agency.customers.count() == 10_000

    large = [queries_for(owner_client, f"{url}?{urlencode(params)}") for params in views]

    assert large == small
