"""Money moving on a connected account: a card payment (PaymentIntent, Charge, balance
transaction with Stripe's fee and the platform's application fee), refunds and disputes.

Stripe's fee in the sandbox is its standard US card price, **2.9% + 30 minor units** of the
charge's currency, rounded half up, for every currency (real Stripe prices vary by country
and card). A dispute costs Stripe's US dispute fee of 15.00 (1500 minor units); winning
returns the disputed amount, not the fee. Callers run inside `sandbox_operation()`.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_sandbox import application_fees, clock, events, store
from stripe_sandbox.api.base import site_url
from stripe_sandbox.balance import PLATFORM_APPLICATION, balance_transaction
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject

STRIPE_FEE_PERCENT = Decimal("2.9")
STRIPE_FEE_FIXED = 30
DISPUTE_FEE = 1500


def stripe_fee(amount: int) -> int:
    """Stripe's processing fee for a card charge of `amount` minor units."""
    percent = (Decimal(amount) * STRIPE_FEE_PERCENT / 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(percent) + STRIPE_FEE_FIXED


def _fee_detail(amount: int, currency: str, type: str, description: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "application": PLATFORM_APPLICATION if type == "application_fee" else None,
        "currency": currency,
        "description": description,
        "type": type,
    }


def _card_details(payment_method: dict[str, Any], amount: int) -> dict[str, Any]:
    card = payment_method["card"]
    return {
        "card": {
            "amount_authorized": amount,
            "authorization_code": None,
            "brand": card["brand"],
            "checks": card["checks"],
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card["brand"],
            "network_token": {"used": False},
            "network_transaction_id": None,
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": None,
            "wallet": None,
        },
        "type": "card",
    }


def _payment_intent(
    *,
    account: str,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None,
    application_fee_amount: int | None,
    payment_method: str,
) -> SandboxObject:
    row = store.create(
        "payment_intent",
        "pi",
        account=account,
        fields={
            "allowed_payment_method_types": None,
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": PLATFORM_APPLICATION if application_fee_amount else None,
            "application_fee_amount": application_fee_amount,
            "automatic_payment_methods": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": None,
            "confirmation_method": "automatic",
            "currency": currency,
            "customer": customer,
            "customer_account": None,
            "description": description,
            "excluded_payment_method_types": None,
            "last_payment_error": None,
            "latest_charge": None,
            "managed_payments": None,
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": payment_method,
            "payment_method_configuration_details": None,
            "payment_method_options": {},
            "payment_method_types": ["card"],
            "processing": None,
            "receipt_email": None,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "source": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        },
    )
    row.data["client_secret"] = f"{row.id}_secret_{new_id('x', 24)[2:]}"
    store.save(row)
    return row


def _charge(
    *,
    account: str,
    intent: dict[str, Any],
    payment_method: dict[str, Any],
    paid: bool,
    failure: tuple[str, str, str] | None = None,
) -> SandboxObject:
    amount = intent["amount"]
    charge_id = new_id("ch")
    outcome_type = "authorized" if paid else "issuer_declined"
    return store.create(
        "charge",
        "ch",
        account=account,
        object_id=charge_id,
        fields={
            "amount": amount,
            "amount_captured": amount if paid else 0,
            "amount_refunded": 0,
            "application": intent["application"],
            "application_fee": None,
            "application_fee_amount": intent["application_fee_amount"],
            "authorization_code": None,
            "balance_transaction": None,
            "billing_details": payment_method["billing_details"],
            "calculated_statement_descriptor": "SANDBOX",
            "captured": paid,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": failure[0] if failure else None,
            "failure_message": failure[2] if failure else None,
            "fraud_details": {},
            "level3": None,
            "metadata": {},
            "on_behalf_of": None,
            "outcome": {
                "advice_code": None,
                "network_advice_code": None,
                "network_decline_code": None,
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": failure[1] if failure else None,
                "risk_level": "normal",
                "risk_score": 20,
                "rule": None,
                "seller_message": "Payment complete." if paid else "The bank declined the payment.",
                "type": outcome_type,
            },
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": payment_method["id"],
            "payment_method_details": _card_details(payment_method, amount),
            "presentment_details": None,
            "radar_options": None,
            "receipt_email": None,
            "receipt_number": None,
            "receipt_url": site_url(f"/sandbox/receipts/{charge_id}/"),
            "refunded": False,
            "refunds": store.nested_list([], f"/v1/charges/{charge_id}/refunds"),
            "review": None,
            "shipping": None,
            "source": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "succeeded" if paid else "failed",
            "transfer": None,
            "transfer_data": None,
            "transfer_group": None,
        },
    )


def charge_card(
    *,
    account: str,
    amount: int,
    currency: str,
    customer: str | None,
    description: str | None,
    application_fee_amount: int | None,
    payment_method: dict[str, Any],
    decline: tuple[str, str, str] | None = None,
) -> tuple[SandboxObject, SandboxObject]:
    """Charge `payment_method`; returns (PaymentIntent, Charge).

    `decline` (code, decline_code, message) makes it fail: the intent goes back to
    `requires_payment_method` with `last_payment_error`, events `charge.failed` and
    `payment_intent.payment_failed`. On success the balance transaction carries Stripe's
    fee and the application fee; events `charge.succeeded`, `payment_intent.succeeded`."""
    intent = _payment_intent(
        account=account,
        amount=amount,
        currency=currency,
        customer=customer,
        description=description,
        application_fee_amount=application_fee_amount,
        payment_method=payment_method["id"],
    )
    charge = _charge(
        account=account,
        intent=intent.data,
        payment_method=payment_method,
        paid=decline is None,
        failure=decline,
    )
    intent.data["latest_charge"] = charge.id
    if decline is not None:
        code, decline_code, message = decline
        intent.data["last_payment_error"] = {
            "charge": charge.id,
            "code": code,
            "decline_code": decline_code,
            "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}",
            "message": message,
            "payment_method": payment_method,
            "type": "card_error",
        }
        store.save(intent)
        events.emit("charge.failed", charge.data, account=account)
        events.emit("payment_intent.payment_failed", intent.data, account=account)
        return intent, charge
    fee_details = [
        _fee_detail(stripe_fee(amount), currency, "stripe_fee", "Stripe processing fees")
    ]
    if application_fee_amount:
        fee_details.append(
            _fee_detail(application_fee_amount, currency, "application_fee", "Platform fee")
        )
    transaction = balance_transaction(
        account=account,
        amount=amount,
        currency=currency,
        source=charge.id,
        type="charge",
        reporting_category="charge",
        description=description,
        fee_details=fee_details,
    )
    charge.data["balance_transaction"] = transaction.id
    if application_fee_amount:
        fee = application_fees.collect(
            account=account, charge=charge, amount=application_fee_amount
        )
        charge.data["application_fee"] = fee.id
    store.save(charge)
    intent.data["status"] = "succeeded"
    intent.data["amount_received"] = amount
    store.save(intent)
    events.emit("charge.succeeded", charge.data, account=account)
    events.emit("payment_intent.succeeded", intent.data, account=account)
    return intent, charge


def refund_charge(
    *,
    account: str,
    charge: SandboxObject,
    amount: int | None,
    reason: str | None,
    metadata: dict[str, str],
    refund_application_fee: bool = False,
) -> SandboxObject:
    """Refund `amount` (default: what is left) of a succeeded charge. Stripe keeps its fee and,
    unless `refund_application_fee`, the application fee. Events `refund.created`,
    `charge.refunded` (and the platform's `application_fee.refunded`)."""
    data = charge.data
    left = data["amount_captured"] - data["amount_refunded"]
    if data["status"] != "succeeded":
        raise ApiError(f"Charge {charge.id} has not succeeded; it cannot be refunded.")
    if left <= 0:
        raise ApiError(
            f"Charge {charge.id} has already been refunded.", code="charge_already_refunded"
        )
    amount = left if amount is None else amount
    if amount <= 0:
        raise ApiError("Invalid positive integer", param="amount", code="parameter_invalid")
    if amount > left:
        raise ApiError(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            param="amount",
            code="amount_too_large",
        )
    refund = store.create(
        "refund",
        "re",
        account=account,
        fields={
            "amount": amount,
            "balance_transaction": None,
            "charge": charge.id,
            "currency": data["currency"],
            "customer": data["customer"],
            "customer_account": None,
            "description": None,
            "destination_details": {
                "card": {
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
                "type": "card",
            },
            "failure_balance_transaction": None,
            "failure_reason": None,
            "instructions_email": None,
            "metadata": dict(metadata),
            "next_action": None,
            "payment_intent": data["payment_intent"],
            "payment_method": data["payment_method"],
            "pending_reason": None,
            "presentment_details": None,
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        },
        omit=("livemode",),
    )
    transaction = balance_transaction(
        account=account,
        amount=-amount,
        currency=data["currency"],
        source=refund.id,
        type="refund",
        reporting_category="refund",
        description="REFUND FOR CHARGE",
        fee_details=[],
    )
    refund.data["balance_transaction"] = transaction.id
    store.save(refund)
    data["amount_refunded"] += amount
    data["refunded"] = data["amount_refunded"] == data["amount_captured"]
    refunds = [
        r.data
        for r in SandboxObject.objects.filter(
            object="refund", account=account, data__charge=charge.id
        ).order_by("-created", "-inserted_at")
    ]
    data["refunds"] = store.nested_list(refunds, f"/v1/charges/{charge.id}/refunds")
    store.save(charge)
    events.emit("refund.created", refund.data, account=account)
    events.emit("charge.refunded", data, account=account)
    if refund_application_fee:
        application_fees.refund_share(charge=charge, refunded=amount)
    return refund


def open_dispute(
    *, account: str, charge: SandboxObject, reason: str = "fraudulent"
) -> SandboxObject:
    """The cardholder disputes the whole charge: the amount and the dispute fee leave the
    balance at once. Events `charge.dispute.created`, `charge.dispute.funds_withdrawn`."""
    data = charge.data
    if data["status"] != "succeeded":
        raise ApiError(f"Charge {charge.id} has not succeeded; it cannot be disputed.")
    if data["disputed"]:
        raise ApiError(f"Charge {charge.id} is already disputed.")
    now = clock.now()
    dispute = store.create(
        "dispute",
        "dp",
        account=account,
        fields={
            "amount": data["amount"],
            "balance_transactions": [],
            "charge": charge.id,
            "currency": data["currency"],
            "enhanced_eligibility_types": [],
            "evidence": {key: None for key in _EVIDENCE_KEYS} | {"enhanced_evidence": {}},
            "evidence_details": {
                "due_by": now + 7 * 86400,
                "enhanced_eligibility": {},
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
                "submission_method": "not_submitted",
            },
            "intended_submission_method": None,
            "is_charge_refundable": False,
            "network_reason_code": "10.4",
            "payment_intent": data["payment_intent"],
            "payment_method_details": {
                "card": {
                    "brand": data["payment_method_details"]["card"]["brand"],
                    "case_type": "chargeback",
                    "network": data["payment_method_details"]["card"]["network"],
                    "network_reason_code": "10.4",
                },
                "type": "card",
            },
            "reason": reason,
            "status": "needs_response",
        },
    )
    withdrawn = balance_transaction(
        account=account,
        amount=-data["amount"],
        currency=data["currency"],
        source=dispute.id,
        type="adjustment",
        reporting_category="dispute",
        description=f"Chargeback withdrawal for {charge.id}",
        fee_details=[_fee_detail(DISPUTE_FEE, data["currency"], "stripe_fee", "Dispute fee")],
    )
    dispute.data["balance_transactions"] = [withdrawn.data]
    store.save(dispute)
    data["disputed"] = True
    store.save(charge)
    events.emit("charge.dispute.created", dispute.data, account=account)
    events.emit("charge.dispute.funds_withdrawn", dispute.data, account=account)
    return dispute


def close_dispute(*, account: str, dispute: SandboxObject, won: bool) -> SandboxObject:
    """The bank decides: `won` returns the disputed amount (event
    `charge.dispute.funds_reinstated`); either way `charge.dispute.closed`."""
    data = dispute.data
    if data["status"] in ("won", "lost"):
        raise ApiError(f"Dispute {dispute.id} is already closed ({data['status']}).")
    data["status"] = "won" if won else "lost"
    if won:
        reinstated = balance_transaction(
            account=account,
            amount=data["amount"],
            currency=data["currency"],
            source=dispute.id,
            type="adjustment",
            reporting_category="dispute_reversal",
            description=f"Chargeback reversal for {data['charge']}",
            fee_details=[],
        )
        data["balance_transactions"].append(reinstated.data)
    store.save(dispute)
    if won:
        events.emit("charge.dispute.funds_reinstated", data, account=account)
    events.emit("charge.dispute.closed", data, account=account)
    return dispute


_EVIDENCE_KEYS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
