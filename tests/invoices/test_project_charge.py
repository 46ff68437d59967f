"""Charge for project on Manage Customer: a one-off invoice with the platform fee, sent by
Stripe, paid on the hosted page, shown from the mirror."""

import uuid

import pytest
from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from invoices.models import Invoice, ProjectCharge
from plans.models import Price
from stripe_sandbox.models import SandboxObject
from tests.factories import ContactFactory, CustomerFactory
from tests.invoices.conftest import charge_for_project, pay_on_hosted_page, sent_invoice


def stripe_invoices(agency):
    return SandboxObject.objects.filter(object="invoice", account=agency.stripe_account_id)


def test_staff_send_a_one_off_invoice_with_the_platform_fee(owner_client, customer, mailoutbox):
    invoice = sent_invoice(owner_client, customer, amount="1200.00")

    assert (invoice.status, invoice.total, invoice.currency) == ("open", 120000, "usd")
    assert invoice.platform_fee == 600  # 0.5% of 120,000 cents
    assert invoice.description == "Website build"
    assert invoice.collection_method == "send_invoice"
    assert invoice.hosted_invoice_url and invoice.invoice_pdf and invoice.number
    assert (invoice.due_date - invoice.stripe_created).days == 30
    customer.refresh_from_db()
    assert customer.stripe_customer_id  # made on the fly, the first time we bill them
    [at_stripe] = stripe_invoices(customer.agency)
    assert at_stripe.private["application_fee_amount"] == 600
    assert [m.to for m in mailoutbox] == [["dana@client.example"]]
    assert invoice.hosted_invoice_url in mailoutbox[0].body
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert invoice.number in page and "1,200.00 USD" in page and "Charge for project" in page


def test_the_client_pays_and_manage_customer_shows_it_paid_with_fees(owner_client, customer):
    invoice = sent_invoice(owner_client, customer, amount="1200.00")

    assert "Invoice paid" in pay_on_hosted_page(invoice)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.amount_remaining) == ("paid", 120000, 0)
    assert (invoice.card_brand, invoice.card_last4) == ("visa", "4242")
    assert (invoice.platform_fee, invoice.stripe_fee) == (600, 3510)
    assert invoice.paid_at is not None
    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert "Paid" in page and "Visa •••• 4242" in page


def test_a_declined_card_leaves_the_invoice_open(owner_client, customer):
    invoice = sent_invoice(owner_client, customer)

    assert "Your card was declined." in pay_on_hosted_page(invoice, card="4000 0000 0000 0002")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_remaining) == ("open", 120000)


def test_a_double_click_sends_one_invoice(owner_client, customer, mailoutbox):
    request_id = str(uuid.uuid4())
    first = charge_for_project(owner_client, customer, request_id=request_id)
    second = charge_for_project(owner_client, customer, request_id=request_id)

    assert first.status_code == second.status_code == 302
    assert ProjectCharge.objects.count() == 1
    assert stripe_invoices(customer.agency).count() == 1
    assert Invoice.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_zero_decimal_agency_charges_whole_yen(owner_client, customer):
    customer.agency.currency = "jpy"
    customer.agency.save()

    invoice = sent_invoice(owner_client, customer, amount="50000")

    assert (invoice.total, invoice.currency, invoice.platform_fee) == (50000, "jpy", 250)


