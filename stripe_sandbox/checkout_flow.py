"""Paying a Checkout Session on the hosted page: what a successful card submission creates.

`complete_session` runs inside the hosted page's `sandbox_operation()`: one transaction, and
the events in Stripe's order (payment_method.attached, customer.subscription.created,
invoice.created, invoice.finalized, invoice.paid, invoice.payment_succeeded,
checkout.session.completed).
"""

from dataclasses import dataclass
from typing import Any

from stripe_sandbox import billing, clock, events, store
from stripe_sandbox.api import checkout, customers
from stripe_sandbox.api.base import ApiRequest
from stripe_sandbox.cards import TestCard
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject


@dataclass(frozen=True)
class CardDetails:
    """What the hosted form keeps of a card: never the full number or the CVC."""

    card: TestCard
    last4: str
    exp_month: int
    exp_year: int
    name: str
    email: str
    # The billing address the page asks for when the session has automatic tax.
    address: dict[str, Any] | None = None


def session_prices(session: SandboxObject) -> list[tuple[dict[str, Any], int]]:
    return [
        (SandboxObject.objects.get(id=price_id).data, quantity)
        for price_id, quantity in session.private["line_items"]
    ]


def complete_session(session: SandboxObject, details: CardDetails) -> str | None:
    """Pay or set up `session` with the card; the success URL to send the person to."""
    account = session.account
    new_customer = not session.data.get("customer")
    customer = _customer_for(session, details.email)
    if details.address and (
        new_customer or session.private.get("customer_update", {}).get("address") == "auto"
    ):
        _save_address(customer, details.address)
    payment_method = billing.create_card_payment_method(
        account=account,
        customer=customer,
        card=details.card,
        last4=details.last4,
        exp_month=details.exp_month,
        exp_year=details.exp_year,
        name=details.name,
        email=details.email,
    )
    data = session.data
    data["customer"] = customer.id
    data["customer_details"] = {
        "address": details.address,
        "business_name": None,
        "email": details.email,
        "individual_name": None,
        "name": details.name or None,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    trial = bool(session.private["subscription_data"].get("trial_period_days"))
    checkout.apply_tax(data, details.address or customer.data.get("address"), due_now=not trial)
    if data["mode"] == "subscription":
        _start_subscription(session, customer, payment_method["id"])
    elif data["mode"] == "setup":
        data["setup_intent"] = _succeeded_setup_intent(session, customer.id, payment_method["id"])
    else:
        data["payment_intent"] = _succeeded_payment(session, customer.id, payment_method["id"])
        data["payment_status"] = "paid"
    data["status"] = "complete"
    data["url"] = None
    store.save(session)
    events.emit("checkout.session.completed", data, account=account)
    success_url = data.get("success_url")
    return success_url.replace("{CHECKOUT_SESSION_ID}", session.id) if success_url else None


def _save_address(customer: SandboxObject, address: dict[str, Any]) -> None:
    """`customer_update.address=auto`: the address given on the page becomes the Customer's."""
    before = store.snapshot(customer)
    customer.data["address"] = dict(address)
    store.save(customer)
    events.emit(
        "customer.updated",
        customer.data,
        account=customer.account,
        previous_attributes={"address": before.get("address")},
    )


def _customer_for(session: SandboxObject, email: str) -> SandboxObject:
    if session.data.get("customer"):
        return store.load("customer", session.data["customer"], account=session.account)
    created = customers.create_customer(
        ApiRequest("post", "/v1/customers", session.account, {"email": email}, new_id("req", 14))
    )
    return store.load("customer", created["id"], account=session.account)


def _start_subscription(
    session: SandboxObject, customer: SandboxObject, payment_method_id: str
) -> None:
    subscription_data = session.private["subscription_data"]
    subscription = billing.create_subscription(
        account=session.account,
        customer_id=customer.id,
        line_items=session_prices(session),
        trial_period_days=subscription_data.get("trial_period_days"),
        application_fee_percent=subscription_data.get("application_fee_percent"),
        metadata=subscription_data.get("metadata") or {},
        default_payment_method=payment_method_id,
        description=subscription_data.get("description"),
        automatic_tax=bool(session.data["automatic_tax"]["enabled"]),
    )
    invoice = billing.create_paid_subscription_invoice(
        account=session.account,
        subscription=subscription,
        customer=customer,
        billing_reason="subscription_create",
    )
    data = session.data
    data["subscription"] = subscription.id
    data["invoice"] = invoice.id
    data["payment_status"] = "paid" if invoice.data["total"] else "no_payment_required"


def _succeeded_setup_intent(
    session: SandboxObject, customer_id: str, payment_method_id: str
) -> str:
    setup_data = session.private["setup_intent_data"]
    row = store.create(
        "setup_intent",
        "seti",
        account=session.account,
        fields={
            "application": None,
            "automatic_payment_methods": None,
            "cancellation_reason": None,
            "client_secret": None,
            "customer": customer_id,
            "customer_account": None,
            "description": setup_data.get("description"),
            "flow_directions": None,
            "last_setup_error": None,
            "latest_attempt": None,
            "mandate": None,
            "metadata": setup_data.get("metadata") or {},
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": payment_method_id,
            "payment_method_configuration_details": None,
            "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
            "payment_method_types": ["card"],
            "single_use_mandate": None,
            "status": "succeeded",
            "usage": "off_session",
        },
    )
    row.data["client_secret"] = f"{row.id}_secret_{new_id('x', 24)[2:]}"
    store.save(row)
    events.emit("setup_intent.created", row.data, account=session.account)
    events.emit("setup_intent.succeeded", row.data, account=session.account)
    return row.id


def _succeeded_payment(session: SandboxObject, customer_id: str, payment_method_id: str) -> str:
    payment_data = session.private["payment_intent_data"]
    row = store.create(
        "payment_intent",
        "pi",
        account=session.account,
        fields={
            "amount": session.data["amount_total"],
            "amount_capturable": 0,
            "amount_received": session.data["amount_total"],
            "application_fee_amount": payment_data.get("application_fee_amount"),
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "currency": session.data["currency"],
            "customer": customer_id,
            "description": payment_data.get("description"),
            "latest_charge": None,
            "metadata": payment_data.get("metadata") or {},
            "payment_method": payment_method_id,
            "payment_method_types": ["card"],
            "status": "succeeded",
        },
    )
    events.emit("payment_intent.succeeded", row.data, account=session.account)
    return row.id


def is_payable(session: SandboxObject) -> bool:
    return session.data["status"] == "open" and clock.now() < session.data["expires_at"]
