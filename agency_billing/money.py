"""Money is an integer amount in the currency's minor unit plus an ISO currency code."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Stripe's zero-decimal currencies among those we offer: amounts are whole units.
ZERO_DECIMAL_CURRENCIES = frozenset({"jpy", "krw"})

# Stripe's minimum charge amounts, in minor units.
MINIMUM_CHARGE = {"usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "jpy": 50, "krw": 100}

# Stripe's technical limit on any amount: eight digits in the minor unit, whatever the
# currency (999,999.99 USD, 99,999,999 JPY).
MAXIMUM_AMOUNT = 99_999_999

CURRENCY_CHOICES = [
    ("usd", "USD — US dollar"),
    ("eur", "EUR — Euro"),
    ("gbp", "GBP — British pound"),
    ("cad", "CAD — Canadian dollar"),
    ("aud", "AUD — Australian dollar"),
    ("jpy", "JPY — Japanese yen"),
]


def minor_unit_factor(currency: str) -> int:
    return 1 if currency.lower() in ZERO_DECIMAL_CURRENCIES else 100


def to_minor_units(amount: Decimal, currency: str) -> int:
    """2500.00 USD -> 250000. Raises ValueError when the amount has more precision than the
    currency allows (12.345 USD, 10.5 JPY)."""
    factor = minor_unit_factor(currency)
    try:
        scaled = amount * factor
    except InvalidOperation as error:
        raise ValueError("not a number") from error
    if scaled != scaled.to_integral_value():
        raise ValueError("too many decimal places")
    return int(scaled)


def format_money(amount: int, currency: str) -> str:
    """250000, "usd" -> "2,500.00 USD"."""
    factor = minor_unit_factor(currency)
    if factor == 1:
        return f"{amount:,} {currency.upper()}"
    major = (Decimal(amount) / factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{major:,} {currency.upper()}"


def maximum_amount_text(currency: str) -> str:
    return format_money(MAXIMUM_AMOUNT, currency)


def minimum_charge_text(currency: str) -> str:
    return format_money(MINIMUM_CHARGE.get(currency.lower(), 50), currency)


def amount_example(currency: str, *, yearly: bool = False) -> str:
    """A plausible amount as a person types it in `currency`: "2500.00" USD, "300000" JPY."""
    if minor_unit_factor(currency) == 1:
        return "3000000" if yearly else "300000"
    return "25000.00" if yearly else "2500.00"
