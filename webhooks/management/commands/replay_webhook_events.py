"""manage.py replay_webhook_events [--failed] [--pending] [ids…]: process stored events again."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_replay


class Command(BaseCommand):
    help = "Process stored Stripe events again: the failed ones, the pending ones, or by id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="WebhookEvent ids to replay")
        parser.add_argument("--failed", action="store_true", help="replay every failed event")
        parser.add_argument("--pending", action="store_true", help="replay every pending event")

    def handle(self, *args, ids: list[int], failed: bool, pending: bool, **options) -> None:
        statuses = []
        if failed:
            statuses.append(WebhookEvent.Status.FAILED)
        if pending:
            statuses.append(WebhookEvent.Status.PENDING)
        if not (ids or statuses):
            raise CommandError("Name event ids, or pass --failed and/or --pending.")
        chosen = set(ids) | set(
            WebhookEvent.objects.filter(status__in=statuses).values_list("pk", flat=True)
        )
        for event_id in sorted(chosen):
            self._replay(event_id)

    def _replay(self, event_id: int) -> None:
        try:
            event = webhook_event_replay(event_id)
        except Exception as error:
            self.stderr.write(f"event {event_id}: failed again: {type(error).__name__}: {error}")
            return
        if event is None:
            self.stderr.write(f"event {event_id}: no such event")
        else:
            self.stdout.write(f"event {event_id} ({event.stripe_id} {event.type}): {event.status}")
