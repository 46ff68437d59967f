"""What Stripe does and when we hear of it: a payer who pays and closes the tab, Stripe's
clock moving on, and the sandbox's stored events delivered to our endpoint one at a time."""

from django.test import Client, override_settings

from agencies.models import Agency
from agency_billing.stripe_client import account_options, stripe_client
from checkout.models import CheckoutLink
from checkout.services import checkout_link_generate
from stripe_sandbox.delivery import redeliver
from stripe_sandbox.models import SandboxClock, SandboxEvent
from tests.stripe_flows import submit_form


def monthly_link(customer) -> CheckoutLink:
    return checkout_link_generate(
        customer=customer, price=customer.plan.prices.get(interval="month")
    )


def pay_and_close_the_tab(client: Client, link: CheckoutLink):
    """Pay on the hosted checkout page; the payer never lands on our success page. Returns the
    subscription as Stripe has it."""
    response = submit_form(
        client,
        link.url,
        {
            "Card number": "4242 4242 4242 4242",
            "Expiration (MM / YY)": "12 / 34",
            "CVC": "123",
            "Name on card": "Dana Client",
        },
    )
    assert response.status_code in {302, 303}, response.content.decode()[:500]
    options = account_options(link.agency.stripe_account_id)
    session = stripe_client().v1.checkout.sessions.retrieve(link.stripe_session_id, options=options)
    return stripe_client().v1.subscriptions.retrieve(session.subscription, options=options)


def stripe_events(agency: Agency, event_type: str | None = None) -> list:
    """The events Stripe emitted for the agency's account (of `event_type`), oldest first."""
    params = {"limit": 100} | ({"type": event_type} if event_type else {})
    listing = stripe_client().v1.events.list(params, account_options(agency.stripe_account_id))
    return list(reversed(listing.data))


def stripe_clock_moves_on(seconds: int) -> None:
    """Whatever Stripe does next happens `seconds` later than it would have."""
    clock, _ = SandboxClock.objects.get_or_create(pk=1)
    clock.offset_seconds += seconds
    clock.save()


def deliver_from_stripe(event_id: str, *, created: int | None = None) -> None:
    """Send the sandbox's stored event to our endpoint, signed; with `created`, as if Stripe had
    created it in that second."""
    if created is not None:
        event = SandboxEvent.objects.get(stripe_id=event_id)
        event.created = event.data["created"] = created
        event.save(update_fields=["created", "data"])
    with override_settings(SANDBOX_WEBHOOK_DELIVERY="test_client"):
        assert redeliver(event_id) == 200
