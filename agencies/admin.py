from django.contrib import admin

from agencies.models import Agency, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "stripe_account_id", "charges_enabled", "suspended"]
    list_filter = ["charges_enabled", "suspended", "currency"]
    search_fields = ["name", "stripe_account_id"]
    # The operator suspends and sets the fee; branding and billing preferences are the
    # owner's, on the Settings page.
    fields = [
        "name",
        "currency",
        "suspended",
        "fee_percent",
        "stripe_account_id",
        "charges_enabled",
        "payouts_enabled",
        "details_submitted",
        "requirements_due",
        "disabled_reason",
        "stripe_synced_at",
        "created_at",
    ]
    readonly_fields = [
        "stripe_account_id",
        "charges_enabled",
        "payouts_enabled",
        "details_submitted",
        "requirements_due",
        "disabled_reason",
        "stripe_synced_at",
        "created_at",
    ]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "agency__name"]
    raw_id_fields = ["user", "agency"]
