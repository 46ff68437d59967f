"""Checkout's answers to other apps' signals."""

import logging

from django.dispatch import receiver
from django.utils import timezone

from agency_billing.errors import BillingError
from checkout.models import CheckoutLink, PayLink
from checkout.services import checkout_link_expire
from customers.signals import customer_plan_changed

logger = logging.getLogger(__name__)


@receiver(customer_plan_changed)
def expire_links_of_the_old_plan(sender, *, customer, old_plan, **kwargs) -> None:
    """A customer moved to another plan: their links for the old plan stop working."""
    if old_plan is None:
        return
    PayLink.objects.filter(customer=customer, price__plan=old_plan, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    links = CheckoutLink.objects.filter(
        customer=customer, status=CheckoutLink.Status.OPEN, price__plan=old_plan
    ).select_related("agency")
    for link in links:
        try:
            checkout_link_expire(link)
        except BillingError as error:
            logger.warning("Could not expire link %s of an old plan: %s", link.pk, error.message)
