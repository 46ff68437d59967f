from django.contrib import admin

from portal.models import LoginCode, PortalSession


@admin.register(LoginCode)
class LoginCodeAdmin(admin.ModelAdmin):
    list_display = ["email", "created_at", "expires_at", "failed_attempts", "used_at", "voided_at"]
    search_fields = ["email"]
    exclude = ["code_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PortalSession)
class PortalSessionAdmin(admin.ModelAdmin):
    list_display = ["email", "contact", "created_at", "expires_at"]
    search_fields = ["email"]
    raw_id_fields = ["contact", "login_code"]
    exclude = ["token_hash"]
