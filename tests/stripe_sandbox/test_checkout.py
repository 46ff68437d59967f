import time

import pytest
import stripe
from django.test import Client

from stripe_sandbox.models import SandboxEvent, SandboxObject
from tests.stripe_sandbox.hosted import PAYING_CARD, path_of, submit


@pytest.fixture
def customer(client, on_account):
    return client.v1.customers.create({"email": "client@example.com", "name": "Ada"}, on_account)


def create_session(client, on_account, price, customer, **extra):
    params = {
        "mode": "subscription",
        "line_items": [{"price": price.id, "quantity": 1}],
        "customer": customer.id,
        "success_url": "http://testserver/done/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/cancelled/",
        "client_reference_id": "link-42",
        "metadata": {"checkout_link": "42"},
        **extra,
    }
    return client.v1.checkout.sessions.create(params, on_account)


def test_a_new_session_is_open_with_a_hosted_url(client, on_account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.url == f"http://testserver/sandbox/checkout/{session.id}/"
    assert session.amount_total == 250000
    assert session.amount_subtotal == 250000
    assert session.currency == "usd"
    assert session.customer == customer.id
    assert session.client_reference_id == "link-42"
    assert session.metadata.to_dict() == {"checkout_link": "42"}
    assert session.subscription is None
    assert session.automatic_tax.enabled is False
    assert session.total_details.amount_tax == 0
    assert 86390 < session.expires_at - session.created <= 86400


def test_the_checkout_page_shows_the_agency_plan_amount_and_trial(
    client, on_account, monthly_price, customer
):
    session = create_session(
        client, on_account, monthly_price, customer, subscription_data={"trial_period_days": 14}
    )

    page = Client().get(path_of(session.url))

    content = page.content.decode()
    assert page.status_code == 200
    assert "Northwind Studio" in content
    assert "Retainer" in content
    assert "$2,500.00 per month" in content
    assert "14-day free trial" in content
    assert "Start trial" in content
    assert 'value="client@example.com"' in content
    for label in ("Email", "Card number", "Expiration (MM / YY)", "CVC", "Name on card"):
        assert f">{label}</label>" in content
    assert 'href="http://testserver/cancelled/"' in content


def test_paying_with_a_trial_starts_a_trialing_subscription(
    client, on_account, monthly_price, customer
):
    session = create_session(
        client,
        on_account,
        monthly_price,
        customer,
        subscription_data={
            "trial_period_days": 14,
            "application_fee_percent": 0.5,
            "metadata": {"plan": "retainer"},
        },
    )

    response = submit(session.url, PAYING_CARD)

    assert response.status_code == 303
    assert response["Location"] == f"http://testserver/done/?session={session.id}"
    done = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["subscription.default_payment_method"]}, on_account
    )
    assert done.status == "complete"
    assert done.payment_status == "no_payment_required"
    assert done.url is None
    subscription = done.subscription
    assert subscription.status == "trialing"
    assert subscription.trial_end - subscription.trial_start == 14 * 86400
    assert subscription.application_fee_percent == 0.5
    assert subscription.metadata.to_dict() == {"plan": "retainer"}
    assert subscription.default_payment_method.card.last4 == "4242"
    assert subscription.default_payment_method.card.brand == "visa"
    item = subscription["items"].data[0]
    assert item.price.id == monthly_price.id
    assert item.current_period_end == subscription.trial_end
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice, options=on_account)
    assert invoice.status == "paid"
    assert invoice.amount_due == 0
    assert invoice.billing_reason == "subscription_create"
    assert invoice.parent.subscription_details.subscription == subscription.id


def test_paying_without_a_trial_starts_an_active_subscription(
    client, on_account, monthly_price, customer
):
    session = create_session(client, on_account, monthly_price, customer)

    submit(session.url, PAYING_CARD)

    done = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["subscription"]}, on_account
    )
    assert done.payment_status == "paid"
    subscription = done.subscription
    assert subscription.status == "active"
    assert subscription.trial_end is None
    item = subscription["items"].data[0]
    assert 28 * 86400 <= item.current_period_end - item.current_period_start <= 31 * 86400
    invoices = client.v1.invoices.list({"subscription": subscription.id}, on_account)
    [invoice] = invoices.data
    assert invoice.amount_paid == 250000
    assert invoice.amount_remaining == 0
    assert invoice.total == 250000
    assert invoice.number
    assert invoice.hosted_invoice_url
    assert invoice.status_transitions.paid_at
    assert "subscription" not in invoice
    customer_now = client.v1.customers.retrieve(customer.id, options=on_account)
    assert (
        customer_now.invoice_settings.default_payment_method == subscription.default_payment_method
    )


def test_paying_emits_stripes_events_in_order(client, on_account, account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)
    SandboxEvent.objects.all().delete()

    submit(session.url, PAYING_CARD)

    events = list(SandboxEvent.objects.order_by("sequence"))
    assert [event.type for event in events] == [
        "payment_method.attached",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "charge.succeeded",
        "payment_intent.succeeded",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.completed",
    ]
    assert all(event.data["account"] == account for event in events)
    listed = client.v1.events.list({"type": "invoice.paid"}, on_account)
    assert [event.id for event in listed.data] == [events[6].stripe_id]


