from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_replay


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """The event log, read-only: events are evidence of what Stripe told us."""

    list_display = ["stripe_id", "type", "account", "status", "attempts", "received_at"]
    list_filter = ["status", "endpoint", "type"]
    search_fields = ["stripe_id", "account", "type"]
    date_hierarchy = "received_at"
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Process the selected events again")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        failures = 0
        for event_id in queryset.values_list("pk", flat=True):
            try:
                webhook_event_replay(event_id)
            except Exception:  # noqa: BLE001 - the event row records the error
                failures += 1
        if failures:
            self.message_user(
                request,
                f"{failures} event(s) failed again; see their last error.",
                messages.WARNING,
            )
        else:
            self.message_user(request, "Events processed again.")
