"""factory_boy factories for our own rows. Stripe-side objects are made through the sandbox,
never faked here."""

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, Membership
from customers.models import Contact, Customer
from plans.models import Plan, Price


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    currency = "usd"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Membership.Role.OWNER


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Retainer {n}")


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    plan = factory.SubFactory(PlanFactory)
    interval = Price.Interval.MONTH
    unit_amount = 250000
    currency = "usd"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    email = factory.Sequence(lambda n: f"client{n}@example.com")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    role = Contact.Role.BILLING


def customer_with_billing_contact(**kwargs) -> Customer:
    """A customer as Add Customer makes one: its own email is its first billing contact."""
    customer = CustomerFactory(**kwargs)
    ContactFactory(
        customer=customer, name=customer.name, email=customer.email, role=Contact.Role.BILLING
    )
    return customer
