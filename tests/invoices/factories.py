"""Mirror rows for page tests that need many invoices (the Stripe side is not involved)."""

from datetime import timedelta

import factory
from django.utils import timezone

from invoices.models import Invoice


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    agency = factory.SelfAttribute("customer.agency")
    stripe_id = factory.Sequence(lambda n: f"in_test{n:08d}")
    number = factory.Sequence(lambda n: f"TEST-{n:04d}")
    status = Invoice.Status.OPEN
    currency = "usd"
    subtotal = 10000
    total = 10000
    amount_due = 10000
    amount_remaining = 10000
    hosted_invoice_url = factory.LazyAttribute(
        lambda o: f"http://testserver/sandbox/invoices/{o.stripe_id}/"
    )
    stripe_created = factory.LazyFunction(timezone.now)
    due_date = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
