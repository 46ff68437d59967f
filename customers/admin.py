from django.contrib import admin

from agency_billing.admin import StripeMirrorAdmin, money_display
from customers.models import Customer, MrrMovement, PaymentMethod, Subscription


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "company", "agency", "plan", "stripe_customer_id"]
    search_fields = ["name", "email", "company", "stripe_customer_id"]
    raw_id_fields = ["agency", "plan"]


@admin.register(Subscription)
class SubscriptionAdmin(StripeMirrorAdmin):
    price = money_display("unit_amount", description="price")
    list_display = [
        "stripe_id",
        "customer",
        "status",
        "price",
        "interval",
        "current_period_end",
        "stripe_synced_at",
    ]
    readonly_fields = ["price"]
    list_filter = ["status"]
    search_fields = ["stripe_id", "customer__email"]
    raw_id_fields = ["agency", "customer", "default_payment_method"]


@admin.register(PaymentMethod)
class PaymentMethodAdmin(StripeMirrorAdmin):
    list_display = ["stripe_id", "customer", "brand", "last4", "detached"]
    search_fields = ["stripe_id", "customer__email"]
    raw_id_fields = ["customer"]


@admin.register(MrrMovement)
class MrrMovementAdmin(StripeMirrorAdmin):
    before = money_display("mrr_before", description="MRR before")
    after = money_display("mrr_after", description="MRR after")
    list_display = ["occurred_at", "subscription", "kind", "before", "after", "stripe_event_id"]
    readonly_fields = ["before", "after"]
    list_filter = ["kind"]
    search_fields = ["stripe_event_id", "subscription__stripe_id"]
    raw_id_fields = ["agency", "subscription"]
