from django.contrib import admin

from plans.models import Plan, Price


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0
    readonly_fields = ["interval", "unit_amount", "currency", "stripe_price_id"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "trial_days", "stripe_product_id", "archived_at"]
    search_fields = ["name", "agency__name", "stripe_product_id"]
    raw_id_fields = ["agency"]
    inlines = [PriceInline]
