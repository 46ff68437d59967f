"""Amounts in minor units, as the hosted pages show them."""

from decimal import Decimal

# Stripe's zero-decimal currencies: amounts are whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)
# Stripe's technical limit on an amount: eight digits in the minor unit, whatever the
# currency (99,999,999 = 999,999.99 USD or 99,999,999 JPY).
MAXIMUM_AMOUNT = 99_999_999

_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}


def format_amount(amount: int, currency: str) -> str:
    """`250000, "usd"` → "$2,500.00"; zero-decimal currencies have no cents (`¥5,000`)."""
    currency = currency.lower()
    symbol = _SYMBOLS.get(currency, "")
    suffix = "" if symbol else f" {currency.upper()}"
    if currency in ZERO_DECIMAL_CURRENCIES:
        return f"{symbol}{amount:,}{suffix}"
    return f"{symbol}{Decimal(amount) / 100:,.2f}{suffix}"
