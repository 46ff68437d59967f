"""Hosted pages and the email outbox, mounted at /sandbox/ in sandbox mode."""

from django.urls import path

from stripe_sandbox import views

app_name = "stripe_sandbox"

urlpatterns = [
    path("connect/onboarding/<str:token>/", views.onboarding, name="onboarding"),
    path("checkout/<str:session_id>/", views.checkout_page, name="checkout"),
    path("invoices/<str:invoice_id>/", views.invoice_page, name="invoice"),
    path("invoices/<str:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_email, name="outbox_email"),
    path("outbox/<int:pk>/html/", views.outbox_email_html, name="outbox_email_html"),
]