def test_a_declined_card_shows_the_message_and_creates_nothing(
    client, on_account, monthly_price, customer
):
    session = create_session(client, on_account, monthly_price, customer)
    events_before = SandboxEvent.objects.count()

    response = submit(session.url, {**PAYING_CARD, "card_number": "4000 0000 0000 0002"})

    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert b"Your card was declined." in response.content
    assert SandboxEvent.objects.count() == events_before
    assert not SandboxObject.objects.filter(
        object__in=["payment_method", "subscription", "invoice"]
    ).exists()
    assert client.v1.checkout.sessions.retrieve(session.id, options=on_account).status == "open"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000000000009995", b"Your card has insufficient funds."),
        ("4000000000000069", b"Your card has expired."),
        ("4000000000000127", b"Your card&#x27;s security code is incorrect."),
        ("4111111111111111", b"Use a Stripe test card, such as 4242 4242 4242 4242."),
    ],
)
def test_other_test_cards_are_refused_with_stripes_message(
    client, on_account, monthly_price, customer, number, message
):
    session = create_session(client, on_account, monthly_price, customer)

    response = submit(session.url, {**PAYING_CARD, "card_number": number})

    assert response.status_code == 200
    assert message in response.content
    assert not SandboxObject.objects.filter(object="subscription").exists()


def test_an_expiry_in_the_past_is_refused(client, on_account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)

    response = submit(session.url, {**PAYING_CARD, "expiry": "01 / 20"})

    assert b"expiration date is in the past" in response.content
    assert not SandboxObject.objects.filter(object="payment_method").exists()


def test_expiring_an_open_session_closes_its_page(client, on_account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)

    expired = client.v1.checkout.sessions.expire(session.id, options=on_account)

    assert expired.status == "expired"
    assert expired.url is None
    assert SandboxEvent.objects.filter(type="checkout.session.expired").count() == 1
    page = Client().get(path_of(session.url))
    assert page.status_code == 410
    assert b"This checkout session is no longer available." in page.content


def test_only_open_sessions_can_be_expired(client, on_account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)
    client.v1.checkout.sessions.expire(session.id, options=on_account)

    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.expire(session.id, options=on_account)

    assert "Only Checkout Sessions with a status in [open] can be expired" in str(
        raised.value.user_message
    )


def test_reopening_a_paid_session_says_it_is_paid_with_the_plan_and_next_charge(
    client, on_account, monthly_price, customer
):
    session = create_session(client, on_account, monthly_price, customer)
    submit(session.url, PAYING_CARD)
    subscription = client.v1.subscriptions.retrieve(
        client.v1.checkout.sessions.retrieve(session.id, options=on_account).subscription,
        options=on_account,
    )
    renews = subscription["items"].data[0].current_period_end

    page = Client().get(path_of(session.url))

    text = page.content.decode()
    assert page.status_code == 200
    assert "This is already paid" in text
    assert "no longer available" not in text
    assert "Retainer" in text
    assert f"Next charge: $2,500.00 on {time.strftime('%B %-d, %Y', time.gmtime(renews))}" in text
    assert "Card number" not in text


def test_an_expired_session_page_is_no_longer_available(
    client, on_account, monthly_price, customer
):
    session = create_session(client, on_account, monthly_price, customer)
    client.v1.checkout.sessions.expire(session.id, options=on_account)

    page = Client().get(path_of(session.url))

    assert page.status_code == 410
    assert "no longer available" in page.content.decode()


def test_setup_mode_saves_a_card_with_a_setup_intent(client, on_account, customer):
    session = client.v1.checkout.sessions.create(
        {
            "mode": "setup",
            "currency": "usd",
            "customer": customer.id,
            "success_url": "http://testserver/saved/",
            "setup_intent_data": {"metadata": {"subscription": "sub_x"}},
        },
        on_account,
    )

    page = Client().get(path_of(session.url))
    assert b"Save card" in page.content
    response = submit(session.url, {**PAYING_CARD, "card_number": "5555 5555 5555 4444"})

    assert response.status_code == 303
    done = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["setup_intent"]}, on_account
    )
    assert done.status == "complete"
    assert done.setup_intent.status == "succeeded"
    assert done.setup_intent.metadata.to_dict() == {"subscription": "sub_x"}
    card = client.v1.payment_methods.retrieve(done.setup_intent.payment_method, options=on_account)
    assert card.card.brand == "mastercard"
    listed = client.v1.customers.payment_methods.list(customer.id, options=on_account)
    assert [pm.id for pm in listed.data] == [card.id]


def test_a_session_without_customer_creates_one_from_the_email(client, on_account, monthly_price):
    session = client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": monthly_price.id, "quantity": 1}],
            "customer_email": "new@example.com",
            "success_url": "http://testserver/done/",
        },
        on_account,
    )

    page = Client().get(path_of(session.url))
    assert b'value="new@example.com"' in page.content
    submit(session.url, {**PAYING_CARD, "email": "new@example.com"})

    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["customer"]}, on_account)
    assert done.customer.email == "new@example.com"


