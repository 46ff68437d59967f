"""What every endpoint receives."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from stripe_sandbox import clock, events, store
from stripe_sandbox.errors import ApiError
from stripe_sandbox.models import SandboxObject


@dataclass
class ApiRequest:
    """One API call: the account it acts for ("" = platform) and its validated params."""

    method: str
    path: str
    account: str
    params: dict[str, Any]
    request_id: str
    idempotency_key: str | None = None

    def expanded(self, data: dict[str, Any]) -> dict[str, Any]:
        """`data` with the request's `expand[]` paths filled in."""
        paths = self.params.get("expand") or []
        return store.expand(data, paths, account=self.account) if paths else data

    def require_connected_account(self, param: str) -> None:
        if not self.account:
            raise ApiError(
                f"Can only apply {param} when the request is made on behalf of another "
                "account (using an OAuth key, the Stripe-Account header, or the destination "
                "parameter).",
                param=param,
            )


def site_url(path: str) -> str:
    """An absolute URL on this site, for the hosted pages' `url` fields."""
    return settings.SITE_URL.rstrip("/") + path


def merge_metadata(params: dict[str, Any], current: dict[str, str] | None = None) -> dict[str, str]:
    """Stripe's metadata merge: keys are set, an empty value unsets one, "" clears all."""
    given = params.get("metadata")
    if given is None:
        return dict(current or {})
    if given == "":
        return {}
    merged = dict(current or {})
    for key, value in given.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def save_updated(
    request: ApiRequest, row: SandboxObject, before: dict[str, Any], event_type: str
) -> dict[str, Any]:
    """Save `row`; when anything changed, emit `event_type` with `previous_attributes`."""
    previous = events.changed(before, row.data)
    if "updated" in row.data and previous:
        row.data["updated"] = clock.now()
    store.save(row)
    if previous:
        events.emit(event_type, row.data, account=request.account, previous_attributes=previous)
    return request.expanded(row.data)


def copy_given(data: dict[str, Any], params: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Set each of `keys` present in `params` on `data`; an empty string unsets it (None)."""
    for key in keys:
        if key in params:
            data[key] = params[key] if params[key] != "" else None


def exact_filters(params: dict[str, Any], keys: tuple[str, ...]) -> Q:
    """A list endpoint's filters: each of `keys` given in `params` must equal the field."""
    filters = Q()
    for key in keys:
        if key in params:
            filters &= Q(**{f"data__{key}": params[key]})
    return filters
