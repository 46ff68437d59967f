"""Which function handles which Stripe event type.

A handler takes the stored `WebhookEvent` and returns None when it mirrored the event, or a
reason string when the event does not concern us (the event is then marked ignored with that
reason). It raises for anything unexpected, and the event is retried.
"""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

from webhooks.models import WebhookEvent

Handler = Callable[[WebhookEvent], str | None]

_handlers: dict[str, Handler] = {}


def handles(*event_types: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for each of `event_types` (one handler per type)."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            existing = _handlers.get(event_type)
            if existing is not None and existing is not handler:
                raise ImproperlyConfigured(
                    f"{event_type} is handled twice: {existing.__module__}.{existing.__name__} "
                    f"and {handler.__module__}.{handler.__name__}"
                )
            _handlers[event_type] = handler
        return handler

    return register


def handler_for(event_type: str) -> Handler | None:
    return _handlers.get(event_type)
