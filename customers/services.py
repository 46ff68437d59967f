"""Customers: our record of an agency's client, and its Stripe Customer."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from agency_billing.emails import send_email
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from customers.models import Contact, Customer
from customers.selectors import billing_contacts, customer_has_live_subscription
from customers.signals import customer_plan_changed
from plans.models import Plan

logger = logging.getLogger(__name__)


def customer_create(
    *,
    agency: Agency,
    name: str,
    email: str,
    company: str = "",
    plan: Plan | None = None,
    email_login_credentials: bool = False,
) -> Customer:
    """Create the customer in our database, with its email as the first billing contact;
    with `email_login_credentials` that contact is emailed a portal invitation. The Stripe
    Customer is made the first time we bill them, so adding a customer works before Stripe
    is connected."""
    if plan is not None and plan.agency_id != agency.pk:
        raise BillingError("Choose one of your own plans.", field="plan")
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                agency=agency,
                name=name,
                email=email,
                company=company,
                plan=plan,
                email_login_credentials=email_login_credentials,
            )
            # The customer's own email is its first billing contact.
            contact = Contact.objects.create(
                customer=customer, name=name, email=email, role=Contact.Role.BILLING
            )
            if email_login_credentials:
                contact_invite_send(contact=contact)
            return customer
    except IntegrityError:
        raise BillingError(
            "A customer with this email already exists in your agency.", field="email"
        ) from None


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str,
    email: str,
    company: str = "",
    plan: Plan | None = None,
    email_login_credentials: bool = False,
) -> Customer:
    """Change the customer's details and plan: our row first, then the Stripe Customer (if
    there is one), in one transaction, so a Stripe refusal changes nothing. Turning
    `email_login_credentials` on emails the portal invitation (as Add Customer does). A subscribed
    customer keeps their plan here (switching plans changes the subscription). Once the change
    commits, `customer_plan_changed` lets checkout close the links of the old plan."""
    if plan is not None and plan.agency_id != customer.agency_id:
        raise BillingError("Choose one of your own plans.", field="plan")
    old_plan, old_email = customer.plan, customer.email
    newly_invited = email_login_credentials and not customer.email_login_credentials
    if old_plan != plan and customer_has_live_subscription(customer):
        raise BillingError(
            "This customer is subscribed: switch the plan of the subscription instead.",
            field="plan",
        )
    Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    customer.name, customer.email, customer.company = name, email, company
    customer.plan, customer.email_login_credentials = plan, email_login_credentials
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise BillingError(
            "A customer with this email already exists in your agency.", field="email"
        ) from None
    if old_email.lower() != email.lower():
        _contact_follows_customer_email(customer, old_email, email)
    if customer.stripe_customer_id:
        with stripe_errors_as_billing_errors("update the customer in Stripe"):
            stripe_client().v1.customers.update(
                customer.stripe_customer_id,
                {"name": name, "email": email, "description": company},
                account_options(customer.agency.stripe_account_id or ""),
            )
    if newly_invited:
        contact_invite_send(contact=_billing_contact(customer))
    if old_plan != plan:
        transaction.on_commit(
            lambda: customer_plan_changed.send(Customer, customer=customer, old_plan=old_plan)
        )
    return customer


def customer_ensure_stripe(customer: Customer) -> str:
    """The customer's Stripe Customer id on the agency's account, created on first use.

    The idempotency key is derived from our row, so a retry after a lost response returns
    the same Stripe Customer."""
    if customer.stripe_customer_id:
        return customer.stripe_customer_id
    account = customer.agency.stripe_account_id or ""
    params: dict = {
        "name": customer.name,
        "email": customer.email,
        "metadata": {"customer_id": str(customer.pk), "agency_id": str(customer.agency_id)},
    }
    if customer.company:
        params["description"] = customer.company
    with stripe_errors_as_billing_errors("create the customer in Stripe"):
        stripe_customer = stripe_client().v1.customers.create(
            params,  # type: ignore[arg-type]
            account_options(account, idempotency_key=f"customer-{customer.pk}"),
        )
    Customer.objects.filter(pk=customer.pk).update(stripe_customer_id=stripe_customer.id)
    customer.stripe_customer_id = stripe_customer.id
    return stripe_customer.id


def _contact_follows_customer_email(customer: Customer, old_email: str, email: str) -> None:
    """The contact that was the customer's own email takes the new one (its portal sessions
    end), unless the new email is already a contact of the customer."""
    contacts = Contact.objects.alias(email_lower=Lower("email")).filter(customer=customer)
    if contacts.filter(email_lower=email.lower()).exists():
        return
    contacts.filter(email_lower=old_email.lower()).update(email=email)


_DUPLICATE_CONTACT = "This email is already a contact of this customer."


def contact_create(*, customer: Customer, name: str, email: str, role: str) -> Contact:
    """Add a contact to the customer; one email at most once per customer."""
    try:
        with transaction.atomic():
            return Contact.objects.create(
                customer=customer, name=name, email=email.strip(), role=role
            )
    except IntegrityError:
        raise BillingError(_DUPLICATE_CONTACT, field="email") from None


def contact_update(*, contact: Contact, name: str, email: str, role: str) -> Contact:
    """Change a contact's name, email or role. A changed email ends the contact's portal
    sessions at their next request (they are bound to the email they logged in with)."""
    contact.name, contact.email, contact.role = name, email.strip(), role
    try:
        with transaction.atomic():
            contact.save(update_fields=["name", "email", "role"])
    except IntegrityError:
        raise BillingError(_DUPLICATE_CONTACT, field="email") from None
    return contact


def contact_delete(*, contact: Contact) -> None:
    """Remove a contact; their portal sessions end with it."""
    contact.delete()


def _billing_contact(customer: Customer) -> Contact:
    """The contact with the customer's own email, made a billing contact if there is none."""
    contact = customer.contacts.filter(email__iexact=customer.email).first()  # type: ignore[attr-defined]
    if contact is None:
        contact = Contact.objects.create(
            customer=customer, name=customer.name, email=customer.email, role=Contact.Role.BILLING
        )
    return contact


def billing_contacts_to_mail(customer: Customer) -> list[Contact]:
    """Who receives the customer's invoices and pay links: every billing contact (viewers
    get none). A BillingError when there is nobody to mail."""
    contacts = billing_contacts(customer)
    if not contacts:
        raise BillingError(
            f"{customer.name} has no billing contact to email: add one, or make a contact a "
            "billing contact, under Contacts on Manage Customer."
        )
    return contacts


def contact_invite_send(*, contact: Contact) -> None:
    """Email the contact an invitation to the client portal, its login link prefilled with
    their email (sent once the surrounding transaction commits)."""
    customer = contact.customer
    agency = customer.agency
    login_url = settings.SITE_URL + reverse("portal_login")
    send_email(
        to=contact.email,
        template="portal_invite",
        context={
            "contact": contact,
            "customer": customer,
            "login_url": f"{login_url}?{urlencode({'email': contact.email})}",
        },
        agency=agency,
    )
    contact.invited_at = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(invited_at=contact.invited_at)
    logger.info("portal invitation sent to contact %s of customer %s", contact.pk, customer.pk)
