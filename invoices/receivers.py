"""Invoices' answers to other apps' signals."""

from django.dispatch import receiver

from customers.signals import customer_sync_requested
from invoices.sync import invoices_sync_for_customer


@receiver(customer_sync_requested)
def sync_recent_invoices(sender, *, customer, **kwargs) -> list[str]:
    """Sync Subscription also repairs the customer's recent invoices."""
    return invoices_sync_for_customer(customer)
