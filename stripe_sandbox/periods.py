"""Billing periods: when an interval that starts at a unix time ends."""

import calendar
from datetime import UTC, datetime, timedelta


def add_interval(start: int, interval: str, count: int = 1) -> int:
    """`start` moved by `count` × `interval` (day, week, month, year); month ends clamp."""
    moment = datetime.fromtimestamp(start, tz=UTC)
    if interval == "day":
        return int((moment + timedelta(days=count)).timestamp())
    if interval == "week":
        return int((moment + timedelta(weeks=count)).timestamp())
    months = count * (12 if interval == "year" else 1)
    if interval not in ("month", "year"):
        raise ValueError(f"unknown interval {interval!r}")
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())
