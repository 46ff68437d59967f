"""The sandbox's clock. Everything the sandbox stamps (created, trial_end, expires_at) uses
`now()`, so a test clock (`lifecycle.advance_clock`) moves time for the whole emulator."""

import time
from datetime import UTC, datetime

from django.db import transaction

from stripe_sandbox.models import SandboxClock


def offset() -> int:
    """How far the test clock is ahead of real time, in seconds (0 until it is advanced)."""
    clock = SandboxClock.objects.order_by("pk").first()
    return clock.offset_seconds if clock else 0


def now() -> int:
    """Unix seconds: real time plus the stored clock offset."""
    return int(time.time()) + offset()


def set_now(moment: int) -> None:
    """Make `now()` answer `moment` (time only moves forward: an earlier moment is ignored)."""
    with transaction.atomic():
        clock = SandboxClock.objects.select_for_update().order_by("pk").first()
        if clock is None:
            clock = SandboxClock.objects.create(offset_seconds=0)
        offset = moment - int(time.time())
        if offset > clock.offset_seconds:
            clock.offset_seconds = offset
            clock.save(update_fields=["offset_seconds"])


def format_time(moment: int) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
