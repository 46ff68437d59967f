import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory


@pytest.fixture
def operator_client(client, db):
    operator = get_user_model().objects.create_superuser("operator", "op@example.com", "pw")
    client.force_login(operator)
    return client


def test_every_model_of_ours_has_a_working_admin_list(operator_client, agency):
    CustomerFactory(agency=agency)
    ours = [m for m in admin.site._registry if m._meta.app_label not in {"auth"}]
    assert {m._meta.label for m in ours} >= {
        "agencies.Agency",
        "agencies.Membership",
        "plans.Plan",
        "customers.Customer",
        "customers.Subscription",
        "customers.PaymentMethod",
        "checkout.CheckoutLink",
        "invoices.Invoice",
        "webhooks.WebhookEvent",
    }
    for model in ours:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert operator_client.get(url).status_code == 200, url


def test_the_operator_suspends_an_agency_and_billing_stops(operator_client, agency):
    agency.stripe_account_id, agency.charges_enabled = "acct_1Operator0000000", True
    agency.save()
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    form = {"name": agency.name, "currency": "usd", "suspended": "on", "fee_percent": ""}
    inline = {
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": agency.memberships.get().pk,
        "memberships-0-agency": agency.pk,
        "memberships-0-user": agency.memberships.get().user_id,
        "memberships-0-role": "owner",
    }

    response = operator_client.post(url, form | inline)

    assert response.status_code == 302, response.content.decode()[:2000]
    agency.refresh_from_db()
    assert agency.suspended
    assert not agency.can_bill


def test_a_suspended_agency_is_told_why_it_cannot_bill(owner_client, connected_agency):
    connected_agency.suspended = True
    connected_agency.save()

    response = owner_client.post(
        reverse("plan_new"), {"name": "Retainer", "monthly_amount": "2500.00"}
    )

    assert "This agency is suspended: new billing is blocked" in response.content.decode()
    assert not connected_agency.plans.exists()


def test_stripe_mirror_tables_are_read_only_and_show_money(operator_client, agency):
    from customers.models import Subscription
    from invoices.models import Invoice

    customer = CustomerFactory(agency=agency)
    subscription = Subscription.objects.create(
        agency=agency,
        customer=customer,
        stripe_id="sub_Admin000000000000",
        status="active",
        unit_amount=250000,
        currency="usd",
        interval="month",
    )
    invoice = Invoice.objects.create(
        agency=agency,
        customer=customer,
        stripe_id="in_Admin0000000000000",
        status="open",
        currency="jpy",
        total=300000,
        amount_due=300000,
        stripe_created=subscription.stripe_synced_at or timezone.now(),
    )

    listing = operator_client.get(reverse("admin:customers_subscription_changelist"))
    assert "2,500.00 USD" in listing.content.decode()
    assert (
        "300,000 JPY"
        in operator_client.get(reverse("admin:invoices_invoice_changelist")).content.decode()
    )
    detail = operator_client.get(
        reverse("admin:customers_subscription_change", args=[subscription.pk])
    )
    assert detail.status_code == 200
    assert "2,500.00 USD" in detail.content.decode()
    assert (
        'type="submit"'
        not in detail.content.decode().split("<footer")[0].split('id="content-main"')[1]
    )

    for name, row in [
        ("customers_subscription", subscription),
        ("invoices_invoice", invoice),
        ("customers_paymentmethod", None),
        ("checkout_checkoutlink", None),
    ]:
        assert operator_client.get(reverse(f"admin:{name}_add")).status_code == 403, name
        if row is not None:
            change = reverse(f"admin:{name}_change", args=[row.pk])
            assert operator_client.post(change, {"status": "canceled"}).status_code == 403, name
            delete = reverse(f"admin:{name}_delete", args=[row.pk])
            assert operator_client.post(delete, {"post": "yes"}).status_code == 403, name
    subscription.refresh_from_db()
    assert subscription.status == "active"
