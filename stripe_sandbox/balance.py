"""Balance transactions: how each movement of money changes an account's balance ("" is the
platform's own), with its fee details."""

from typing import Any

from stripe_sandbox import clock, store
from stripe_sandbox.models import SandboxObject

# The platform's Connect application, named on application fees and their fee details.
PLATFORM_APPLICATION = "ca_sandboxplatform"


def balance_transaction(
    *,
    account: str,
    amount: int,
    currency: str,
    source: str,
    type: str,
    reporting_category: str,
    description: str | None,
    fee_details: list[dict[str, Any]],
) -> SandboxObject:
    fee = sum(detail["amount"] for detail in fee_details)
    now = clock.now()
    return store.create(
        "balance_transaction",
        "txn",
        account=account,
        fields={
            "amount": amount,
            "available_on": now + 2 * 86400,
            "balance_type": "payments",
            "currency": currency,
            "description": description,
            "exchange_rate": None,
            "fee": fee,
            "fee_details": fee_details,
            "net": amount - fee,
            "reporting_category": reporting_category,
            "source": source,
            "status": "pending",
            "type": type,
        },
        omit=("livemode", "metadata"),
    )
