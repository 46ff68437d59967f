"""The platform's application fees on direct charges.

A card charge on a connected account that carries `application_fee_amount` (a one-off
invoice's, or a subscription's `application_fee_percent` of the invoice) makes an
`application_fee` on the platform ("" account): the amount, the connected `account`, the
`charge` it came from and the platform's own balance transaction; the charge's
`application_fee` names it, and the platform gets `application_fee.created`.

Refunding a fee (all or part: directly, or by a charge refund with
`refund_application_fee=true`, which refunds the share of the fee that the refund is of the
charge, rounded half up, and all that is left when the charge is refunded in full) adds a
`fee_refund`, takes the amount off the platform's balance and gives it back to the connected
account (a balance transaction of type `application_fee_refund` on each side), and the
platform gets `application_fee.refunded`. Callers run inside `sandbox_operation()`.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from stripe_sandbox import events, store
from stripe_sandbox.balance import PLATFORM_APPLICATION, balance_transaction
from stripe_sandbox.errors import ApiError
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject

PLATFORM = ""


def collect(*, account: str, charge: SandboxObject, amount: int) -> SandboxObject:
    """The application fee of `amount` on the succeeded `charge` of connected `account`."""
    currency = charge.data["currency"]
    fee_id = new_id("fee")
    transaction = balance_transaction(
        account=PLATFORM,
        amount=amount,
        currency=currency,
        source=fee_id,
        type="application_fee",
        reporting_category="platform_earning",
        description=None,
        fee_details=[],
    )
    fee = store.create(
        "application_fee",
        "fee",
        account=PLATFORM,
        object_id=fee_id,
        fields={
            "account": account,
            "amount": amount,
            "amount_refunded": 0,
            "application": PLATFORM_APPLICATION,
            "balance_transaction": transaction.id,
            "charge": charge.id,
            "currency": currency,
            "fee_source": {"charge": charge.id, "type": "charge"},
            "originating_transaction": None,
            "refunded": False,
            "refunds": store.nested_list([], f"/v1/application_fees/{fee_id}/refunds"),
        },
        omit=("metadata",),
    )
    events.emit("application_fee.created", fee.data, account=PLATFORM)
    return fee


def refund_share(*, charge: SandboxObject, refunded: int) -> SandboxObject | None:
    """Refund the charge's application fee in proportion to `refunded` of the charge (all
    that is left once the whole charge is refunded). None if the charge has no fee."""
    fee_id = charge.data.get("application_fee")
    if not fee_id:
        return None
    fee = store.load("application_fee", fee_id, account=PLATFORM)
    left = fee.data["amount"] - fee.data["amount_refunded"]
    data = charge.data
    if data["amount_refunded"] >= data["amount_captured"]:
        share = left
    else:
        exact = Decimal(fee.data["amount"]) * refunded / data["amount_captured"]
        share = min(left, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    if share <= 0:
        return None
    return refund(fee, share, metadata={})


def refund(fee: SandboxObject, amount: int | None, *, metadata: dict[str, str]) -> SandboxObject:
    """Refund `amount` (default: all that is left) of `fee`; returns the fee_refund."""
    data = fee.data
    left = data["amount"] - data["amount_refunded"]
    if left <= 0:
        raise ApiError(f"Application fee {fee.id} has already been refunded.")
    amount = left if amount is None else amount
    if amount <= 0:
        raise ApiError("Invalid positive integer", param="amount", code="parameter_invalid")
    if amount > left:
        raise ApiError(
            f"Refund amount ({amount}) is greater than unrefunded amount on fee ({left})",
            param="amount",
            code="amount_too_large",
        )
    refund_id = new_id("fr")
    sides = {PLATFORM: -amount, data["account"]: amount}
    transactions = {
        side: balance_transaction(
            account=side,
            amount=signed,
            currency=data["currency"],
            source=refund_id,
            type="application_fee_refund",
            reporting_category="platform_earning_refund",
            description="APPLICATION FEE REFUND",
            fee_details=[],
        )
        for side, signed in sides.items()
    }
    fee_refund = store.create(
        "fee_refund",
        "fr",
        account=PLATFORM,
        object_id=refund_id,
        fields={
            "amount": amount,
            "balance_transaction": transactions[PLATFORM].id,
            "currency": data["currency"],
            "fee": fee.id,
            "metadata": dict(metadata),
        },
        omit=("livemode",),
    )
    data["amount_refunded"] += amount
    data["refunded"] = data["amount_refunded"] == data["amount"]
    data["refunds"] = store.nested_list(
        [row.data for row in _refunds_of(fee)], f"/v1/application_fees/{fee.id}/refunds"
    )
    store.save(fee)
    events.emit("application_fee.refunded", fee.data, account=PLATFORM)
    return fee_refund


def _refunds_of(fee: SandboxObject) -> Any:
    return SandboxObject.objects.filter(
        object="fee_refund", account=PLATFORM, data__fee=fee.id
    ).order_by("-created", "-inserted_at")
