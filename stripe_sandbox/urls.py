"""Hosted pages and the email outbox, mounted at /sandbox/ in sandbox mode."""

from django.urls import path

from stripe_sandbox import portal_views, views

app_name = "stripe_sandbox"

urlpatterns = [
    path("connect/onboarding/<str:token>/", views.onboarding, name="onboarding"),
    path("checkout/<str:session_id>/", views.checkout_page, name="checkout"),
    path("checkout/<str:session_id>/brand.css", views.checkout_brand_css, name="checkout_brand"),
    path("invoices/<str:invoice_id>/", views.invoice_page, name="invoice"),
    path("invoices/<str:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_email, name="outbox_email"),
    path("outbox/<int:pk>/html/", views.outbox_email_html, name="outbox_email_html"),
    path("billing_portal/<str:session_id>/", portal_views.portal_home, name="billing_portal"),
    path(
        "billing_portal/<str:session_id>/card/",
        portal_views.portal_card,
        name="billing_portal_card",
    ),
    path(
        "billing_portal/<str:session_id>/subscriptions/<str:subscription_id>/cancel/",
        portal_views.portal_cancel,
        name="billing_portal_cancel",
    ),
]
