"""Why an agency cannot bill is said once, truly: suspended, Stripe disconnected, or not yet
connected; lifting a suspension unlocks billing at once."""

import pytest
from django.urls import reverse

from agency_billing.errors import AgencySuspendedCannotBillError
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from plans.services import plan_create

PAGES = ["dashboard", "plan_list", "stripe_connect", "customer_manage"]


def pages(client, customer) -> dict[str, str]:
    urls = {name: reverse(name) for name in PAGES[:3]}
    urls["customer_manage"] = reverse("customer_manage", args=[customer.pk])
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def test_a_suspended_agency_sees_one_true_message_everywhere(owner_client, customer):
    customer.agency.suspended = True
    customer.agency.save()

    for name, page in pages(owner_client, customer).items():
        assert page.count("This agency is suspended") == 1, name
        assert "Connect Stripe to start billing" not in page, name
        assert "Generate Session" not in page, name
        assert '<span class="status active">charges enabled</span>' not in page, name


def test_every_new_billing_action_of_a_suspended_agency_raises(customer):
    customer.agency.suspended = True
    customer.agency.save()
    price = customer.plan.prices.get(interval="month")

    with pytest.raises(AgencySuspendedCannotBillError):
        checkout_link_generate(customer=customer, price=price)
    with pytest.raises(AgencySuspendedCannotBillError):
        plan_create(agency=customer.agency, name="More", monthly_amount=1000)


def test_the_staff_page_shows_the_suspension_when_an_action_is_refused(owner_client, customer):
    customer.agency.suspended = True
    customer.agency.save()

    response = owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]),
        {"price": customer.plan.prices.get(interval="month").pk},
        follow=True,
    )

    assert "This agency is suspended: new billing is blocked" in response.content.decode()
    assert not CheckoutLink.objects.exists()


def test_lifting_a_suspension_unlocks_billing_at_once(customer):
    agency = customer.agency
    agency.suspended = True
    agency.save()
    stale_copy = customer.agency.__class__.objects.get(pk=agency.pk)
    agency.suspended = False
    agency.save()

    customer.agency = stale_copy  # a request that read the agency before the lift
    link = checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )

    assert link.status == "open"


def test_before_onboarding_is_done_the_message_says_so(owner_client, agency):
    agency.stripe_account_id = "acct_1Unfinished00000"
    agency.save()

    page = owner_client.get(reverse("dashboard")).content.decode()

    assert "Stripe still needs some details before you can take payments." in page
    assert "Connect Stripe to start billing" not in page
