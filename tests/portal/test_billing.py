"""/portal/billing: what a client pays and owes, Pay now, PDFs, and cards through the Stripe
Billing Portal; viewers look but cannot pay; nobody sees another customer's objects."""

from datetime import UTC, datetime, timedelta
from itertools import count
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agency_billing.stripe_client import account_options, stripe_client
from invoices.models import Invoice
from stripe_sandbox.models import SandboxEvent
from tests.factories import AgencyFactory, ContactFactory, CustomerFactory
from tests.portal.conftest import after_commit, log_in
from tests.stripe_flows import submit_form

_numbers = count(1)


def add_invoice(customer, *, status="open", total=120000, due_in_days=14, number=None) -> Invoice:
    """An invoice in our mirror, as the invoice webhooks leave it."""
    n = next(_numbers)
    return Invoice.objects.create(
        agency=customer.agency,
        customer=customer,
        stripe_id=f"in_portal_{customer.pk}_{n}",
        number=number or f"PORTAL-{n:04d}",
        status=status,
        currency="usd",
        total=total,
        amount_due=total,
        amount_paid=total if status == "paid" else 0,
        amount_remaining=0 if status == "paid" else total,
        hosted_invoice_url=f"http://testserver/sandbox/invoices/in_portal_{n}/",
        invoice_pdf=f"http://testserver/sandbox/invoices/in_portal_{n}/pdf/",
        due_date=timezone.now() + timedelta(days=due_in_days),
        stripe_created=timezone.now() - timedelta(days=n),
    )


def logged_in(email: str) -> Client:
    client = Client()
    log_in(client, email)
    return client


@pytest.fixture
def client_of(subscribed) -> Client:
    return logged_in(subscribed.email)


def test_the_overview_shows_the_subscription_and_what_is_due(client_of, subscribed, plan):
    customer = subscribed.customer
    add_invoice(customer, total=120000, number="OPEN-1")
    add_invoice(customer, total=30000, number="OPEN-2")
    trial_end = customer.subscriptions.get().trial_end

    page = client_of.get(reverse("portal_billing")).content.decode()

    assert customer.agency.name in page
    assert "Automation retainer" in page
    assert "2,500.00 USD / month" in page
    assert "Trialing" in page
    assert f"{trial_end:%b} {trial_end.day}, {trial_end.year}</time>" in page
    assert "Total due: <strong>1,500.00 USD</strong>" in page
    assert "OPEN-1" in page and "OPEN-2" in page


def test_the_invoice_list_shows_every_invoice_and_marks_the_overdue_ones(client_of, subscribed):
    customer = subscribed.customer
    add_invoice(customer, number="LATE-1", due_in_days=-3)
    add_invoice(customer, number="VOID-1", status="void")
    add_invoice(customer, number="DRAFT-1", status="draft")
    paid = customer.invoices.get(status="paid")

    page = client_of.get(reverse("portal_invoices")).content.decode()

    assert paid.number in page
    assert "VOID-1" in page
    assert "DRAFT-1" not in page
    assert 'class="invoice-row overdue" data-invoice="LATE-1"' in page
    assert "Overdue" in page
    assert page.count("Pay now") == 1


def test_pay_now_opens_the_hosted_invoice_page(client_of, subscribed):
    invoice = add_invoice(subscribed.customer)

    response = client_of.post(reverse("portal_invoice_pay", args=[invoice.pk]))

    assert response.status_code == 303
    assert response["Location"] == invoice.hosted_invoice_url


def test_a_paid_invoice_has_nothing_to_pay(client_of, subscribed):
    paid = subscribed.customer.invoices.get(status="paid")

    response = client_of.post(reverse("portal_invoice_pay", args=[paid.pk]), follow=True)

    assert "has nothing left to pay" in response.content.decode()


def test_pdf_downloads_the_stripe_pdf(client_of, subscribed):
    paid = subscribed.customer.invoices.get(status="paid")

    response = client_of.get(reverse("portal_invoice_pdf", args=[paid.pk]))

    assert response.status_code == 302
    assert response["Location"] == paid.invoice_pdf
    pdf = client_of.get(urlsplit(paid.invoice_pdf).path)
    assert pdf["Content-Type"] == "application/pdf"


def test_another_customers_invoices_are_404_in_the_same_agency_and_across_agencies(
    client_of, subscribed
):
    neighbour = add_invoice(CustomerFactory(agency=subscribed.customer.agency))
    stranger = add_invoice(CustomerFactory(agency=AgencyFactory()))
    draft = add_invoice(subscribed.customer, status="draft")

    for invoice in (neighbour, stranger, draft):
        assert client_of.post(reverse("portal_invoice_pay", args=[invoice.pk])).status_code == 404
        assert client_of.get(reverse("portal_invoice_pdf", args=[invoice.pk])).status_code == 404


