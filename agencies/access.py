"""Who may see what: every staff view goes through these decorators, and every query
through the member's agency."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from agencies.models import Membership

View = Callable[..., HttpResponse]


def member_required(view: View) -> View:
    """Signed in and a member of an agency; sets request.membership."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            # The logo's bytes are served by their own view, never needed by a page.
            request.membership = (  # type: ignore[attr-defined]
                Membership.objects.select_related("agency")
                .defer("agency__logo")
                .get(user=request.user)
            )
        except Membership.DoesNotExist:
            # The platform operator (createsuperuser) or someone removed from their agency.
            return render(request, "agencies/no_agency.html", status=403)
        # Pages show dates and times in the agency's time zone.
        with timezone.override(request.membership.agency.zone):  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

    return wrapper


def owner_required(view: View) -> View:
    """Only the agency's owner (Stripe Connect onboarding, the revenue dashboard)."""

    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.membership.is_owner:  # type: ignore[attr-defined]
            raise PermissionDenied("Only the agency owner can do this.")
        return view(request, *args, **kwargs)

    return wrapper
