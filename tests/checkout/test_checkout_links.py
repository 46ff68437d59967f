from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from customers.models import Subscription
from plans.models import Plan, Price
from plans.services import plan_create
from tests.factories import CustomerFactory
from tests.stripe_flows import pay_checkout


def generate(client, customer, interval="month", **extra):
    price = customer.plan.prices.get(interval=interval)
    return client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price.pk} | extra
    )


def session_of(link):
    return stripe_client().v1.checkout.sessions.retrieve(
        link.stripe_session_id, options=account_options(link.agency.stripe_account_id)
    )


def test_manage_customer_offers_a_session_for_each_price_of_the_plan(owner_client, customer):
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()

    assert "Monthly Subscription" in page
    assert "Yearly Subscription" in page
    assert page.count("Generate Session") == 2


def test_only_the_prices_the_plan_has_are_offered(owner_client, connected_agency):
    monthly_only = plan_create(agency=connected_agency, name="Lite", monthly_amount=9900)
    customer = CustomerFactory(agency=connected_agency, plan=monthly_only)

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()

    assert "Monthly Subscription" in page
    assert "Yearly Subscription" not in page


def test_generate_session_makes_a_24_hour_stripe_checkout_link(owner_client, customer, plan):
    response = generate(owner_client, customer)

    assert response.status_code == 302
    link = CheckoutLink.objects.get(customer=customer)
    assert link.status == "open"
    assert timedelta(hours=23, minutes=59) < link.expires_at - timezone.now() <= timedelta(hours=24)
    session = session_of(link)
    assert session.mode == "subscription"
    assert session.url == link.url
    assert session.customer == customer.__class__.objects.get(pk=customer.pk).stripe_customer_id
    assert session.client_reference_id == str(link.pk)
    assert session.expires_at == int(link.expires_at.timestamp())
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert link.url in page
    assert "Copy" in page
    assert "Expires" in page
    assert "Regenerate" in page


def test_the_paid_subscription_carries_the_plan_price_trial_and_platform_fee(
    client, owner_client, customer, plan
):
    generate(owner_client, customer, interval="year")
    link = CheckoutLink.objects.get(customer=customer)
    pay_checkout(client, link.url, card="5555 5555 5555 4444")

    subscription = stripe_client().v1.subscriptions.retrieve(
        session_of(link).subscription, options=account_options(link.agency.stripe_account_id)
    )
    assert (
        subscription["items"].data[0].price.id == plan.prices.get(interval="year").stripe_price_id
    )
    assert subscription.status == "trialing"
    assert subscription.trial_end - subscription.trial_start == 14 * 24 * 3600
    assert float(subscription.application_fee_percent) == 0.5
    assert subscription.metadata["checkout_link_id"] == str(link.pk)


def test_a_double_click_makes_one_stripe_session(owner_client, customer):
    generate(owner_client, customer)
    generate(owner_client, customer)

    assert CheckoutLink.objects.filter(customer=customer).count() == 1
    sessions = stripe_client().v1.checkout.sessions.list(
        {"customer": customer.__class__.objects.get(pk=customer.pk).stripe_customer_id},
        options=account_options(customer.agency.stripe_account_id),
    )
    assert len(sessions.data) == 1


def test_regenerate_expires_the_old_session_and_makes_a_new_one(owner_client, customer):
    generate(owner_client, customer)
    old = CheckoutLink.objects.get(customer=customer)

    generate(owner_client, customer, regenerate="1")

    old.refresh_from_db()
    new = CheckoutLink.objects.exclude(pk=old.pk).get(customer=customer)
    assert old.status == "expired"
    assert session_of(old).status == "expired"
    assert new.status == "open"
    assert new.url != old.url


def test_paying_the_link_shows_the_subscription_on_manage_customer(
    client, owner_client, customer, plan
):
    generate(owner_client, customer)
    link = CheckoutLink.objects.get(customer=customer)

    thank_you = pay_checkout(client, link.url, card="4242 4242 4242 4242")

    assert "Thank you" in thank_you
    link.refresh_from_db()
    assert link.status == "complete"
    subscription = Subscription.objects.get(customer=customer)
    assert subscription.status == "trialing"
    assert subscription.unit_amount == 250000
    assert subscription.trial_end.date() == (timezone.now() + timedelta(days=14)).date()
    assert subscription.default_payment_method.brand == "visa"
    assert subscription.default_payment_method.last4 == "4242"
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert "On trial" in page
    assert "2,500.00 USD / month" in page
    assert "Visa •••• 4242" in page
    assert "Generate Session" not in page


def test_a_declined_card_creates_nothing(client, owner_client, customer):
    generate(owner_client, customer)
    link = CheckoutLink.objects.get(customer=customer)

    page = pay_checkout(client, link.url, card="4000 0000 0000 0002")

    assert "Your card was declined." in page
    assert session_of(link).status == "open"
    assert not Subscription.objects.filter(customer=customer).exists()
    link.refresh_from_db()
    assert link.status == "open"


def test_another_agencys_customer_answers_404(outsider_client, customer):
    response = generate(outsider_client, customer)

    assert response.status_code == 404
    assert not CheckoutLink.objects.exists()


def test_an_admin_can_generate_links(admin_client_, customer):
    generate(admin_client_, customer)

    assert CheckoutLink.objects.filter(customer=customer).count() == 1


def test_a_stripe_error_is_a_message_and_leaves_no_link(owner_client, customer):
    price = customer.plan.prices.get(interval="month")
    price.stripe_price_id = "price_1DoesNotExist0000000000"
    price.save()

    response = generate(owner_client, customer)

    page = owner_client.get(response["Location"]).content.decode()
    assert "Stripe could not create the checkout link" in page
    assert not CheckoutLink.objects.exists()


def test_the_return_page_refuses_a_session_id_that_is_not_the_links(client, owner_client, customer):
    generate(owner_client, customer)
    link = CheckoutLink.objects.get(customer=customer)

    response = client.get(reverse("checkout_return", args=[link.pk]), {"session_id": "cs_other"})

    assert response.status_code == 404


def test_before_stripe_is_connected_manage_customer_calls_nothing(owner_client, agency):
    plan = Plan.objects.create(agency=agency, name="Draft")
    price = Price.objects.create(plan=plan, interval="month", unit_amount=1000, currency="usd")
    customer = CustomerFactory(agency=agency, plan=plan)

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    response = owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price.pk}, follow=True
    )

    assert "Connect Stripe to start billing" in page
    assert "Generate Session" not in page
    assert "Connect Stripe to start billing." in response.content.decode()
    customer.refresh_from_db()
    assert customer.stripe_customer_id is None
    assert not CheckoutLink.objects.exists()
