"""One sandbox operation = one database transaction + the events it emitted.

Every API request and every hosted-page submission runs inside `sandbox_operation()`. Events
emitted inside are stored in the same transaction and handed to `delivery.dispatch` only after
the block commits its own `atomic()` — so a failure stores nothing and delivers nothing.
Nested operations (a webhook handler calling the API mid-delivery runs after the outer block,
but a service calling another service does not) join the outermost one.
"""

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

_state = threading.local()


@dataclass
class Operation:
    request_id: str | None = None
    idempotency_key: str | None = None
    event_ids: list[str] = field(default_factory=list)


def current() -> Operation | None:
    return getattr(_state, "operation", None)


@contextlib.contextmanager
def sandbox_operation(
    *, request_id: str | None = None, idempotency_key: str | None = None
) -> Iterator[Operation]:
    """Run the block atomically; deliver its events once the block has committed."""
    outer = current()
    if outer is not None:
        with transaction.atomic():
            yield outer
        return
    operation = Operation(request_id=request_id, idempotency_key=idempotency_key)
    _state.operation = operation
    try:
        with transaction.atomic():
            yield operation
    finally:
        _state.operation = None
    from stripe_sandbox import delivery

    delivery.dispatch(operation.event_ids)
