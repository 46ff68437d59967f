from django.contrib.auth import get_user_model
from django.urls import reverse

from agencies.models import Agency, Membership


def signup(client, **overrides):
    data = {
        "agency_name": "Brightside Marketing",
        "email": "Owner@Brightside.example",
        "password": "a long enough passphrase",
        "currency": "usd",
    } | overrides
    return client.post(reverse("signup"), data)


def test_signing_up_makes_the_person_owner_of_a_new_agency(client, db):
    response = signup(client)

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="owner@brightside.example")
    assert membership.role == "owner"
    assert membership.agency.name == "Brightside Marketing"
    assert membership.agency.currency == "usd"
    dashboard = client.get(reverse("dashboard"))
    assert "Brightside Marketing" in dashboard.content.decode()


def test_it_rejects_an_email_that_already_has_an_account(client, owner):
    response = signup(client, email=owner.user.email.upper())

    assert "An account with this email already exists" in response.content.decode()
    assert Agency.objects.count() == 1


def test_it_rejects_a_weak_password_by_the_field(client, db):
    response = signup(client, password="12345678")

    assert "This password is too common" in response.content.decode()
    assert get_user_model().objects.count() == 0


def test_it_requires_every_field(client, db):
    response = client.post(reverse("signup"), {})

    assert response.content.decode().count("This field is required.") == 4
    assert Agency.objects.count() == 0


def test_a_member_logs_in_and_out(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200

    client.post(reverse("logout"))
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_says_so(client, owner):
    response = client.post(reverse("login"), {"username": owner.user.email, "password": "nope"})

    assert "don't match an account" in response.content.decode()


def test_staff_pages_ask_an_anonymous_visitor_to_log_in(client, db):
    for name in ["dashboard", "customer_list", "plan_list", "stripe_connect", "customer_create"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
