"""Customers: our record of an agency's client, and its Stripe Customer."""

from django.db import IntegrityError, transaction

from agencies.models import Agency
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from customers.models import Customer
from plans.models import Plan


def customer_create(
    *,
    agency: Agency,
    name: str,
    email: str,
    company: str = "",
    plan: Plan | None = None,
    email_login_credentials: bool = False,
) -> Customer:
    """Create the customer in our database. The Stripe Customer is made the first time we
    bill them, so adding a customer works before Stripe is connected."""
    if plan is not None and plan.agency_id != agency.pk:
        raise BillingError("Choose one of your own plans.", field="plan")
    try:
        with transaction.atomic():
            return Customer.objects.create(
                agency=agency,
                name=name,
                email=email,
                company=company,
                plan=plan,
                email_login_credentials=email_login_credentials,
            )
    except IntegrityError:
        raise BillingError(
            "A customer with this email already exists in your agency.", field="email"
        ) from None


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