def test_a_viewer_sees_everything_but_cannot_pay_or_change_cards(subscribed):
    customer = subscribed.customer
    viewer = ContactFactory(customer=customer, email="sam@client.example", role="viewer")
    invoice = add_invoice(customer)
    client = logged_in(viewer.email)

    overview = client.get(reverse("portal_billing")).content.decode()
    invoices = client.get(reverse("portal_invoices")).content.decode()
    cards = client.get(reverse("portal_payment_methods")).content.decode()

    assert invoice.number in overview and invoice.number in invoices
    assert "Visa •••• 4242" in cards
    for page in (overview, invoices, cards):
        assert "Pay now" not in page
        assert "Manage</button>" not in page
        assert "Update card" not in page
    assert client.post(reverse("portal_invoice_pay", args=[invoice.pk])).status_code == 403
    assert client.post(reverse("portal_billing_portal")).status_code == 403
    assert client.post(reverse("portal_billing_portal"), {"flow": "update_card"}).status_code == 403


def test_a_contact_of_two_customers_chooses_and_switches(db, mailoutbox):
    first = CustomerFactory(agency=AgencyFactory(name="Northwind"), name="Acme Corp")
    second = CustomerFactory(agency=AgencyFactory(name="Brightside"), name="Beta LLC")
    ContactFactory(customer=first, email="pat@client.example")
    ContactFactory(customer=second, email="pat@client.example", role="viewer")
    add_invoice(first, number="ACME-1")
    add_invoice(second, number="BETA-1")
    client = Client()

    response = log_in(client, "pat@client.example")

    assert response["Location"] == reverse("portal_choose")
    assert client.get(reverse("portal_billing"))["Location"] == reverse("portal_choose")
    choices = client.get(reverse("portal_choose")).content.decode()
    assert "Acme Corp — Northwind" in choices and "Beta LLC — Brightside" in choices

    client.post(reverse("portal_choose"), {"contact": first.contacts.get().pk})
    page = client.get(reverse("portal_billing")).content.decode()
    assert "ACME-1" in page and "BETA-1" not in page
    assert "Switch customer" in page

    client.post(reverse("portal_choose"), {"contact": second.contacts.get().pk})
    page = client.get(reverse("portal_billing")).content.decode()
    assert "BETA-1" in page and "ACME-1" not in page
    assert "Pay now" not in page  # a viewer of Beta LLC


def test_choosing_someone_elses_contact_is_404(client_of):
    other = ContactFactory(email="someone@else.example")

    response = client_of.post(reverse("portal_choose"), {"contact": other.pk})

    assert response.status_code == 404
    assert "Automation retainer" in client_of.get(reverse("portal_billing")).content.decode()


def test_manage_opens_a_billing_portal_session_with_a_configuration_made_once(
    client_of, subscribed
):
    agency = subscribed.customer.agency

    first = client_of.post(reverse("portal_billing_portal"))

    assert first.status_code == 303
    assert "/sandbox/billing_portal/bps_" in first["Location"]
    agency.refresh_from_db()
    configuration_id = agency.billing_portal_configuration_id
    assert configuration_id.startswith("bpc_")
    configuration = stripe_client().v1.billing_portal.configurations.retrieve(
        configuration_id, options=account_options(agency.stripe_account_id)
    )
    assert configuration.features.payment_method_update.enabled
    assert configuration.features.invoice_history.enabled
    assert not configuration.features.subscription_cancel.enabled
    home = client_of.get(urlsplit(first["Location"]).path).content.decode()
    assert "Visa •••• 4242" in home
    assert subscribed.customer.invoices.get().number in home
    assert "Cancel subscription" not in home
    assert f'href="http://testserver{reverse("portal_payment_methods")}"' in home

    client_of.post(reverse("portal_billing_portal"))
    listed = stripe_client().v1.billing_portal.configurations.list(
        options=account_options(agency.stripe_account_id)
    )
    assert [c.id for c in listed.data] == [configuration_id]


def test_update_card_lands_on_the_card_form_and_the_new_card_becomes_the_default(
    client_of, subscribed, owner_client
):
    customer = subscribed.customer
    response = client_of.post(reverse("portal_billing_portal"), {"flow": "update_card"})
    portal_url = response["Location"]
    form_page = client_of.get(urlsplit(portal_url).path)
    assert form_page.status_code == 302
    card_url = form_page["Location"]
    before = SandboxEvent.objects.count()

    with after_commit():
        done = submit_form(
            Client(),
            card_url,
            {
                "Card number": "5555 5555 5555 4444",
                "Expiration (MM / YY)": "08 / 31",
                "CVC": "123",
                "Name on card": "Dana Client",
            },
        )

    assert done.status_code == 302
    assert done["Location"] == f"http://testserver{reverse('portal_payment_methods')}"
    types = list(SandboxEvent.objects.order_by("sequence")[before:].values_list("type", flat=True))
    assert types == ["payment_method.attached", "customer.updated", "customer.subscription.updated"]
    page = client_of.get(reverse("portal_payment_methods")).content.decode()
    assert "Mastercard •••• 4444 — expires 08/2031" in page
    manage = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()
    assert "Mastercard •••• 4444" in manage
    stripe_customer = stripe_client().v1.customers.retrieve(
        customer.stripe_customer_id, options=account_options(customer.agency.stripe_account_id)
    )
    new_card = customer.subscriptions.get().default_payment_method.stripe_id
    assert stripe_customer.invoice_settings.default_payment_method == new_card


