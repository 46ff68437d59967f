from django.contrib import admin

from agency_billing.admin import StripeMirrorAdmin, money_display
from invoices.models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(StripeMirrorAdmin):
    total_amount = money_display("total")
    due = money_display("amount_due", description="amount due")
    list_display = ["stripe_id", "number", "customer", "status", "total_amount", "due", "paid_at"]
    readonly_fields = ["total_amount", "due"]
    list_filter = ["status", "currency"]
    search_fields = ["stripe_id", "number", "customer__email"]
    raw_id_fields = ["agency", "customer"]
