"""The Activity list on Manage Customer: who did what, and what Stripe told us."""

from django.urls import reverse

from customers.activity import activity_record
from customers.models import Activity
from tests.factories import CustomerFactory


def test_manage_customer_lists_activity_newest_first_with_who_and_result(
    owner_client, owner, agency
):
    customer = CustomerFactory(agency=agency)
    activity_record(
        customer=customer, kind="payment_failed", message="Payment failed", outcome="stripe"
    )
    activity_record(
        customer=customer, kind="plan_switched", message="Switched to Yearly", actor=owner.user
    )

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()

    section = page[page.index('id="activity"') :]
    assert section.index("Switched to Yearly") < section.index("Payment failed")
    assert "Stripe" in section and "From Stripe" in section and "Done" in section


def test_an_event_delivered_twice_is_recorded_once(agency):
    customer = CustomerFactory(agency=agency)
    for _ in range(2):
        activity_record(
            customer=customer,
            kind="payment_failed",
            message="Payment failed",
            outcome="stripe",
            stripe_event_id="evt_1",
        )

    assert Activity.objects.filter(customer=customer).count() == 1


def test_another_agencys_activity_is_not_shown(owner_client, agency, outsider):
    mine = CustomerFactory(agency=agency)
    theirs = CustomerFactory(agency=outsider.agency)
    activity_record(customer=theirs, kind="note", message="Their secret line")

    page = owner_client.get(reverse("customer_manage", args=[mine.pk])).content.decode()

    assert "Their secret line" not in page
    assert "No billing activity yet." in page
