"""Each handled event type, delivered signed through the endpoint, updates its mirror row."""

import uuid
from datetime import UTC, datetime

import pytest

from checkout.models import CheckoutLink
from customers.models import PaymentMethod, Subscription
from invoices.models import Invoice
from tests.webhooks.stripe_events import (
    ACCOUNT_ID,
    CUSTOMER_ID,
    deliver,
    sample,
    stripe_event,
    subscription_object,
)
from webhooks.models import WebhookEvent

T0 = 1_790_000_000


def at(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def test_account_updated_flips_charges_enabled_and_requirements(client, stripe_agency):
    stripe_agency.charges_enabled = False
    stripe_agency.save()
    account = sample(
        "account", id=ACCOUNT_ID, charges_enabled=True, payouts_enabled=True, details_submitted=True
    )
    account["requirements"].update(currently_due=["external_account"], disabled_reason=None)

    deliver(client, stripe_event("account.updated", account, created=T0))

    stripe_agency.refresh_from_db()
    assert stripe_agency.charges_enabled and stripe_agency.payouts_enabled
    assert stripe_agency.details_submitted
    assert stripe_agency.requirements_due == ["external_account"]
    assert stripe_agency.disabled_reason == ""
    assert stripe_agency.stripe_synced_at == at(T0)


def test_account_updated_records_why_charges_are_disabled(client, stripe_agency):
    account = sample("account", id=ACCOUNT_ID)  # Stripe's sample: requirements past due

    deliver(client, stripe_event("account.updated", account, created=T0))

    stripe_agency.refresh_from_db()
    assert not stripe_agency.charges_enabled
    assert stripe_agency.disabled_reason == "requirements.past_due"
    assert "external_account" in stripe_agency.requirements_due


def test_account_updated_for_an_account_no_agency_owns_is_ignored(client, db):
    deliver(client, stripe_event("account.updated", sample("account"), created=T0))

    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED


def invoice_object(**overrides) -> dict:
    invoice = sample(
        "invoice",
        id="in_Test0001",
        customer=CUSTOMER_ID,
        number="ACME-0001",
        status="open",
        total=250000,
        amount_due=250000,
        amount_paid=0,
        amount_remaining=250000,
        last_finalization_error=None,
        hosted_invoice_url="https://invoice.stripe.com/i/acct_1/test_1",
        invoice_pdf="https://pay.stripe.com/invoice/acct_1/test_1/pdf",
        created=T0,
        due_date=None,
        parent={
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": "sub_Test0001"},
            "type": "subscription_details",
        },
    )
    invoice.update(overrides)
    return invoice


def test_invoice_created_as_draft_mirrors_it_without_urls(client, stripe_customer):
    draft = invoice_object(
        status="draft", number=None, hosted_invoice_url=None, invoice_pdf=None, parent=None
    )

    deliver(client, stripe_event("invoice.created", draft, created=T0))

    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.customer == stripe_customer
    assert invoice.agency == stripe_customer.agency
    assert (invoice.number, invoice.hosted_invoice_url, invoice.invoice_pdf) == ("", "", "")
    assert invoice.stripe_subscription_id == ""
    assert invoice.stripe_created == at(T0)


def test_invoice_paid_sets_paid_at_and_amount_paid(client, stripe_customer):
    deliver(client, stripe_event("invoice.finalized", invoice_object(), created=T0))
    paid = invoice_object(status="paid", amount_paid=250000, amount_remaining=0)
    paid["status_transitions"]["paid_at"] = T0 + 5

    deliver(client, stripe_event("invoice.paid", paid, created=T0 + 5))

    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.PAID
    assert (invoice.amount_paid, invoice.amount_remaining) == (250000, 0)
    assert invoice.paid_at == at(T0 + 5)
    assert invoice.stripe_subscription_id == "sub_Test0001"
    assert invoice.number == "ACME-0001"


def test_invoice_payment_failed_records_the_error_and_paid_clears_it(client, stripe_customer):
    failed = invoice_object(last_payment_error={"message": "Your card was declined."})

    deliver(client, stripe_event("invoice.payment_failed", failed, created=T0))
    assert Invoice.objects.get().last_payment_error == "Your card was declined."

    deliver(client, stripe_event("invoice.paid", invoice_object(status="paid"), created=T0 + 9))
    assert Invoice.objects.get().last_payment_error == ""


def payment_method_object(**overrides) -> dict:
    return sample("payment_method", **{"id": "pm_Test0001", "customer": CUSTOMER_ID, **overrides})


def test_payment_method_attached_stores_brand_and_last4(client, stripe_customer):
    deliver(client, stripe_event("payment_method.attached", payment_method_object(), created=T0))

    method = PaymentMethod.objects.get()
    assert method.customer == stripe_customer
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == (
        "visa",
        "4242",
        8,
        2030,
    )
    assert not method.detached


def test_payment_method_detached_marks_it_detached(client, stripe_customer):
    deliver(client, stripe_event("payment_method.attached", payment_method_object(), created=T0))

    detached = payment_method_object(customer=None)
    deliver(client, stripe_event("payment_method.detached", detached, created=T0 + 1))

    assert PaymentMethod.objects.get().detached


def test_subscription_created_mirrors_price_period_and_expanded_card(client, stripe_customer):
    subscription = subscription_object(
        status="trialing",
        trial_end=T0 + 86400,
        default_payment_method=payment_method_object(),
    )

    deliver(client, stripe_event("customer.subscription.created", subscription, created=T0))

    mirror = Subscription.objects.get()
    assert mirror.agency == stripe_customer.agency and mirror.customer == stripe_customer
    assert mirror.status == Subscription.Status.TRIALING
    assert (mirror.stripe_price_id, mirror.unit_amount, mirror.currency, mirror.interval) == (
        "price_Monthly2500",
        250000,
        "usd",
        "month",
    )
    assert mirror.stripe_item_id == "si_QXhVnC2h0Jczwc"
    assert mirror.current_period_start == at(1_790_000_000)
    assert mirror.current_period_end == at(1_792_592_000)
    assert mirror.trial_end == at(T0 + 86400)
    assert mirror.default_payment_method.last4 == "4242"
    assert not mirror.collection_paused and not mirror.cancel_at_period_end


def test_subscription_with_a_card_id_links_the_card_attached_later(client, stripe_customer):
    subscription = subscription_object(default_payment_method="pm_Test0001")

    deliver(client, stripe_event("customer.subscription.created", subscription, created=T0))
    deliver(client, stripe_event("payment_method.attached", payment_method_object(), created=T0))

    assert Subscription.objects.get().default_payment_method.last4 == "4242"


def test_subscription_paused_and_set_to_cancel_is_mirrored(client, stripe_customer):
    deliver(
        client, stripe_event("customer.subscription.created", subscription_object(), created=T0)
    )
    updated = subscription_object(
        cancel_at_period_end=True, pause_collection={"behavior": "void", "resumes_at": None}
    )

    deliver(client, stripe_event("customer.subscription.updated", updated, created=T0 + 1))

    mirror = Subscription.objects.get()
    assert mirror.cancel_at_period_end and mirror.collection_paused


def test_subscription_deleted_marks_it_canceled(client, stripe_customer):
    deliver(
        client, stripe_event("customer.subscription.created", subscription_object(), created=T0)
    )
    canceled = subscription_object(status="canceled", canceled_at=T0 + 2, ended_at=T0 + 2)

    deliver(client, stripe_event("customer.subscription.deleted", canceled, created=T0 + 2))

    mirror = Subscription.objects.get()
    assert mirror.status == Subscription.Status.CANCELED
    assert mirror.canceled_at == mirror.ended_at == at(T0 + 2)


@pytest.fixture
def open_link(stripe_customer):
    return CheckoutLink.objects.create(
        agency=stripe_customer.agency,
        customer=stripe_customer,
        mode=CheckoutLink.Mode.SUBSCRIPTION,
        status=CheckoutLink.Status.OPEN,
        stripe_session_id="cs_test_Link0001",
    )


def session_object(link: CheckoutLink, **overrides) -> dict:
    fields = {
        "id": "cs_test_Link0001",
        "mode": "subscription",
        "customer": CUSTOMER_ID,
        "client_reference_id": str(link.pk),
        "metadata": {"checkout_link_id": str(link.pk)},
        "payment_intent": None,
        "expires_at": T0 + 86400,
    }
    return sample("checkout.session", **{**fields, **overrides})


def test_checkout_session_completed_completes_the_link(client, open_link):
    completed = session_object(
        open_link, status="complete", payment_status="paid", subscription="sub_Test0001"
    )

    deliver(client, stripe_event("checkout.session.completed", completed, created=T0))

    open_link.refresh_from_db()
    assert open_link.status == CheckoutLink.Status.COMPLETE
    assert open_link.completed_at == at(T0)
    assert open_link.stripe_subscription_id == "sub_Test0001"
    assert open_link.expires_at == at(T0 + 86400)


def test_a_completed_link_never_goes_back_to_open_or_expired(client, open_link):
    completed = session_object(open_link, status="complete", subscription="sub_Test0001")
    deliver(client, stripe_event("checkout.session.completed", completed, created=T0))

    deliver(
        client,
        stripe_event("checkout.session.expired", session_object(open_link, status="expired")),
    )

    open_link.refresh_from_db()
    assert open_link.status == CheckoutLink.Status.COMPLETE


def test_a_session_is_matched_to_its_link_by_our_reference(client, open_link):
    CheckoutLink.objects.filter(pk=open_link.pk).update(stripe_session_id=None)

    deliver(
        client,
        stripe_event("checkout.session.expired", session_object(open_link, status="expired")),
    )

    open_link.refresh_from_db()
    assert open_link.status == CheckoutLink.Status.EXPIRED
    assert open_link.stripe_session_id == "cs_test_Link0001"


def test_a_session_that_is_not_our_link_is_ignored(client, open_link):
    stranger = session_object(open_link, id="cs_test_Other", client_reference_id=str(uuid.uuid4()))
    stranger["metadata"] = {}

    deliver(client, stripe_event("checkout.session.completed", stranger, created=T0))

    assert WebhookEvent.objects.get().status == WebhookEvent.Status.IGNORED
    open_link.refresh_from_db()
    assert open_link.status == CheckoutLink.Status.OPEN
