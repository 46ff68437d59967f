"""The emails Stripe itself sends a connected account's customer: the invoice (with its pay
link) and the payment receipt, through the product's one send path, so in sandbox mode they
land in the outbox like every other mail (once the sandbox operation commits)."""

from typing import Any

from agency_billing.emails import send_email
from stripe_sandbox.money import format_amount


def invoice_sent(invoice: dict[str, Any]) -> None:
    _send(invoice, "stripe_invoice", {})


def receipt(invoice: dict[str, Any], charge: dict[str, Any]) -> None:
    card = charge["payment_method_details"]["card"]
    _send(
        invoice,
        "stripe_receipt",
        {
            "card": f"{card['brand'].title()} •••• {card['last4']}",
            "paid": format_amount(charge["amount"], charge["currency"]),
        },
    )


def _send(invoice: dict[str, Any], template: str, extra: dict[str, Any]) -> None:
    to = invoice.get("customer_email")
    if not to:
        return
    currency = invoice["currency"]
    lines = [
        {"description": line["description"], "amount": format_amount(line["amount"], currency)}
        for line in invoice["lines"]["data"]
    ]
    send_email(
        to=to,
        template=template,
        context={
            "invoice": invoice,
            "business_name": invoice.get("account_name") or "Sandbox business",
            "total": format_amount(invoice["total"], currency),
            "amount_due": format_amount(invoice["amount_remaining"], currency),
            "lines": lines,
            **extra,
        },
    )
