"""Settings (owner only): name, logo, brand colour, currency (locked once a plan exists),
time zone, Stripe Tax, days until due, and the fee rate shown read-only."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from checkout.services import checkout_link_generate
from tests.factories import PlanFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def settings_data(**overrides) -> dict:
    return {
        "name": "Brightside Studio",
        "brand_color": "#0A7C59",
        "currency": "eur",
        "time_zone": "Europe/Berlin",
        "stripe_tax": "on",
        "default_days_until_due": "14",
        "trial_end_behavior": "cancel",
    } | overrides


def test_the_owner_changes_the_settings(owner_client, agency):
    response = owner_client.post(reverse("agency_settings"), settings_data(), follow=True)

    assert "Settings saved." in response.content.decode()
    agency.refresh_from_db()
    assert agency.name == "Brightside Studio"
    assert agency.brand_color == "#0a7c59"
    assert agency.currency == "eur"
    assert agency.time_zone == "Europe/Berlin"
    assert agency.stripe_tax_enabled is True
    assert agency.automatic_tax is True
    assert agency.default_days_until_due == 14


def test_the_longest_name_the_column_holds_is_saved_and_one_more_is_refused(owner_client, agency):
    longest = Agency._meta.get_field("name").max_length

    owner_client.post(reverse("agency_settings"), settings_data(name="N" * longest))
    agency.refresh_from_db()
    assert agency.name == "N" * longest

    response = owner_client.post(
        reverse("agency_settings"), settings_data(name="M" * (longest + 1))
    )
    assert 'id="id_name_error"' in response.content.decode()
    assert f'value="{"M" * (longest + 1)}"' in response.content.decode()
    agency.refresh_from_db()
    assert agency.name == "N" * longest


def test_platform_default_tax_is_none(owner_client, agency):
    owner_client.post(reverse("agency_settings"), settings_data(stripe_tax=""))

    agency.refresh_from_db()
    assert agency.stripe_tax_enabled is None


def test_the_currency_is_locked_once_a_plan_exists_and_says_why(owner_client, agency):
    PlanFactory(agency=agency)

    page = owner_client.get(reverse("agency_settings")).content.decode()
    assert "Locked: your plans have Stripe prices in this currency." in page
    assert '<select name="currency" disabled aria-describedby="id_currency_helptext"' in page

    owner_client.post(reverse("agency_settings"), settings_data(currency="jpy"))
    agency.refresh_from_db()
    assert agency.currency == "usd"
    assert agency.name == "Brightside Studio"


def test_the_fee_rate_is_shown_and_cannot_be_changed(owner_client, agency, settings):
    settings.PLATFORM_FEE_PERCENT = "0.5"

    page = owner_client.get(reverse("agency_settings")).content.decode()
    assert "0.5 % of each payment" in page

    owner_client.post(reverse("agency_settings"), settings_data(fee_percent="0"))
    agency.refresh_from_db()
    assert agency.fee_percent is None


def test_bad_values_are_reported_by_their_field_and_nothing_is_saved(owner_client, agency):
    response = owner_client.post(
        reverse("agency_settings"),
        settings_data(
            brand_color="red", time_zone="Mars/Olympus", default_days_until_due="abc", name=""
        ),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Use a colour like #635bff." in html
    assert "Select a valid choice. Mars/Olympus is not one of the available choices." in html
    assert "Enter a whole number." in html
    assert 'value="abc"' in html
    agency.refresh_from_db()
    assert agency.name != ""
    assert agency.time_zone == "UTC"


def test_a_logo_is_stored_and_served_at_a_public_address(owner_client, agency, client):
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    owner_client.post(reverse("agency_settings"), settings_data() | {"logo": logo})

    response = client.get(reverse("agency_logo", args=[agency.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert reverse("agency_logo", args=[agency.pk]) in page


def test_a_logo_can_be_removed(owner_client, agency, client):
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    owner_client.post(reverse("agency_settings"), settings_data() | {"logo": logo})
    owner_client.post(reverse("agency_settings"), settings_data(remove_logo="on"))

    assert client.get(reverse("agency_logo", args=[agency.pk])).status_code == 404


def test_a_logo_that_is_not_an_image_or_too_large_is_refused(owner_client, agency):
    for upload, message in [
        (SimpleUploadedFile("x.svg", b"<svg onload=alert(1)>"), "Upload a PNG, JPEG or GIF image."),
        (SimpleUploadedFile("big.png", PNG + b"0" * 300_000), "larger than 256 KB"),
    ]:
        html = owner_client.post(
            reverse("agency_settings"), settings_data() | {"logo": upload}
        ).content.decode()
        assert message in html
    agency.refresh_from_db()
    assert agency.logo_content_type == ""


def test_settings_are_the_owners_only(admin_client_, outsider_client, agency):
    assert admin_client_.get(reverse("agency_settings")).status_code == 403
    assert ">Settings</a>" not in admin_client_.get(reverse("dashboard")).content.decode()
    outsider_client.post(reverse("agency_settings"), settings_data(name="Taken over"))
    agency.refresh_from_db()
    assert agency.name != "Taken over"


def test_staff_pages_show_times_in_the_agencys_time_zone(owner_client, customer):
    agency = customer.agency
    agency.time_zone = "Asia/Tokyo"
    agency.save()
    link = checkout_link_generate(customer=customer, price=customer.plan.prices.first())
    local = link.expires_at.astimezone(ZoneInfo("Asia/Tokyo"))

    page = owner_client.get(reverse("customer_manage", args=[customer.pk])).content.decode()

    assert f'<time datetime="{local.isoformat()}">' in page
    assert f"{local:%H:%M} JST</time>" in page
    assert "Expires in 23\xa0hours" in page


def test_the_date_filters_write_a_time_element_in_the_active_zone():
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    template = Template("{% load dates %}{{ moment|when }} · {{ moment|day }}")

    with timezone.override(ZoneInfo("Asia/Tokyo")):
        html = template.render(Context({"moment": moment}))

    assert html == (
        '<time datetime="2026-12-02T08:30:00+09:00">Dec 2, 2026, 08:30 JST</time> · '
        '<time datetime="2026-12-02T08:30:00+09:00">Dec 2, 2026</time>'
    )


def test_relative_times_read_like_speech():
    template = Template(
        "{% load dates %}{{ later|relative }}|{{ earlier|relative }}|{{ now|relative }}"
    )
    now = timezone.now()
    html = template.render(
        Context(
            {
                "later": now + timedelta(hours=23, minutes=59, seconds=50),
                "earlier": now - timedelta(days=3, hours=2),
                "now": now,
            }
        )
    )

    assert html == "in 23\xa0hours|3\xa0days ago|just now"
