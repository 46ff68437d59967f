"""Evergreen pay links (/pay/<token>/), Send by email, and the link states staff see."""

import pytest
from django.test import Client
from django.urls import reverse

from checkout.models import CheckoutLink, PayLink
from tests.conftest import client_for
from tests.factories import ContactFactory
from tests.stripe_flows import pay_checkout


def price_of(customer, interval="month"):
    return customer.plan.prices.get(interval=interval)


def create_pay_link(staff_client, customer, interval="month"):
    return staff_client.post(
        reverse("pay_link_new", args=[customer.pk]), {"price": price_of(customer, interval).pk}
    )


def manage_page(staff_client, customer) -> str:
    return staff_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()


def test_a_pay_link_opens_a_stripe_checkout_and_the_next_open_reuses_it(owner_client, customer):
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get(customer=customer)
    assert len(pay_link.token) >= 40

    first = Client().get(reverse("pay_link", args=[pay_link.token]))
    second = Client().get(reverse("pay_link", args=[pay_link.token]))

    session = CheckoutLink.objects.get(customer=customer)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == session.url
    assert session.pay_link == pay_link
    pay_link.refresh_from_db()
    assert pay_link.open_count == 2
    assert pay_link.first_opened_at < pay_link.last_opened_at
    page = manage_page(owner_client, customer)
    assert pay_link.url in page
    assert "Opened 2 times" in page
    assert "opened from the pay link" in page


def test_a_pay_link_reuses_the_session_staff_generated(owner_client, customer):
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get()

    response = Client().get(reverse("pay_link", args=[pay_link.token]))

    assert response["Location"] == CheckoutLink.objects.get().url


def test_a_pay_link_opened_after_its_session_expired_makes_a_fresh_one(owner_client, customer):
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get()
    Client().get(reverse("pay_link", args=[pay_link.token]))
    old = CheckoutLink.objects.get()
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]),
        {"price": price_of(customer).pk, "regenerate": "1"},
    )
    CheckoutLink.objects.exclude(pk=old.pk).update(status="expired")

    response = Client().get(reverse("pay_link", args=[pay_link.token]))

    fresh = CheckoutLink.objects.filter(status="open").get()
    assert response["Location"] == fresh.url
    assert fresh.pk != old.pk


def test_a_revoked_pay_link_says_so_and_makes_no_session(owner_client, customer):
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get()
    Client().get(reverse("pay_link", args=[pay_link.token]))
    session = CheckoutLink.objects.get()

    owner_client.post(reverse("pay_link_revoke", args=[customer.pk, pay_link.pk]))
    response = Client().get(reverse("pay_link", args=[pay_link.token]))

    assert response.status_code == 410
    assert "This payment link was withdrawn" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "expired"
    assert CheckoutLink.objects.count() == 1
    assert "Create pay link" in manage_page(owner_client, customer)


def test_an_unknown_token_is_404(db):
    assert Client().get(reverse("pay_link", args=["not-a-token"])).status_code == 404


def test_a_pay_link_of_a_suspended_agency_explains_and_charges_nothing(owner_client, customer):
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get()
    customer.agency.suspended = True
    customer.agency.save()

    response = Client().get(reverse("pay_link", args=[pay_link.token]))

    assert response.status_code == 503
    assert "can't take payments right now" in response.content.decode()
    assert not CheckoutLink.objects.exists()


def test_send_by_email_mails_the_stripe_link_with_plan_amount_trial_and_expiry(
    owner, owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    link = CheckoutLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("checkout_link_email", args=[customer.pk, link.pk]))

    assert response.status_code == 302
    [email] = mailoutbox
    assert email.to == ["dana@client.example"]
    assert email.from_email.startswith(f'"{customer.agency.name}"') or email.from_email.startswith(
        customer.agency.name
    )
    assert email.reply_to == [owner.user.email]
    assert "Automation retainer" in email.subject
    assert "14-day free trial" in email.subject
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert link.url in body
        assert "2,500.00 USD per month" in body
        assert "This link expires on" in body
    link.refresh_from_db()
    assert link.sent_to == "dana@client.example"
    page = manage_page(owner_client, customer)
    assert "By email to dana@client.example" in page


def test_sending_the_pay_link_mails_a_link_that_does_not_expire(
    client, owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    create_pay_link(owner_client, customer, interval="year")
    pay_link = PayLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("pay_link_email", args=[customer.pk, pay_link.pk]))

    [email] = mailoutbox
    assert pay_link.url in email.body
    assert "25,000.00 USD per year" in email.body
    assert "This link does not expire" in email.body
    pay_link.refresh_from_db()
    assert pay_link.sent_at is not None
    opened = Client().get(reverse("pay_link", args=[pay_link.token]))
    assert "Thank you" in pay_checkout(client, opened["Location"], card="4242 4242 4242 4242")


