from django.http import HttpRequest


def current_agency(request: HttpRequest) -> dict:
    """The signed-in member's agency and role, for the staff shell."""
    membership = getattr(request, "membership", None)
    return {"membership": membership, "agency": membership.agency if membership else None}
