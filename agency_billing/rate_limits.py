"""How many times a visitor may try: staff login guessing and anonymous forms.

- Staff login (and Django admin's) is guarded by django-axes: after
  `STAFF_LOGIN_FAILURE_LIMIT` wrong passwords for one account (from anywhere), or from one
  address (for any accounts), further attempts get the lockout page with HTTP 429 until
  `STAFF_LOGIN_LOCKOUT_MINUTES` pass without a new failure, or an operator unlocks (admin
  "Access attempts", or `manage.py axes_reset_username EMAIL` / `axes_reset_ip IP`).
- Every other form an anonymous visitor can post is limited with `@rate_limit("<group>")`
  (django-ratelimit counting in the cache): past the rate in `settings.RATE_LIMITS[group]`
  its POSTs get the "too many attempts" page with HTTP 429.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.decorators import ratelimit


def client_ip(request: HttpRequest) -> str:
    """The visitor's address. Behind `TRUSTED_PROXY_COUNT` proxies that each append to
    X-Forwarded-For, the address the outermost of them saw; entries further left are the
    visitor's own claim and never trusted."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part
    ]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login attempt is for, as axes counts it: emails in any case are one
    account."""
    username = (credentials or request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    return username.strip().lower() if username else None


def _rate_of(group: str, request: HttpRequest) -> str:
    return settings.RATE_LIMITS[group]


def rate_limit(group: str, *, key: str | Callable = "ip", method: str = "POST") -> Callable:
    """Limit the POSTs (or `method`) of a function view to `settings.RATE_LIMITS[group]`
    ("10/h", "5/15m") per `key` (django-ratelimit's: "ip" is the visitor's address,
    "post:email" a posted field, or a callable(group, request)). Stack two for two keys.
    Other methods are never counted."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        counted = ratelimit(group=group, key=key, rate=_rate_of, method=method, block=False)

        @wraps(view)
        @counted
        def limited_view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "limited", False):
                return too_many_attempts(request)
            return view(request, *args, **kwargs)

        return limited_view

    return decorator


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    return render(request, "rate_limited.html", status=429)


def staff_login_locked(request: HttpRequest, *args) -> HttpResponse:
    """What axes answers a locked-out login attempt (AXES_LOCKOUT_CALLABLE)."""
    minutes = settings.STAFF_LOGIN_LOCKOUT_MINUTES
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
