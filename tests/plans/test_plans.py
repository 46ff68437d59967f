import pytest
from django.urls import reverse

from agency_billing.stripe_client import account_options, stripe_client
from plans.models import Plan


def create_plan(client, **overrides):
    data = {
        "name": "Automation retainer",
        "description": "Monthly automation work",
        "monthly_amount": "2500.00",
        "yearly_amount": "25000.00",
        "trial_days": "14",
    } | overrides
    return client.post(reverse("plan_new"), data)


def test_a_plan_becomes_a_stripe_product_with_a_monthly_and_a_yearly_price(
    owner_client, connected_agency
):
    response = create_plan(owner_client)

    assert response.status_code == 302
    plan = Plan.objects.get(agency=connected_agency)
    assert plan.trial_days == 14
    options = account_options(connected_agency.stripe_account_id)
    product = stripe_client().v1.products.retrieve(plan.stripe_product_id, options=options)
    assert product.name == "Automation retainer"
    assert product.description == "Monthly automation work"
    stripe_prices = {
        price.interval: stripe_client().v1.prices.retrieve(price.stripe_price_id, options=options)
        for price in plan.prices.all()
    }
    assert stripe_prices["month"].unit_amount == 250000
    assert stripe_prices["month"].recurring.interval == "month"
    assert stripe_prices["year"].unit_amount == 2500000
    assert stripe_prices["year"].currency == "usd"
    assert stripe_prices["year"].product == product.id
    page = owner_client.get(reverse("plan_list")).content.decode()
    assert "2,500.00 USD / month" in page
    assert "25,000.00 USD / year" in page


def test_a_plan_may_have_only_a_monthly_price(owner_client, connected_agency):
    create_plan(owner_client, yearly_amount="", trial_days="")

    plan = Plan.objects.get(agency=connected_agency)
    assert [p.interval for p in plan.prices.all()] == ["month"]
    assert plan.trial_days == 0


def test_an_admin_can_create_plans(admin_client_, connected_agency):
    assert create_plan(admin_client_).status_code == 302


def test_amounts_of_a_zero_decimal_currency_are_whole_units(owner_client, connected_agency):
    connected_agency.currency = "jpy"
    connected_agency.save()

    create_plan(owner_client, monthly_amount="5000", yearly_amount="")

    price = Plan.objects.get(agency=connected_agency).prices.get()
    assert (price.unit_amount, price.currency) == (5000, "jpy")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 100}, "name", "Keep the plan name under 100 characters."),
        ({"description": "x" * 500}, "description", "Keep the description under 500 characters."),
        ({"monthly_amount": "0"}, "monthly_amount", "Enter an amount greater than zero."),
        ({"monthly_amount": "-5"}, "monthly_amount", "Enter an amount greater than zero."),
        ({"monthly_amount": "0.49"}, "monthly_amount", "Stripe&#x27;s minimum charge is 0.50 USD."),
        ({"yearly_amount": "12.345"}, "yearly_amount", "at most the decimals USD allows"),
        ({"monthly_amount": "ten"}, "monthly_amount", "Enter a number."),
        (
            {"monthly_amount": "", "yearly_amount": ""},
            "monthly_amount",
            "Give the plan a monthly price, a yearly price, or both.",
        ),
        ({"trial_days": "-1"}, "trial_days", "greater than or equal to 0"),
    ],
)
def test_bad_input_is_reported_by_the_field_and_creates_nothing(
    owner_client, connected_agency, overrides, field, message
):
    response = create_plan(owner_client, **overrides)

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert Plan.objects.count() == 0


def test_a_member_sees_only_their_own_agencys_plans(owner_client, connected_agency, outsider):
    Plan.objects.create(agency=outsider.agency, name="Someone else's plan")

    page = owner_client.get(reverse("plan_list")).content.decode()

    assert "Someone else" not in page


def test_a_stripe_failure_shows_a_message_and_leaves_no_plan(owner_client, connected_agency):
    connected_agency.stripe_account_id = "acct_1NoSuchAccount000000"
    connected_agency.save()

    response = create_plan(owner_client)

    assert response.status_code == 200
    assert "Stripe could not create the plan" in response.content.decode()
    assert Plan.objects.count() == 0


def test_a_price_stripe_would_refuse_is_refused_by_the_field(owner_client, connected_agency):
    response = create_plan(owner_client, monthly_amount="1000000.00", yearly_amount="")

    page = response.content.decode()
    assert 'id="id_monthly_amount_error"' in page
    assert "Stripe accepts prices up to 999,999.99 USD." in page
    assert not Plan.objects.exists()


def test_the_largest_price_stripe_accepts_is_accepted(owner_client, connected_agency):
    response = create_plan(owner_client, monthly_amount="999999.99", yearly_amount="")

    assert response.status_code == 302
    assert Plan.objects.get().prices.get().unit_amount == 99_999_999


def test_the_price_limit_is_in_the_currencys_terms(owner_client, connected_agency):
    connected_agency.currency = "jpy"
    connected_agency.save()

    page = create_plan(owner_client, monthly_amount="100000000", yearly_amount="")

    assert "Stripe accepts prices up to 99,999,999 JPY." in page.content.decode()
    assert not Plan.objects.exists()
