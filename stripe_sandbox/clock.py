"""The sandbox's clock. Everything the sandbox stamps (created, trial_end, expires_at) uses
`now()`, so a later test clock can move time for the whole emulator at once."""

import time

from stripe_sandbox.models import SandboxClock


def now() -> int:
    """Unix seconds: real time plus the stored clock offset (0 until the clock is advanced)."""
    clock = SandboxClock.objects.order_by("pk").first()
    offset = clock.offset_seconds if clock else 0
    return int(time.time()) + offset
