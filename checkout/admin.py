from django.contrib import admin

from agency_billing.admin import StripeMirrorAdmin
from checkout.models import CheckoutLink


@admin.register(CheckoutLink)
class CheckoutLinkAdmin(StripeMirrorAdmin):
    list_display = ["id", "customer", "mode", "status", "expires_at", "created_at"]
    list_filter = ["mode", "status"]
    search_fields = ["stripe_session_id", "customer__email"]
    raw_id_fields = ["agency", "customer", "price"]
