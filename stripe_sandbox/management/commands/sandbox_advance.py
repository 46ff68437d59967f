"""`manage.py sandbox_advance --days N [--hours H]`: move the sandbox's test clock ahead."""

from django.core.management.base import BaseCommand, CommandError

from stripe_sandbox import lifecycle


class Command(BaseCommand):
    help = (
        "Move the Stripe sandbox's clock ahead: trials end, periods renew and are charged, "
        "failed payments are retried, checkout links expire; webhooks are sent as they happen."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=0)
        parser.add_argument("--hours", type=int, default=0)

    def handle(self, *args, days: int, hours: int, **options) -> None:
        seconds = days * 86400 + hours * 3600
        if seconds <= 0:
            raise CommandError("Give a positive --days or --hours: the clock only moves forward.")
        for line in lifecycle.advance_clock(seconds):
            self.stdout.write(line)
        self.stdout.write(f"Sandbox clock moved {days} day(s) {hours} hour(s) ahead.")
