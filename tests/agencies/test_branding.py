"""The agency's name, colour and logo reach Stripe's hosted checkout page and its emails."""

from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from tests.agencies.test_settings import PNG, settings_data


def brand(owner_client, customer, **overrides):
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = owner_client.post(
        reverse("agency_settings"),
        settings_data(name="Brightside Studio", brand_color="#0A7C59", currency="usd")
        | {"logo": logo}
        | overrides,
    )
    assert response.status_code == 302
    customer.agency.refresh_from_db()


@pytest.mark.django_db(transaction=True)
def test_the_hosted_checkout_page_shows_the_agencys_name_logo_and_colour(
    owner_client, client, customer
):
    brand(owner_client, customer)
    link = checkout_link_generate(customer=customer, price=customer.plan.prices.first())
    page_path = urlsplit(link.url).path

    html = client.get(page_path).content.decode()

    logo_url = f"http://testserver{reverse('agency_logo', args=[customer.agency_id])}"
    assert f'<img src="{logo_url}" alt="Brightside Studio">' in html
    css_path = reverse("stripe_sandbox:checkout_brand", args=[link.stripe_session_id])
    assert f'href="{css_path}"' in html
    css = client.get(css_path)
    assert css["Content-Type"] == "text/css"
    assert css.content.decode() == ":root { --brand: #0a7c59; --brand-text: #ffffff; }\n"


def test_a_pale_brand_colour_gets_dark_button_text(owner_client, client, customer):
    brand(owner_client, customer, brand_color="#f5d48a")
    link = checkout_link_generate(customer=customer, price=customer.plan.prices.first())

    css = client.get(reverse("stripe_sandbox:checkout_brand", args=[link.stripe_session_id]))

    assert "--brand-text: #1a1f36;" in css.content.decode()


def test_the_checkout_link_email_carries_the_brand(
    owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    brand(owner_client, customer)
    price = customer.plan.prices.get(interval="month")
    owner_client.post(reverse("checkout_link_new", args=[customer.pk]), {"price": price.pk})
    link = CheckoutLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("checkout_link_email", args=[customer.pk, link.pk]))

    [mail] = mailoutbox
    html = mail.alternatives[0][0]
    assert "Brightside Studio" in mail.from_email
    assert "background:#0a7c59" in html
    assert f"http://testserver{reverse('agency_logo', args=[customer.agency_id])}" in html
