from django import template

from agency_billing.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """{{ price.unit_amount|money:price.currency }} -> "2,500.00 USD"."""
    if amount is None:
        return ""
    return format_money(amount, currency)
