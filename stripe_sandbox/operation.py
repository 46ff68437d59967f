"""One sandbox operation = one database transaction + the events it emitted.

Every API request and every hosted-page submission runs inside `sandbox_operation()`. Events
emitted inside are stored in the same transaction and handed to `delivery.dispatch` only after
the block commits its own `atomic()` — so a failure stores nothing and delivers nothing.
Nested operations (a webhook handler calling the API mid-delivery runs after the outer block,
but a service calling another service does not) join the outermost one.

A read-only operation (an API GET, a hosted page shown without a submission) takes no row
locks: `store.load` reads plainly, as Stripe's reads never wait for a write. A GET is often
made inside one of the product's own transactions (the return page, a webhook handler), and a
lock taken there would be held until that transaction ends.
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
    read_only: bool = False
    event_ids: list[str] = field(default_factory=list)


def current() -> Operation | None:
    return getattr(_state, "operation", None)


def is_read_only() -> bool:
    """True inside a read-only operation: reads take no row locks."""
    operation = current()
    return operation is not None and operation.read_only


@contextlib.contextmanager
def sandbox_operation(
    *,
    request_id: str | None = None,
    idempotency_key: str | None = None,
    read_only: bool = False,
) -> Iterator[Operation]:
    """Run the block atomically; deliver its events once the block has committed."""
    outer = current()
    if outer is not None:
        with transaction.atomic():
            yield outer
        return
    operation = Operation(
        request_id=request_id, idempotency_key=idempotency_key, read_only=read_only
    )
    _state.operation = operation
    try:
        with transaction.atomic():
            yield operation
    finally:
        _state.operation = None
    from stripe_sandbox import delivery

    delivery.dispatch(operation.event_ids)
