from django.contrib.auth import views as auth_views
from django.urls import path

from agencies import views
from agencies.forms import StaffLoginForm, StaffPasswordResetForm
from agency_billing.rate_limits import rate_limit

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signup/", views.signup, name="signup"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=StaffLoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("team/", views.team, name="team"),
    path(
        "team/members/<int:membership_id>/remove/",
        views.team_member_remove_view,
        name="team_member_remove",
    ),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path(
        "password/reset/",
        rate_limit("password_reset")(
            auth_views.PasswordResetView.as_view(form_class=StaffPasswordResetForm)
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", views.password_change, name="password_change"),
    path("settings/", views.agency_settings, name="agency_settings"),
    path("brand/<int:agency_id>/logo/", views.agency_logo, name="agency_logo"),
    path("billing/connect/", views.stripe_connect, name="stripe_connect"),
    path("billing/connect/start/", views.stripe_connect_start, name="stripe_connect_start"),
    path("billing/connect/return/", views.stripe_connect_return, name="stripe_connect_return"),
    path("billing/connect/disconnect/", views.stripe_disconnect, name="stripe_disconnect"),
    path("billing/connect/refresh/", views.stripe_connect_refresh, name="stripe_connect_refresh"),
]
