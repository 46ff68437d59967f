"""Team: the owner invites admins by email (through the outbox), the invited person makes
their account from the emailed link, and the owner lists and removes admins."""

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from agencies.models import Invitation, Membership


def invite(client, email="ivy@agency.example"):
    return client.post(reverse("team"), {"email": email})


def accept_url_of(email) -> str:
    return re.search(r"https?://\S+/invitations/\S+/", email.body).group(0)


def test_the_owner_invites_an_admin_who_accepts_and_can_work(
    owner, owner_client, customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(owner_client)

    assert response.status_code == 302
    [email] = mailoutbox
    assert email.to == ["ivy@agency.example"]
    assert owner.agency.name in email.subject
    assert "ivy@agency.example" in owner_client.get(reverse("team")).content.decode()
    newcomer = Client()
    url = accept_url_of(email).replace("http://testserver", "")
    assert "Join" in newcomer.get(url).content.decode()

    accepted = newcomer.post(url, {"password": "a long enough passphrase"})

    assert accepted["Location"] == reverse("dashboard")
    membership = Membership.objects.get(user__email="ivy@agency.example")
    assert membership.agency == owner.agency and membership.role == "admin"
    manage = newcomer.get(reverse("customer_manage", args=[customer.pk]))
    assert manage.status_code == 200
    assert newcomer.get(url).status_code == 404  # used once
    assert newcomer.post(reverse("stripe_disconnect")).status_code == 403


def test_a_weak_password_is_refused_by_the_field(owner, owner_client, mailoutbox):
    invite(owner_client)
    invitation = Invitation.objects.get()

    response = Client().post(
        reverse("invitation_accept", args=[invitation.token]), {"password": "123"}
    )

    assert 'id="id_password_error"' in response.content.decode()
    assert not get_user_model().objects.filter(username="ivy@agency.example").exists()


def test_an_existing_account_or_a_second_invitation_is_refused(owner, owner_client, admin):
    first = invite(owner_client, email=admin.user.email)
    invite(owner_client)
    second = invite(owner_client, email="IVY@agency.example")

    assert "This person already has an account." in first.content.decode()
    assert "This person is already invited." in second.content.decode()
    assert Invitation.objects.count() == 1


def test_the_owner_removes_an_admin_who_can_no_longer_log_in(owner_client, admin):
    response = owner_client.post(reverse("team_member_remove", args=[admin.pk]), follow=True)

    assert "was removed from the team" in response.content.decode()
    assert not Membership.objects.filter(pk=admin.pk).exists()
    assert not get_user_model().objects.filter(pk=admin.user.pk).exists()
    login = Client().post(
        reverse("login"), {"username": admin.user.username, "password": "correct horse battery"}
    )
    assert login.status_code == 200  # the form again, not a redirect into the app


def test_the_owner_cannot_be_removed(owner, owner_client):
    response = owner_client.post(reverse("team_member_remove", args=[owner.pk]), follow=True)

    assert "The owner cannot be removed." in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_only_the_owner_manages_the_team(owner, admin, admin_client_, outsider_client):
    invite_page = admin_client_.get(reverse("team")).content.decode()
    assert admin.user.email in invite_page and "Send invitation" not in invite_page
    assert invite(admin_client_).status_code == 403
    assert admin_client_.post(reverse("team_member_remove", args=[owner.pk])).status_code == 403
    assert outsider_client.post(reverse("team_member_remove", args=[admin.pk])).status_code == 404
    assert admin.user.email not in outsider_client.get(reverse("team")).content.decode()
    assert Membership.objects.filter(pk=admin.pk).exists()
    assert not Invitation.objects.exists()


def test_a_withdrawn_invitation_no_longer_opens(owner_client, outsider_client):
    invite(owner_client)
    invitation = Invitation.objects.get()
    assert (
        outsider_client.post(reverse("invitation_revoke", args=[invitation.pk])).status_code == 404
    )

    owner_client.post(reverse("invitation_revoke", args=[invitation.pk]))

    assert Client().get(reverse("invitation_accept", args=[invitation.token])).status_code == 404