def test_a_declined_card_changes_nothing(client_of, subscribed):
    response = client_of.post(reverse("portal_billing_portal"), {"flow": "update_card"})
    card_url = client_of.get(urlsplit(response["Location"]).path)["Location"]

    page = submit_form(
        Client(),
        card_url,
        {
            "Card number": "4000 0000 0000 0002",
            "Expiration (MM / YY)": "08 / 31",
            "CVC": "123",
            "Name on card": "Dana Client",
        },
    )

    assert "Your card was declined." in page.content.decode()
    assert subscribed.customer.subscriptions.get().default_payment_method.last4 == "4242"


def test_clients_cancel_at_period_end_when_the_agency_allows_it(client_of, subscribed):
    agency = subscribed.customer.agency
    agency.portal_allow_cancel = True
    agency.save()
    subscription = subscribed.customer.subscriptions.get()
    portal_url = client_of.post(reverse("portal_billing_portal"))["Location"]
    home = client_of.get(urlsplit(portal_url).path).content.decode()
    assert "Cancel subscription" in home

    with after_commit():
        submit_form(Client(), portal_url, {})

    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end
    assert subscription.status == "trialing"
    page = client_of.get(reverse("portal_billing")).content.decode()
    assert "cancels on" in page


def test_without_a_stripe_customer_there_is_nothing_to_manage(contact):
    client = logged_in(contact.email)

    response = client.post(reverse("portal_billing_portal"), follow=True)

    assert "the agency has not billed you" in response.content.decode()


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_portal_pages_cost_the_same_with_1_or_60_invoices(client_of, subscribed):
    customer = subscribed.customer
    add_invoice(customer)
    urls = [
        reverse(name) for name in ("portal_billing", "portal_invoices", "portal_payment_methods")
    ]
    one = [queries_for(client_of, url) for url in urls]

    for n in range(59):
        add_invoice(customer, due_in_days=n - 30)

    assert [queries_for(client_of, url) for url in urls] == one


def test_the_overview_lists_the_first_ten_unpaid_invoices_and_totals_them_all(
    client_of, subscribed
):
    for n in range(12):
        add_invoice(subscribed.customer, total=10000, number=f"DUE-{n:02d}", due_in_days=n)

    page = client_of.get(reverse("portal_billing")).content.decode()

    assert "Total due: <strong>1,200.00 USD</strong>" in page
    assert "DUE-00" in page and "DUE-09" in page and "DUE-10" not in page
    assert "See all 12 unpaid invoices" in page


def test_an_uncollectible_invoice_can_still_be_paid(client_of, subscribed):
    invoice = add_invoice(subscribed.customer, status="uncollectible", number="BAD-1")

    page = client_of.get(reverse("portal_billing")).content.decode()
    response = client_of.post(reverse("portal_invoice_pay", args=[invoice.pk]))

    assert "BAD-1" in page and "Pay now" in page
    assert response.status_code == 303


def test_dates_read_in_the_agencys_time_zone_not_utc(client_of, subscribed):
    """10:30 UTC on Mar 10 is already Mar 10 23:30 in Auckland; 20:00 UTC is Mar 11 there."""
    customer = subscribed.customer
    customer.agency.time_zone = "Pacific/Auckland"
    customer.agency.save(update_fields=["time_zone"])
    evening = datetime(2027, 3, 10, 20, 0, tzinfo=UTC)  # Mar 11, 09:00 in Auckland
    subscription = customer.subscriptions.get()
    subscription.trial_end = evening
    subscription.current_period_end = evening + timedelta(days=1)
    subscription.save(update_fields=["trial_end", "current_period_end"])
    invoice = add_invoice(customer, number="LATE-EVENING")
    Invoice.objects.filter(pk=invoice.pk).update(
        stripe_created=evening - timedelta(days=30), due_date=evening + timedelta(days=2)
    )

    overview = client_of.get(reverse("portal_billing")).content.decode()
    invoices = client_of.get(reverse("portal_invoices")).content.decode()

    assert "Trial ends on <time" in overview
    assert ">Mar 11, 2027</time>" in overview  # the trial's end
    assert ">Mar 12, 2027</time>" in overview  # the next charge
    assert "Mar 10, 2027" not in overview
    row = invoices.split('data-invoice="LATE-EVENING"')[1].split("</tr>")[0]
    assert ">Feb 9, 2027</time>" in row  # created Feb 8, 20:00 UTC
    assert ">Mar 13, 2027</time>" in row  # due Mar 12, 20:00 UTC
