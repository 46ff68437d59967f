"""Automatic tax in the sandbox: a deterministic rate from the customer's address.

Stripe Tax decides from the address (and a registration per jurisdiction); the sandbox uses
this fixed table instead, so a person sees a tax line and a test can predict it:

| country | region            | rate    |
|---------|-------------------|---------|
| US      | CA                | 7.25 %  |
| US      | NY                | 8 %     |
| US      | TX                | 6.25 %  |
| US      | WA                | 6.5 %   |
| US      | any other state   | 0 %     |
| GB      |                   | 20 %    |
| DE      |                   | 19 %    |
| FR      |                   | 20 %    |
| NL      |                   | 21 %    |
| CA      |                   | 5 % (GST) |
| AU      |                   | 10 % (GST) |
| any other country |         | 0 % (not collecting) |

Tax is exclusive (added on top of the price) and rounded half up to the minor unit. Each
jurisdiction gets one `tax_rate` object per connected account, which invoice lines point to.
"""

from dataclasses import dataclass
from typing import Any

from stripe_sandbox import store
from stripe_sandbox.models import SandboxObject


@dataclass(frozen=True)
class Jurisdiction:
    key: str
    country: str
    state: str | None
    display_name: str
    tax_type: str
    basis_points: int  # 725 = 7.25 %


_US_STATES = {
    "CA": ("California", 725),
    "NY": ("New York", 800),
    "TX": ("Texas", 625),
    "WA": ("Washington", 650),
}
_COUNTRIES = {
    "GB": ("VAT", "vat", 2000),
    "DE": ("VAT", "vat", 1900),
    "FR": ("VAT", "vat", 2000),
    "NL": ("VAT", "vat", 2100),
    "CA": ("GST", "gst", 500),
    "AU": ("GST", "gst", 1000),
}


def jurisdiction_for(address: dict[str, Any] | None) -> Jurisdiction | None:
    """Where tax is collected for `address`; None when the table collects nothing there."""
    if not address or not address.get("country"):
        return None
    country = str(address["country"]).upper()
    if country == "US":
        state = str(address.get("state") or "").upper()
        if state not in _US_STATES:
            return None
        name, basis_points = _US_STATES[state]
        return Jurisdiction(f"US-{state}", "US", state, "Sales tax", "sales_tax", basis_points)
    if country not in _COUNTRIES:
        return None
    display_name, tax_type, basis_points = _COUNTRIES[country]
    return Jurisdiction(country, country, None, display_name, tax_type, basis_points)


def tax_amount(amount: int, jurisdiction: Jurisdiction | None) -> int:
    """The exclusive tax on `amount` minor units, rounded half up (negative for credits)."""
    if jurisdiction is None or amount == 0:
        return 0
    sign = -1 if amount < 0 else 1
    return sign * ((abs(amount) * jurisdiction.basis_points + 5000) // 10000)


def has_location(address: dict[str, Any] | None) -> bool:
    return bool(address and address.get("country"))


def tax_rate_id(account: str, jurisdiction: Jurisdiction) -> str:
    """The account's tax_rate object for `jurisdiction`, created on first use."""
    existing = SandboxObject.objects.filter(
        object="tax_rate", account=account, private__key=jurisdiction.key
    ).first()
    if existing is not None:
        return existing.id
    percentage = jurisdiction.basis_points / 100
    row = store.create(
        "tax_rate",
        "txr",
        account=account,
        private={"key": jurisdiction.key},
        fields={
            "active": True,
            "country": jurisdiction.country,
            "description": None,
            "display_name": jurisdiction.display_name,
            "effective_percentage": percentage,
            "flat_amount": None,
            "inclusive": False,
            "jurisdiction": jurisdiction.state or jurisdiction.country,
            "jurisdiction_level": "state" if jurisdiction.state else "country",
            "percentage": percentage,
            "rate_type": "percentage",
            "state": jurisdiction.state,
            "tax_type": jurisdiction.tax_type,
        },
    )
    return row.id


def line_taxes(account: str, amount: int, address: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The `taxes` of one invoice line of `amount` for a customer at `address`."""
    jurisdiction = jurisdiction_for(address)
    if jurisdiction is None:
        return []
    return [
        {
            "amount": tax_amount(amount, jurisdiction),
            "tax_behavior": "exclusive",
            "tax_rate_details": {"tax_rate": tax_rate_id(account, jurisdiction)},
            "taxability_reason": "standard_rated",
            "taxable_amount": amount,
            "type": "tax_rate_details",
        }
    ]
