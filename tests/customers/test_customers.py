import pytest
from django.urls import reverse

from customers.models import Customer
from tests.factories import CustomerFactory, PlanFactory


def add_customer(client, **overrides):
    data = {"name": "Dana Client", "email": "dana@client.example", "company": "Client Co"}
    return client.post(reverse("customer_create"), data | overrides)


def test_adding_a_customer_lands_on_manage_customer(owner_client, agency):
    plan = PlanFactory(agency=agency, name="Growth")

    response = add_customer(owner_client, plan=plan.pk)

    customer = Customer.objects.get(agency=agency)
    assert response["Location"] == reverse("customer_manage", args=[customer.pk])
    assert (customer.name, customer.email, customer.company) == (
        "Dana Client",
        "dana@client.example",
        "Client Co",
    )
    assert customer.plan == plan
    page = owner_client.get(response["Location"]).content.decode()
    assert "Manage Customer" in page
    assert "Stripe Information" in page
    assert "Checkout Sessions" in page


def test_login_credentials_are_not_emailed_unless_asked(owner_client, agency):
    add_customer(owner_client)
    add_customer(owner_client, email="eve@client.example", email_login_credentials="on")

    chosen = dict(Customer.objects.values_list("email", "email_login_credentials"))
    assert chosen == {"dana@client.example": False, "eve@client.example": True}


def test_the_add_customer_form_has_the_toggle_off_by_default(owner_client, agency):
    page = owner_client.get(reverse("customer_create")).content.decode()

    assert "Email login credentials to customer" in page
    assert 'name="email_login_credentials"' in page
    assert "checked" not in page


def test_an_admin_can_add_customers(admin_client_, agency):
    assert add_customer(admin_client_).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "dana.example"}, "email", "Enter a valid email address"),
    ],
)
def test_bad_input_is_reported_by_the_field_and_creates_nothing(
    owner_client, agency, overrides, field, message
):
    response = add_customer(owner_client, **overrides)

    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert Customer.objects.count() == 0


def test_an_email_already_used_in_this_agency_is_refused(owner_client, agency):
    CustomerFactory(agency=agency, email="dana@client.example")

    response = add_customer(owner_client, email="DANA@client.example")

    assert "A customer with this email already exists in your agency." in response.content.decode()
    assert Customer.objects.count() == 1


def test_the_same_email_may_be_a_customer_of_another_agency(owner_client, agency, outsider):
    CustomerFactory(agency=outsider.agency, email="dana@client.example")

    assert add_customer(owner_client).status_code == 302


def test_another_agencys_plan_cannot_be_chosen(owner_client, agency, outsider):
    foreign_plan = PlanFactory(agency=outsider.agency)

    response = add_customer(owner_client, plan=foreign_plan.pk)

    assert 'id="id_plan_error"' in response.content.decode()
    assert Customer.objects.count() == 0


def test_manage_customer_answers_404_for_another_agencys_customer(outsider_client, agency):
    customer = CustomerFactory(agency=agency)

    response = outsider_client.get(reverse("customer_manage", args=[customer.pk]))

    assert response.status_code == 404


def test_manage_customer_is_open_to_owner_and_admin(owner_client, admin_client_, agency):
    customer = CustomerFactory(agency=agency)
    url = reverse("customer_manage", args=[customer.pk])

    assert owner_client.get(url).status_code == 200
    assert admin_client_.get(url).status_code == 200


def test_the_customer_list_shows_only_this_agencys_customers(owner_client, agency, outsider):
    CustomerFactory(agency=agency, name="Mine")
    CustomerFactory(agency=outsider.agency, name="Theirs")

    page = owner_client.get(reverse("customer_list")).content.decode()

    assert "Mine" in page
    assert "Theirs" not in page


def test_the_customer_list_pages_fifty_at_a_time(owner_client, agency):
    for n in range(51):
        CustomerFactory(agency=agency, name=f"Client {n:02d}")

    first = owner_client.get(reverse("customer_list")).content.decode()
    second = owner_client.get(reverse("customer_list"), {"page": 2}).content.decode()

    assert "Client 49" in first and "Client 50" not in first
    assert "Client 50" in second
    assert "Page 2 of 2 (51 customers)" in second
