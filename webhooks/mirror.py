"""The ordering rule every mirror upsert follows, and small readers of Stripe payloads.

Each mirror row keeps `stripe_synced_at`: the `created` time of the event it reflects, or the
time we read the object back from Stripe. Events carry whole seconds; read-backs carry the
clock's microseconds. Compared per second, because an event created in the same second as
our last write may be older or newer than it:
- an earlier second changes nothing (OLDER);
- a later second applies (NEWER);
- the same second is a TIE for an event, settled by reading the object back from Stripe;
  a read-back in the same second applies if it is not older than the row.
"""

import enum
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db import connection, models, transaction

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


class Freshness(enum.Enum):
    OLDER = "older"
    NEWER = "newer"
    TIE = "tie"


def freshness(synced_at: datetime | None, as_of: datetime) -> Freshness:
    if synced_at is None:
        return Freshness.NEWER
    row_second, incoming_second = synced_at.replace(microsecond=0), as_of.replace(microsecond=0)
    if incoming_second != row_second:
        return Freshness.NEWER if incoming_second > row_second else Freshness.OLDER
    if as_of.microsecond == 0:
        return Freshness.TIE
    return Freshness.NEWER if as_of >= synced_at else Freshness.OLDER


class _Unlocked:
    """The caller has not locked the row: mirror_upsert finds and locks it."""


UNLOCKED = _Unlocked()


def mirror_upsert(
    queryset: "models.QuerySet[M]",
    *,
    lookup: Mapping[str, Any],
    fields: Mapping[str, Any],
    as_of: datetime,
    read_back: Callable[[], M | None],
    create: bool = True,
    locked: "M | None | _Unlocked" = UNLOCKED,
) -> M | None:
    """Create or update the row matching `lookup` (its Stripe id) from `fields`, under a row
    lock, following the ordering rule above. Returns the row as it now stands; on a tie,
    whatever `read_back()` (which reads Stripe and upserts again) returns; None only when
    `create` is False and there is no row. A caller that already locked the row (with
    `mirror_row_locked`, in its own transaction) passes it, or None, as `locked`. Inside a
    caller's transaction (the webhook worker's) no savepoint is taken: an error here rolls
    the whole transaction back."""
    with transaction.atomic(savepoint=False):
        row = mirror_row_locked(queryset, lookup) if isinstance(locked, _Unlocked) else locked
        if row is None:
            if not create:
                return None
            new = queryset.model(**{**lookup, **fields, "stripe_synced_at": as_of})
            if row_insert_unless_taken(new):
                logger.info("Mirrored new %s %s", type(new).__name__, lookup)
                return new
            # Another transaction created it meanwhile: apply ours in order on theirs.
            row = mirror_row_locked(queryset, lookup)
            assert row is not None, f"{queryset.model.__name__} {lookup} vanished"
        return _apply_in_order(row, lookup, fields=fields, as_of=as_of, read_back=read_back)


def mirror_row_locked(queryset: "models.QuerySet[M]", lookup: Mapping[str, Any]) -> M | None:
    """The row matching `lookup`, locked until the transaction ends (only the row itself when
    the queryset follows relations), or None. NO KEY: a row pointing at this one (a
    subscription at its card) can still be written meanwhile; its foreign key check only
    needs the key, which never changes."""
    # The lookup is a unique Stripe id: no ORDER BY (`first()` would compile the model's
    # default ordering, which cost more CPU than the rest of the query).
    locked = queryset.select_for_update(no_key=True, of=("self",)).filter(**lookup)
    return next(iter(locked.order_by()[:1]), None)


def row_insert_unless_taken(row: models.Model) -> bool:
    """INSERT `row` in one statement unless a row with one of its unique values exists (no
    savepoint: nothing fails). Sets its primary key and returns True when inserted."""
    meta = row._meta
    fields = [
        field
        for field in meta.concrete_fields
        if not (field.primary_key and field.db_returning)  # the database numbers it
    ]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT DO NOTHING RETURNING {pk}"
    sql = sql.format(
        table=quote(meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
        pk=quote(meta.pk.column),
    )
    params = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    row.pk = inserted[0]
    row._state.adding = False
    row._state.db = connection.alias
    return True


def _apply_in_order(
    row: M,
    lookup: Mapping[str, Any],
    *,
    fields: Mapping[str, Any],
    as_of: datetime,
    read_back: Callable[[], M | None],
) -> M | None:
    synced_at = row.stripe_synced_at  # type: ignore[attr-defined]
    order = freshness(synced_at, as_of)
    if order is Freshness.OLDER:
        logger.info(
            "Kept %s %s: data of %s is older than %s",
            type(row).__name__,
            getattr(row, "stripe_id", row.pk),
            as_of,
            synced_at,
        )
        return row
    if order is Freshness.TIE:
        logger.info(
            "Reading back %s %s: two changes in the second %s",
            type(row).__name__,
            getattr(row, "stripe_id", row.pk),
            as_of,
        )
        return read_back()
    for name, value in fields.items():
        setattr(row, name, value)
    row.stripe_synced_at = as_of  # type: ignore[attr-defined]
    row.save(update_fields=[*fields, "stripe_synced_at"])  # what Stripe's data sets, no more
    return row


def stripe_id_of(value: str | Mapping[str, Any] | None) -> str | None:
    """The id of a field Stripe sends as an id or, when expanded, as the object."""
    if value is None or isinstance(value, str):
        return value
    return value["id"]


def stripe_time(value: int | None) -> datetime | None:
    """A Stripe unix timestamp as an aware datetime."""
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)
