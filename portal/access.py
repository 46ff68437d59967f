"""Who may see what in the portal: the session cookie names a contact, and every query goes
through that contact's customer. Staff logins play no part here."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from portal.services import portal_session_for_token

View = Callable[..., HttpResponse]

PORTAL_COOKIE = "portal_session"
PORTAL_COOKIE_PATH = "/portal/"


def logged_out(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(PORTAL_COOKIE, path=PORTAL_COOKIE_PATH)
    return response


def portal_session_required(view: View) -> View:
    """A live portal session; sets request.portal_session (its contact may be None while the
    visitor chooses a customer)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        session = portal_session_for_token(request.COOKIES.get(PORTAL_COOKIE, ""))
        if session is None:
            return logged_out(redirect("portal_login"))
        request.portal_session = session  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        # A client's billing pages are nobody else's: no shared or back-button cache.
        add_never_cache_headers(response)
        return response

    return wrapper


def contact_required(view: View) -> View:
    """A live portal session acting as a contact; sets request.contact."""

    @portal_session_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        contact = request.portal_session.contact  # type: ignore[attr-defined]
        if contact is None:
            return redirect("portal_choose")
        request.contact = contact  # type: ignore[attr-defined]
        # Dates read in the agency's time zone, as on its staff pages and in its emails.
        with timezone.override(contact.customer.agency.zone):
            return view(request, *args, **kwargs)

    return wrapper


def billing_contact_required(view: View) -> View:
    """Only `billing` contacts pay and manage cards; viewers get 403."""

    @contact_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.contact.can_pay:  # type: ignore[attr-defined]
            raise PermissionDenied("Viewers cannot pay or change payment methods.")
        return view(request, *args, **kwargs)

    return wrapper
