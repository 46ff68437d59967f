from django.urls import path

from customers import contact_views, subscription_views, views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_new, name="customer_create"),
    path("<int:customer_id>/", views.customer_manage, name="customer_manage"),
    path("<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/sync/", views.customer_sync, name="customer_sync"),
    path("<int:customer_id>/contacts/new/", contact_views.contact_add, name="contact_add"),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/",
        contact_views.contact_edit,
        name="contact_edit",
    ),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/remove/",
        contact_views.contact_remove,
        name="contact_remove",
    ),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/invite/",
        contact_views.contact_invite,
        name="contact_invite",
    ),
    path(
        "<int:customer_id>/trial/",
        subscription_views.subscription_trial_start,
        name="subscription_trial_start",
    ),
    path(
        "<int:customer_id>/subscription/switch/",
        subscription_views.subscription_switch,
        name="subscription_switch",
    ),
    path(
        "<int:customer_id>/subscription/pause/",
        subscription_views.subscription_pause,
        name="subscription_pause",
    ),
    path(
        "<int:customer_id>/subscription/resume/",
        subscription_views.subscription_resume,
        name="subscription_resume",
    ),
    path(
        "<int:customer_id>/subscription/cancel-at-period-end/",
        subscription_views.subscription_cancel_at_period_end,
        name="subscription_cancel_at_period_end",
    ),
    path(
        "<int:customer_id>/subscription/reactivate/",
        subscription_views.subscription_reactivate,
        name="subscription_reactivate",
    ),
    path(
        "<int:customer_id>/subscription/cancel/",
        subscription_views.subscription_cancel,
        name="subscription_cancel",
    ),
]
