from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.access import member_required, owner_required
from agencies.forms import AcceptInvitationForm, AgencySettingsForm, InviteForm, SignupForm
from agencies.models import Agency, Invitation
from agencies.services import (
    agency_onboarding_link,
    agency_settings_update,
    agency_signup,
    agency_stripe_disconnect,
    agency_stripe_reconnect,
)
from agencies.sync import agency_account_refresh
from agencies.team import (
    invitation_accept,
    invitation_revoke,
    team_invite,
    team_member_remove,
)
from agency_billing.errors import BillingError
from agency_billing.rate_limits import rate_limit
from customers.selectors import customer_counts


@rate_limit("signup")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        membership = agency_signup(**form.cleaned_data)
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome! {membership.agency.name} is ready.")
        return redirect("dashboard")
    return render(request, "agencies/signup.html", {"form": form})


class LogoutView(auth_views.LogoutView):
    """Django's logout, then a message on the log-in page so the person knows it worked."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


class _PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (old password, new twice); back to the dashboard with a
    message. The person stays logged in; their other sessions end."""

    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


# In the staff shell, so through member_required like every staff page.
password_change = member_required(_PasswordChangeView.as_view())


@member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    counts = customer_counts(agency)
    plan_count = agency.plans.filter(archived_at=None).count()
    checklist = [
        ("Connect Stripe", agency.charges_enabled, "stripe_connect"),
        ("Create a plan", plan_count > 0, "plan_new"),
        ("Add a customer", counts["customers"] > 0, "customer_create"),
        ("Send a checkout link", agency.checkout_links.exists(), "customer_list"),
    ]
    return render(
        request,
        "agencies/dashboard.html",
        {
            "counts": counts,
            "plan_count": plan_count,
            "checklist": checklist,
            "setup_done": all(done for _, done, _ in checklist),
        },
    )


@owner_required
@require_http_methods(["GET", "POST"])
def agency_settings(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    currency_locked = agency.plans.exists()
    form = AgencySettingsForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        agency=agency,
        currency_locked=currency_locked,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency_settings_update(
                agency=agency,
                name=data["name"],
                brand_color=data["brand_color"],
                currency=data["currency"],
                time_zone=data["time_zone"],
                stripe_tax_enabled=data["stripe_tax"],
                default_days_until_due=data["default_days_until_due"],
                trial_end_behavior=data["trial_end_behavior"],
                portal_allow_cancel=data["portal_allow_cancel"],
                logo=data["logo"],
                remove_logo=data.get("remove_logo", False),
            )
        except BillingError as error:
            form.add_error(None, str(error))
            return render(request, "agencies/settings.html", {"form": form}, status=400)
        messages.success(request, "Settings saved.")
        return redirect("agency_settings")
    return render(request, "agencies/settings.html", {"form": form})


@require_GET
@cache_control(public=True, max_age=3600)
def agency_logo(request: HttpRequest, agency_id: int) -> HttpResponse:
    """The agency's logo at a public address: Stripe's Checkout and mail clients fetch it
    without a session."""
    agency = get_object_or_404(Agency.objects.only("logo", "logo_content_type"), pk=agency_id)
    if not agency.logo:
        raise Http404("No logo")
    return HttpResponse(bytes(agency.logo), content_type=agency.logo_content_type)


@member_required
def stripe_connect(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/stripe_connect.html")


@owner_required
@require_POST
def stripe_connect_start(request: HttpRequest) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    if agency.stripe_disconnected_at is not None:
        try:
            agency = agency_stripe_reconnect(agency=agency)
        except BillingError as error:
            messages.error(request, error.message)
            return redirect("stripe_connect")
        if agency.charges_enabled:
            messages.success(request, "Stripe is reconnected. You can bill again.")
            return redirect("stripe_connect")
    return _redirect_to_onboarding(request)


@owner_required
@require_http_methods(["GET", "POST"])
def stripe_disconnect(request: HttpRequest) -> HttpResponse:
    """Disconnect Stripe, after a confirmation page that says what it does and does not do."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    if not agency.is_stripe_connected:
        return redirect("stripe_connect")
    if request.method == "POST":
        agency_stripe_disconnect(agency=agency)
        messages.success(
            request, "Stripe is disconnected. Nothing was canceled in Stripe; reconnect any time."
        )
        return redirect("stripe_connect")
    return render(request, "agencies/stripe_disconnect.html")


@owner_required
def stripe_connect_refresh(request: HttpRequest) -> HttpResponse:
    """Stripe sends the owner here when an onboarding link was used or expired."""
    return _redirect_to_onboarding(request)


@owner_required
def stripe_connect_return(request: HttpRequest) -> HttpResponse:
    """Coming back from onboarding does not mean it is done: read the account back."""
    agency = request.membership.agency  # type: ignore[attr-defined]
    if agency.stripe_account_id:
        try:
            agency = agency_account_refresh(agency)
        except BillingError as error:
            messages.error(request, error.message)
            return redirect("stripe_connect")
    if agency.charges_enabled:
        messages.success(request, "Stripe is connected. You can start billing.")
    else:
        messages.warning(request, "Stripe still needs some details before you can take payments.")
    return redirect("stripe_connect")


def _redirect_to_onboarding(request: HttpRequest) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    try:
        url = agency_onboarding_link(
            agency=membership.agency,
            owner_email=membership.user.email,
            return_url=request.build_absolute_uri(reverse("stripe_connect_return")),
            refresh_url=request.build_absolute_uri(reverse("stripe_connect_refresh")),
        )
    except BillingError as error:
        messages.error(request, error.message)
        return redirect("stripe_connect")
    return redirect(url)


@member_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    """The team: members and open invitations; the owner invites (POST) and removes admins."""
    membership = request.membership  # type: ignore[attr-defined]
    if request.method == "POST" and not membership.is_owner:
        raise PermissionDenied("Only the agency owner manages the team.")
    agency = membership.agency
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team_invite(agency=agency, email=form.cleaned_data["email"], invited_by=request.user)
        except BillingError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, f"Invitation emailed to {form.cleaned_data['email']}.")
            return redirect("team")
    members = agency.memberships.select_related("user").order_by("role", "user__email")
    invitations = agency.invitations.filter(accepted_at=None).select_related("invited_by")
    context = {"members": members, "invitations": invitations, "form": form}
    return render(request, "agencies/team.html", context)


@owner_required
@require_POST
def team_member_remove_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    member = get_object_or_404(agency.memberships.select_related("user"), pk=membership_id)
    try:
        team_member_remove(membership=member)
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{member.user.email} was removed from the team.")
    return redirect("team")


@owner_required
@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    agency = request.membership.agency  # type: ignore[attr-defined]
    invitation = get_object_or_404(agency.invitations, pk=invitation_id, accepted_at=None)
    invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation of {invitation.email} was withdrawn.")
    return redirect("team")


@rate_limit("signup")
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the invited person chooses a password and is signed in."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("agency"), token=token, accepted_at=None
    )
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None, email=invitation.email
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitation_accept(
                invitation=invitation, password=form.cleaned_data["password"]
            )
        except BillingError as error:
            form.add_error(None, error.message)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.agency.name}!")
            return redirect("dashboard")
    return render(
        request, "agencies/invitation_accept.html", {"invitation": invitation, "form": form}
    )