def test_an_expired_in_time_session_is_reported_expired(
    client, on_account, monthly_price, customer
):
    session = create_session(
        client, on_account, monthly_price, customer, expires_at=int(time.time()) + 1900
    )
    SandboxObject.objects.filter(id=session.id).update(
        data={**SandboxObject.objects.get(id=session.id).data, "expires_at": int(time.time()) - 1}
    )

    fetched = client.v1.checkout.sessions.retrieve(session.id, options=on_account)

    assert fetched.status == "expired"
    assert SandboxEvent.objects.filter(type="checkout.session.expired").count() == 1


def test_the_hosted_invoice_page_and_pdf_open(client, on_account, monthly_price, customer):
    session = create_session(client, on_account, monthly_price, customer)
    submit(session.url, PAYING_CARD)
    subscription = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["subscription"]}, on_account
    ).subscription
    invoice = client.v1.invoices.retrieve(subscription.latest_invoice, options=on_account)

    page = Client().get(path_of(invoice.hosted_invoice_url))
    pdf = Client().get(path_of(invoice.invoice_pdf))

    assert page.status_code == 200
    assert "$2,500.00" in page.content.decode()
    assert invoice.number in page.content.decode()
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_payment_mode_takes_a_one_off_payment(client, on_account, customer):
    product = client.v1.products.create({"name": "Website launch"}, on_account)
    price = client.v1.prices.create(
        {"product": product.id, "currency": "jpy", "unit_amount": 50000}, on_account
    )
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "customer": customer.id,
            "success_url": "http://testserver/paid/",
            "payment_intent_data": {"application_fee_amount": 250},
        },
        on_account,
    )

    page = Client().get(path_of(session.url))
    assert "¥50,000" in page.content.decode()
    assert b">Pay</button>" in page.content
    submit(session.url, PAYING_CARD)

    done = client.v1.checkout.sessions.retrieve(session.id, options=on_account)
    assert done.status == "complete"
    assert done.payment_status == "paid"
    assert done.payment_intent.startswith("pi_")


def test_automatic_tax_asks_for_the_address_and_shows_the_tax_line(
    client, on_account, monthly_price, customer
):
    session = create_session(
        client,
        on_account,
        monthly_price,
        customer,
        automatic_tax={"enabled": True},
        customer_update={"address": "auto", "name": "auto"},
    )

    assert session.automatic_tax.enabled is True
    assert session.automatic_tax.status == "requires_location_inputs"
    assert session.automatic_tax.liability.type == "self"
    page = Client().get(path_of(session.url)).content.decode()
    for label in ("Country", "State / region", "Postal code"):
        assert f">{label}</label>" in page
    assert "Tax is calculated from your billing address" in page

    estimate = submit(session.url, {"country": "US", "state": "CA", "update_total": "1"})

    content = estimate.content.decode()
    assert "Sales tax (7.25 %)" in content and "$181.25" in content
    assert "Total due today" in content and "$2,681.25" in content
    assert client.v1.checkout.sessions.retrieve(session.id, options=on_account).status == "open"


def test_paying_with_automatic_tax_charges_the_tax_of_the_address(
    client, on_account, monthly_price, customer
):
    session = create_session(
        client,
        on_account,
        monthly_price,
        customer,
        automatic_tax={"enabled": True},
        customer_update={"address": "auto", "name": "auto"},
    )

    submit(session.url, {**PAYING_CARD, "country": "us", "state": "ca", "postal_code": "94103"})

    done = client.v1.checkout.sessions.retrieve(session.id, options=on_account)
    assert done.status == "complete"
    assert done.automatic_tax.status == "complete"
    assert done.total_details.amount_tax == 18125  # 7.25 % of $2,500.00
    assert (done.amount_subtotal, done.amount_total) == (250000, 268125)
    assert done.customer_details.address.state == "CA"
    stored = client.v1.customers.retrieve(customer.id, options=on_account)
    assert (stored.address.country, stored.address.postal_code) == ("US", "94103")
    subscription = client.v1.subscriptions.retrieve(done.subscription, options=on_account)
    assert subscription.automatic_tax.enabled is True
    invoice = client.v1.invoices.retrieve(done.invoice, options=on_account)
    assert [tax.amount for tax in invoice.total_taxes] == [18125]
    assert (invoice.total, invoice.amount_paid) == (268125, 268125)
    items = client.v1.checkout.sessions.line_items.list(session.id, options=on_account).data
    assert [(item.amount_tax, item.amount_total) for item in items] == [(18125, 268125)]


def test_automatic_tax_needs_a_country(client, on_account, monthly_price, customer):
    session = create_session(
        client,
        on_account,
        monthly_price,
        customer,
        automatic_tax={"enabled": True},
        customer_update={"address": "auto"},
    )

    page = submit(session.url, PAYING_CARD)

    assert "Enter your country to calculate tax." in page.content.decode()
    assert client.v1.checkout.sessions.retrieve(session.id, options=on_account).status == "open"
