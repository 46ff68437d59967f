"""Reading and writing sandbox objects, always within one connected account.

An object belongs to the account whose `Stripe-Account` header created it ("" = platform);
asking for it from any other account is Stripe's 404 "No such …".
"""

import copy
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q, QuerySet

from stripe_sandbox import clock, operation
from stripe_sandbox.errors import ApiError, no_such
from stripe_sandbox.ids import new_id
from stripe_sandbox.models import SandboxObject

# Stripe's name for each object type in "No such …" messages.
_MISSING_NAMES = {"checkout.session": "checkout.session", "payment_method": "PaymentMethod"}


def create(
    object_type: str,
    prefix: str,
    *,
    account: str,
    fields: dict[str, Any],
    private: dict[str, Any] | None = None,
    object_id: str | None = None,
    omit: tuple[str, ...] = (),
) -> SandboxObject:
    """Store a new object; `fields` is its JSON after id/object/created/livemode/metadata,
    less the keys in `omit` that this object type does not have."""
    now = clock.now()
    object_id = object_id or new_id(prefix)
    data = {"id": object_id, "object": object_type, "created": now, "livemode": False}
    data.update(fields)
    data.setdefault("metadata", {})
    for key in omit:
        data.pop(key, None)
    return SandboxObject.objects.create(
        id=object_id,
        object=object_type,
        account=account,
        data=data,
        private=private or {},
        created=now,
    )


def load(object_type: str, object_id: str, *, account: str, param: str = "id") -> SandboxObject:
    """The object, or Stripe's 404. Row-locked for the rest of the request, unless the
    request only reads (see `operation`)."""
    rows = (
        SandboxObject.objects
        if operation.is_read_only()
        else SandboxObject.objects.select_for_update()
    )
    row = rows.filter(id=object_id, object=object_type, account=account).first()
    if row is None:
        raise no_such(_MISSING_NAMES.get(object_type, object_type), object_id, param=param)
    return row


def lock(row: SandboxObject) -> SandboxObject:
    """`row` read again under a row lock, for a read that turns out to need a write."""
    locked = SandboxObject.objects.select_for_update().get(pk=row.pk)
    row.data, row.private = locked.data, locked.private
    return row


def save(row: SandboxObject) -> dict[str, Any]:
    row.save(update_fields=["data", "private"])
    return row.data


def snapshot(row: SandboxObject) -> dict[str, Any]:
    """A deep copy of the object's JSON, safe to embed in an event or a response."""
    return copy.deepcopy(row.data)


def list_response(
    object_type: str,
    *,
    account: str,
    url: str,
    params: dict[str, Any],
    filters: Q | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, Any]:
    """A Stripe list page, newest first, honouring `limit`, `starting_after`, `ending_before`."""
    rows: QuerySet[SandboxObject] = SandboxObject.objects.filter(
        object=object_type, account=account
    )
    if filters is not None:
        rows = rows.filter(filters)
    limit = params.get("limit", 10)
    if not 1 <= limit <= 100:
        raise ApiError(
            "Invalid limit: must be between 1 and 100", param="limit", code="parameter_invalid"
        )
    newest_first = rows.order_by("-created", "-inserted_at")
    if params.get("starting_after"):
        cursor = _cursor(rows, params["starting_after"], "starting_after", object_type)
        newest_first = newest_first.filter(
            Q(created__lt=cursor.created)
            | Q(created=cursor.created, inserted_at__lt=cursor.inserted_at)
        )
    elif params.get("ending_before"):
        cursor = _cursor(rows, params["ending_before"], "ending_before", object_type)
        oldest_first = rows.order_by("created", "inserted_at").filter(
            Q(created__gt=cursor.created)
            | Q(created=cursor.created, inserted_at__gt=cursor.inserted_at)
        )
        page = _take(oldest_first, keep, limit + 1)
        has_more = len(page) > limit
        return _page(list(reversed(page[:limit])), has_more, url)
    page = _take(newest_first, keep, limit + 1)
    return _page(page[:limit], len(page) > limit, url)


def _take(
    rows: Iterable[SandboxObject], keep: Callable[[dict[str, Any]], bool] | None, count: int
) -> list[dict[str, Any]]:
    taken: list[dict[str, Any]] = []
    for row in rows:
        if keep is None or keep(row.data):
            taken.append(row.data)
            if len(taken) == count:
                break
    return taken


def _cursor(rows: QuerySet[SandboxObject], object_id: str, param: str, object_type: str):
    cursor = rows.filter(id=object_id).first()
    if cursor is None:
        raise no_such(_MISSING_NAMES.get(object_type, object_type), object_id, param=param)
    return cursor


def _page(data: list[dict[str, Any]], has_more: bool, url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def nested_list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """The `{"object": "list", …}` Stripe embeds for `items`, `lines` and the like."""
    return _page(data, False, url)


def expand(data: dict[str, Any], paths: list[str], *, account: str) -> dict[str, Any]:
    """A copy of `data` with each dotted path's id replaced by that object (`expand[]`)."""
    expanded = copy.deepcopy(data)
    for path in paths:
        _expand_path(expanded, path.split("."), account, path)
    return expanded


def _expand_path(node: Any, segments: list[str], account: str, full_path: str) -> None:
    if not segments:
        return
    head, rest = segments[0], segments[1:]
    if isinstance(node, list):
        for item in node:
            _expand_path(item, segments, account, full_path)
        return
    if not isinstance(node, dict) or head not in node:
        raise ApiError(
            f"This property cannot be expanded ({full_path}).", param="expand", code=None
        )
    value = node[head]
    if isinstance(value, str):
        row = SandboxObject.objects.filter(id=value, account=account).first()
        if row is None:
            raise ApiError(
                f"This property cannot be expanded ({full_path}).", param="expand", code=None
            )
        node[head] = copy.deepcopy(row.data)
        value = node[head]
    if rest and value is not None:
        _expand_path(value, rest, account, full_path)
