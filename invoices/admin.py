from django.contrib import admin

from invoices.models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["stripe_id", "number", "customer", "status", "total", "currency", "paid_at"]
    list_filter = ["status", "currency"]
    search_fields = ["stripe_id", "number", "customer__email"]
    raw_id_fields = ["agency", "customer"]
