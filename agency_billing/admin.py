"""What the operator admin shares: Stripe's mirror tables are read-only there (Stripe is
the source of truth, and webhooks or Sync rewrite them), and money reads as money."""

from collections.abc import Callable

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from agency_billing.money import format_money


class StripeMirrorAdmin(admin.ModelAdmin):
    """Lists and views a mirror table; no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def money_display(
    amount_field: str, *, currency_field: str = "currency", description: str | None = None
) -> Callable[[admin.ModelAdmin, models.Model], str]:
    """A ModelAdmin attribute showing `amount_field` (minor units) as "2,500.00 USD", for
    list_display and readonly_fields: `price = money_display("unit_amount")`."""

    @admin.display(description=description or amount_field.replace("_", " "), ordering=amount_field)
    def show(model_admin: admin.ModelAdmin, obj: models.Model) -> str:
        amount = getattr(obj, amount_field)
        currency = getattr(obj, currency_field)
        if amount is None or not currency:
            return "—"
        return format_money(amount, currency)

    return show