def test_a_plans_one_time_price_can_be_charged(owner_client, customer, plan):
    options = account_options(plan.agency.stripe_account_id)
    stripe_price = stripe_client().v1.prices.create(
        {"product": plan.stripe_product_id, "currency": "usd", "unit_amount": 45000}, options
    )
    price = Price.objects.create(
        plan=plan,
        interval=Price.Interval.ONE_TIME,
        unit_amount=45000,
        currency="usd",
        stripe_price_id=stripe_price.id,
    )

    invoice = sent_invoice(owner_client, customer, amount="", description="", price=str(price.pk))

    assert (invoice.total, invoice.platform_fee, invoice.description) == (45000, 225, plan.name)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"description": ""}, "description", "Say what the invoice is for."),
        ({"amount": ""}, "amount", "Enter the amount to charge."),
        ({"amount": "0"}, "amount", "Enter an amount greater than zero."),
        ({"amount": "-5"}, "amount", "Enter an amount greater than zero."),
        ({"amount": "0.49"}, "amount", "Stripe&#x27;s minimum charge is 0.50 USD."),
        ({"amount": "12.345"}, "amount", "at most the decimals USD allows"),
        ({"amount": "ten"}, "amount", "Enter a number."),
        ({"days_until_due": "0"}, "days_until_due", "Give the client at least one day."),
    ],
)
def test_bad_input_is_reported_by_the_field_and_nothing_is_sent(
    owner_client, customer, data, field, message
):
    response = charge_for_project(owner_client, customer, **data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not ProjectCharge.objects.exists()
    assert not stripe_invoices(customer.agency).exists()


def test_yen_amounts_take_no_decimals(owner_client, customer):
    customer.agency.currency = "jpy"
    customer.agency.save()
    response = charge_for_project(owner_client, customer, amount="5000.5")
    assert "at most the decimals JPY allows" in response.content.decode()


def test_another_agencys_customer_is_not_found(outsider_client, customer):
    assert charge_for_project(outsider_client, customer).status_code == 404
    page = outsider_client.get(reverse("project_charge_new", args=[customer.pk]))
    assert page.status_code == 404


def test_an_admin_can_charge_for_a_project(admin_client_, customer):
    assert charge_for_project(admin_client_, customer).status_code == 302


def test_before_stripe_is_connected_nothing_is_sent(owner_client, owner):
    customer = CustomerFactory(agency=owner.agency)

    response = charge_for_project(owner_client, customer)

    assert "Connect Stripe to start billing." in response.content.decode()
    assert not ProjectCharge.objects.exists()
    assert not SandboxObject.objects.filter(object="invoice").exists()


def test_a_suspended_agency_cannot_bill(owner_client, customer):
    customer.agency.suspended = True
    customer.agency.save()

    response = charge_for_project(owner_client, customer)

    assert "This agency is suspended" in response.content.decode()
    assert not ProjectCharge.objects.exists()
    assert not stripe_invoices(customer.agency).exists()


def test_the_form_shows_the_fee_rule_and_the_agency_default_days(owner_client, customer):
    customer.agency.default_days_until_due = 14
    customer.agency.save()

    page = owner_client.get(reverse("project_charge_new", args=[customer.pk])).content.decode()

    assert "0.5% of the invoice&#x27;s subtotal" in page and "rounded half up" in page
    assert 'name="days_until_due" value="14"' in page


def test_the_longest_description_is_sent_and_one_more_is_refused_by_the_field(
    owner_client, customer
):
    page = owner_client.get(reverse("project_charge_new", args=[customer.pk])).content.decode()
    # The limit is the server's (data-maxlength): the browser never cuts what was typed.
    assert 'data-maxlength="500"' in page

    too_long = charge_for_project(owner_client, customer, description="x" * 501)
    assert 'id="id_description_error"' in too_long.content.decode()
    assert not ProjectCharge.objects.exists()

    invoice = sent_invoice(owner_client, customer, description="x" * 500)
    assert len(invoice.description) == 500
    assert len(ProjectCharge.objects.get().description) == 500


def test_the_invoice_is_emailed_to_every_billing_contact_and_no_viewer(
    owner_client, customer, mailoutbox
):
    ContactFactory(customer=customer, name="Pat", email="pat@client.example")
    ContactFactory(customer=customer, name="Sam", email="sam@client.example", role="viewer")

    invoice = sent_invoice(owner_client, customer, amount="1200.00")

    # Stripe sends the invoice to the Stripe Customer's email (dana's); we mail the other
    # billing contacts, and never a viewer.
    assert sorted(email.to for email in mailoutbox) == [
        ["dana@client.example"],
        ["pat@client.example"],
    ]
    stripes, ours = sorted(mailoutbox, key=lambda email: email.to)
    assert stripes.subject.startswith("New invoice from")  # Stripe's own invoice email
    assert customer.agency.name in ours.from_email
    for email in (stripes, ours):
        assert invoice.number in email.subject
        assert invoice.hosted_invoice_url in email.body
        assert "1,200.00" in email.body
    assert invoice.invoice_pdf in ours.body
    page = owner_client.get(reverse("customer_manage", args=[customer.pk]), follow=True)
    assert invoice.number in page.content.decode()


def test_an_invoice_for_a_customer_without_a_billing_contact_is_refused_by_the_form(
    owner_client, customer, mailoutbox
):
    customer.contacts.update(role="viewer")

    response = charge_for_project(owner_client, customer)

    assert response.status_code == 200
    assert "has no billing contact" in response.content.decode()
    assert not stripe_invoices(customer.agency).exists()
    assert not ProjectCharge.objects.exists()
    assert mailoutbox == []
