"""Contacts on Manage Customer: the customer's email is the first billing contact; staff add,
edit and remove contacts and send portal invitations."""

from django.urls import reverse

from customers.models import Contact
from tests.factories import ContactFactory, CustomerFactory
from tests.portal.conftest import after_commit


def add_customer(client, **overrides):
    data = {"name": "Dana Client", "email": "dana@client.example", "company": "Client Co"}
    with after_commit():
        return client.post(reverse("customer_create"), data | overrides)


def manage_page(client, customer) -> str:
    return client.get(reverse("customer_manage", args=[customer.pk])).content.decode()


def test_a_new_customers_email_is_its_first_billing_contact(owner_client, agency, mailoutbox):
    add_customer(owner_client)

    contact = Contact.objects.get()
    assert (contact.email, contact.name, contact.role) == (
        "dana@client.example",
        "Dana Client",
        "billing",
    )
    assert mailoutbox == []
    assert "dana@client.example" in manage_page(owner_client, contact.customer)


def test_the_login_toggle_emails_a_portal_invitation_to_the_billing_contact(
    owner_client, agency, mailoutbox
):
    add_customer(owner_client, email_login_credentials="on")

    assert len(mailoutbox) == 1
    invitation = mailoutbox[0]
    assert invitation.to == ["dana@client.example"]
    assert agency.name in invitation.subject
    assert "/portal/?email=dana%40client.example" in invitation.body
    assert Contact.objects.get().invited_at is not None


def test_staff_add_a_viewer_contact(owner_client, agency):
    customer = CustomerFactory(agency=agency)

    response = owner_client.post(
        reverse("contact_add", args=[customer.pk]),
        {"name": "Sam", "email": "sam@client.example", "role": "viewer"},
    )

    assert response.status_code == 302
    assert customer.contacts.get().role == "viewer"
    assert "sam@client.example" in manage_page(owner_client, customer)


def test_an_email_is_a_contact_of_a_customer_at_most_once(owner_client, agency):
    customer = CustomerFactory(agency=agency)
    ContactFactory(customer=customer, email="sam@client.example")

    response = owner_client.post(
        reverse("contact_add", args=[customer.pk]),
        {"name": "Sam", "email": "SAM@client.example", "role": "billing"},
    )

    assert response.status_code == 200
    assert "This email is already a contact of this customer." in response.content.decode()
    assert customer.contacts.count() == 1


def test_one_email_may_be_a_contact_of_customers_of_several_agencies(
    owner_client, agency, outsider
):
    ContactFactory(customer=CustomerFactory(agency=outsider.agency), email="sam@client.example")
    customer = CustomerFactory(agency=agency)

    owner_client.post(
        reverse("contact_add", args=[customer.pk]),
        {"email": "sam@client.example", "role": "billing"},
    )

    assert Contact.objects.filter(email="sam@client.example").count() == 2


def test_bad_contact_input_is_reported_by_the_field(owner_client, agency):
    customer = CustomerFactory(agency=agency)

    response = owner_client.post(
        reverse("contact_add", args=[customer.pk]), {"email": "not-an-email", "role": "boss"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address" in page
    assert "Select a valid choice" in page
    assert not customer.contacts.exists()


def test_staff_edit_a_contacts_role(owner_client, agency):
    contact = ContactFactory(customer=CustomerFactory(agency=agency), role="billing")

    owner_client.post(
        reverse("contact_edit", args=[contact.customer_id, contact.pk]),
        {"name": "Dana", "email": contact.email, "role": "viewer"},
    )

    contact.refresh_from_db()
    assert contact.role == "viewer"


def test_staff_remove_a_contact(owner_client, agency):
    contact = ContactFactory(customer=CustomerFactory(agency=agency))

    owner_client.post(reverse("contact_remove", args=[contact.customer_id, contact.pk]))

    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_send_portal_invite_emails_the_contact(admin_client_, agency, mailoutbox):
    contact = ContactFactory(
        customer=CustomerFactory(agency=agency), email="sam@client.example", role="viewer"
    )

    with after_commit():
        response = admin_client_.post(
            reverse("contact_invite", args=[contact.customer_id, contact.pk])
        )

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["sam@client.example"]]
    assert "pay open invoices" not in mailoutbox[0].body  # a viewer cannot pay
    contact.refresh_from_db()
    assert contact.invited_at is not None


def test_another_agencys_contacts_are_404(outsider_client, agency):
    contact = ContactFactory(customer=CustomerFactory(agency=agency))
    args = [contact.customer_id, contact.pk]

    assert outsider_client.get(reverse("contact_edit", args=args)).status_code == 404
    assert outsider_client.post(reverse("contact_remove", args=args)).status_code == 404
    assert outsider_client.post(reverse("contact_invite", args=args)).status_code == 404
    assert (
        outsider_client.post(
            reverse("contact_add", args=[contact.customer_id]),
            {"email": "x@y.example", "role": "billing"},
        ).status_code
        == 404
    )
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_contact_of_another_customer_is_404_through_this_customer(owner_client, agency):
    mine = CustomerFactory(agency=agency)
    theirs = ContactFactory(customer=CustomerFactory(agency=agency))

    response = owner_client.post(reverse("contact_remove", args=[mine.pk, theirs.pk]))

    assert response.status_code == 404


def test_changing_the_customers_email_changes_its_own_contact(owner_client, agency):
    add_customer(owner_client)
    customer = Contact.objects.get().customer
    ContactFactory(customer=customer, email="sam@client.example", role="viewer")

    owner_client.post(
        reverse("customer_edit", args=[customer.pk]),
        {"name": customer.name, "email": "dana@new.example", "company": customer.company},
    )

    assert sorted(customer.contacts.values_list("email", flat=True)) == [
        "dana@new.example",
        "sam@client.example",
    ]
