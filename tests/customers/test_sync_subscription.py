from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from checkout.services import checkout_link_generate
from customers.models import Subscription
from tests.stripe_flows import pay_checkout


def subscribe(client, customer) -> Subscription:
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )
    pay_checkout(client, link.url, card="4242 4242 4242 4242")
    return Subscription.objects.get(customer=customer)


def test_sync_subscription_repairs_the_mirror_from_stripe(client, owner_client, customer):
    subscription = subscribe(client, customer)
    # Stripe changed while we missed the webhook.
    stripe_client().v1.subscriptions.update(
        subscription.stripe_id,
        {"cancel_at_period_end": True},
        account_options(customer.agency.stripe_account_id),
    )
    subscription.refresh_from_db()
    assert not subscription.cancel_at_period_end

    response = owner_client.post(reverse("customer_sync", args=[customer.pk]), follow=True)

    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    page = response.content.decode()
    assert f"Synced from Stripe: {subscription.stripe_id}: cancel at period end no → yes" in page
    assert "Canceling on" in page


def test_an_admin_can_sync(client, admin_client_, customer):
    subscribe(client, customer)

    response = admin_client_.post(reverse("customer_sync", args=[customer.pk]))

    assert response.status_code == 302


def test_sync_answers_404_for_another_agencys_customer(outsider_client, customer):
    response = outsider_client.post(reverse("customer_sync", args=[customer.pk]))

    assert response.status_code == 404


def test_sync_is_post_only(owner_client, customer):
    assert owner_client.get(reverse("customer_sync", args=[customer.pk])).status_code == 405


def test_sync_subscription_reads_recent_invoices_back_and_says_what_changed(
    client, owner_client, customer
):
    subscription = subscribe(client, customer)
    assert not customer.invoices.exists()  # the invoice webhooks were missed
    stripe_invoice = (
        stripe_client()
        .v1.invoices.list(
            {"subscription": subscription.stripe_id},
            account_options(customer.agency.stripe_account_id),
        )
        .data[0]
    )

    first = owner_client.post(reverse("customer_sync", args=[customer.pk]), follow=True)

    invoice = customer.invoices.get()
    assert (invoice.stripe_id, invoice.status, invoice.total) == (
        stripe_invoice.id,
        "paid",
        stripe_invoice.total,
    )
    assert f"{stripe_invoice.number}: new invoice, paid" in first.content.decode()

    customer.invoices.update(status="open")  # our mirror drifted
    second = owner_client.post(reverse("customer_sync", args=[customer.pk]), follow=True)

    assert customer.invoices.get().status == "paid"
    assert f"{stripe_invoice.number}: status open → paid" in second.content.decode()
    third = owner_client.post(reverse("customer_sync", args=[customer.pk]), follow=True)
    assert "Synced from Stripe: nothing had changed." in third.content.decode()