def test_a_link_no_longer_open_is_not_sent(owner_client, customer, mailoutbox):
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    link = CheckoutLink.objects.get()
    link.status = "expired"
    link.save()

    response = owner_client.post(
        reverse("checkout_link_email", args=[customer.pk, link.pk]), follow=True
    )

    assert "no longer open; regenerate it first" in response.content.decode()
    assert mailoutbox == []


def test_link_states_read_sent_open_expired_and_paid(client, owner_client, customer):
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]),
        {"price": price_of(customer).pk, "regenerate": "1"},
    )
    expired, current = CheckoutLink.objects.order_by("created_at")
    owner_client.post(reverse("checkout_link_email", args=[customer.pk, current.pk]))
    assert 'data-field="state">Open' in manage_page(owner_client, customer)

    pay_checkout(client, current.url, card="4242 4242 4242 4242")

    page = manage_page(owner_client, customer)
    assert page.count('data-field="state">Expired') == 1
    assert page.count('data-field="state">Paid') == 1
    assert "By email to dana@client.example" in page


def links_urls(customer, pay_link, link):
    return [
        reverse("pay_link_new", args=[customer.pk]),
        reverse("pay_link_email", args=[customer.pk, pay_link.pk]),
        reverse("pay_link_revoke", args=[customer.pk, pay_link.pk]),
        reverse("checkout_link_email", args=[customer.pk, link.pk]),
    ]


@pytest.fixture
def links(owner_client, customer):
    create_pay_link(owner_client, customer)
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    return PayLink.objects.get(), CheckoutLink.objects.get()


def test_another_agency_gets_404_for_every_link_url(outsider_client, customer, links, mailoutbox):
    for url in links_urls(customer, *links):
        response = outsider_client.post(url, {"price": price_of(customer).pk})
        assert response.status_code == 404, url
    assert mailoutbox == []
    assert PayLink.objects.get().revoked_at is None


def test_an_admin_can_use_every_link_url(
    admin, customer, links, mailoutbox, django_capture_on_commit_callbacks
):
    staff = client_for(admin)
    for url in links_urls(customer, *links):
        with django_capture_on_commit_callbacks(execute=True):
            response = staff.post(url, {"price": price_of(customer).pk})
        assert response.status_code == 302, url
    assert len(mailoutbox) == 2
    assert PayLink.objects.get(pk=links[0].pk).revoked_at is not None


def test_link_urls_need_a_signed_in_member(client, customer, links):
    for url in links_urls(customer, *links):
        response = client.post(url, {"price": price_of(customer).pk})
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_opens_of_one_pay_link_are_rate_limited_per_link(settings, owner_client, customer):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "pay_link": "3/h"}
    create_pay_link(owner_client, customer)
    create_pay_link(owner_client, customer, interval="year")
    monthly, yearly = PayLink.objects.order_by("price__interval")

    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").get(reverse("pay_link", args=[monthly.token])).status_code
        for n in range(4)
    ]
    other_link = Client().get(reverse("pay_link", args=[yearly.token]))

    assert answers == [302, 302, 302, 429]
    assert other_link.status_code == 302
    monthly.refresh_from_db()
    assert monthly.open_count == 3


def test_links_are_emailed_to_every_billing_contact_and_no_viewer(
    owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    ContactFactory(customer=customer, name="Pat", email="pat@client.example")
    ContactFactory(customer=customer, name="Sam", email="sam@client.example", role="viewer")
    create_pay_link(owner_client, customer)
    pay_link = PayLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("pay_link_email", args=[customer.pk, pay_link.pk]), follow=True
        )

    assert sorted(email.to for email in mailoutbox) == [
        ["dana@client.example"],
        ["pat@client.example"],
    ]
    to_pat = next(email for email in mailoutbox if email.to == ["pat@client.example"])
    assert to_pat.body.startswith("Hi Pat,")
    assert pay_link.url in to_pat.body
    assert "Link emailed to dana@client.example and pat@client.example." in (
        response.content.decode()
    )
    pay_link.refresh_from_db()
    assert pay_link.sent_to == "dana@client.example, pat@client.example"
    assert "to dana@client.example, pat@client.example" in manage_page(owner_client, customer)


def test_a_customer_without_a_billing_contact_is_sent_no_link(
    owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    customer.contacts.update(role="viewer")
    owner_client.post(
        reverse("checkout_link_new", args=[customer.pk]), {"price": price_of(customer).pk}
    )
    link = CheckoutLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("checkout_link_email", args=[customer.pk, link.pk]), follow=True
        )

    assert "has no billing contact" in response.content.decode()
    assert mailoutbox == []
    link.refresh_from_db()
    assert link.sent_at is None
