"""The product's own 404 and 403 pages: in the staff shell for a signed-in member, on the
plain public layout for everyone else. The 500 page is Django's default view over
templates/500.html, which needs no database."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Membership


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "403.html", 403, {"reason": _reason(exception)})


def _error_page(request: HttpRequest, template: str, status: int, context=None) -> HttpResponse:
    # A 404 from the URL resolver comes before any view set the member; look them up once.
    if not hasattr(request, "membership") and request.user.is_authenticated:
        request.membership = (  # type: ignore[attr-defined]
            Membership.objects.select_related("agency")
            .defer("agency__logo")
            .filter(user=request.user)
            .first()
        )
    return render(request, template, context, status=status)


def _reason(exception: Exception) -> str:
    """PermissionDenied("Only the agency owner can do this.") says why; show that."""
    return str(exception) if exception.args else ""
