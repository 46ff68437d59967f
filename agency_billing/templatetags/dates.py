"""Dates and times as the agency reads them: in its time zone (staff views and emails
activate it), in a <time> element, and relative where that helps ("in 23 hours")."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

register = template.Library()


@register.filter
def when(value: datetime | None) -> SafeString | str:
    """<time datetime="2026-12-02T14:05:00+01:00">Dec 2, 2026, 14:05 CET</time>"""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), date_format(local, "M j, Y, H:i T")
    )


@register.filter
def day(value: datetime | None) -> SafeString | str:
    """<time datetime="2026-12-02T14:05:00+01:00">Dec 2, 2026</time>"""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), date_format(local, "M j, Y")
    )


@register.filter
def relative(value: datetime | None) -> str:
    """ "in 23 hours", "3 days ago", "just now": the largest unit only."""
    if value is None:
        return ""
    now = timezone.now()
    if abs(value - now) < timedelta(minutes=1):
        return "just now"
    if value > now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"
