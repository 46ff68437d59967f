"""Forgotten and changed passwords, through Django's views and the product's mail path."""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse

RESET_LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


def ask_for_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email})


def test_a_member_resets_a_forgotten_password_by_email(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}">Forgot your password?' in login_page

    response = ask_for_reset(client, owner.user.email.upper(), django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("password_reset_done")

    [mail] = mailoutbox
    assert mail.to == [owner.user.email]
    assert mail.subject == "Reset your Agency Billing password"
    assert owner.agency.name in mail.from_email
    link = RESET_LINK.search(mail.body).group(1)
    assert link in mail.alternatives[0][0]

    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
        follow=True,
    )
    assert "Your password is changed" in done.content.decode()
    owner.user.refresh_from_db()
    assert owner.user.check_password("a brand new passphrase")
    # The link works once.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_an_unknown_email_gets_the_same_answer_and_no_mail(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask_for_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_the_reset_page_says_what_is_wrong_by_the_field(client, db):
    html = client.post(reverse("password_reset"), {"email": "not an email"}).content.decode()

    assert 'id="id_email_error"' in html
    assert "Enter a valid email address." in html


def test_a_member_changes_their_password(admin_client_, admin):
    page = admin_client_.get(reverse("password_change")).content.decode()
    assert 'aria-current="page">Password</a>' in page

    wrong = admin_client_.post(
        reverse("password_change"),
        {
            "old_password": "not it",
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert "Your old password was entered incorrectly." in wrong.content.decode()

    done = admin_client_.post(
        reverse("password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("dashboard")
    assert "Your password is changed." in done.content.decode()
    user = get_user_model().objects.get(pk=admin.user.pk)
    assert user.check_password("a brand new passphrase")


def test_changing_a_password_needs_a_login(client, db):
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
