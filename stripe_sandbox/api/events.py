"""Events as the API lists them: the account's own, newest first."""

from typing import Any

from stripe_sandbox.api.base import ApiRequest
from stripe_sandbox.errors import ApiError, no_such
from stripe_sandbox.models import SandboxEvent


def retrieve_event(request: ApiRequest, id: str) -> dict[str, Any]:
    event = SandboxEvent.objects.filter(stripe_id=id, account=request.account).first()
    if event is None:
        raise no_such("event", id)
    return event.data


def list_events(request: ApiRequest) -> dict[str, Any]:
    params = request.params
    events = SandboxEvent.objects.filter(account=request.account).order_by("-sequence")
    event_type = params.get("type")
    if event_type and event_type.endswith("*"):
        events = events.filter(type__startswith=event_type[:-1])
    elif event_type:
        events = events.filter(type=event_type)
    if params.get("types"):
        events = events.filter(type__in=params["types"])
    if params.get("starting_after"):
        cursor = _cursor(params["starting_after"], request.account, "starting_after")
        events = events.filter(sequence__lt=cursor.sequence)
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise ApiError("Invalid limit: must be between 1 and 100", param="limit")
    page = list(events[: limit + 1])
    return {
        "object": "list",
        "data": [event.data for event in page[:limit]],
        "has_more": len(page) > limit,
        "url": "/v1/events",
    }


def _cursor(event_id: str, account: str, param: str) -> SandboxEvent:
    cursor = SandboxEvent.objects.filter(stripe_id=event_id, account=account).first()
    if cursor is None:
        raise no_such("event", event_id, param=param)
    return cursor
