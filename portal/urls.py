from django.urls import path

from portal import views

urlpatterns = [
    path("", views.portal_login, name="portal_login"),
    path("code/", views.portal_code, name="portal_code"),
    path("choose/", views.portal_choose, name="portal_choose"),
    path("logout/", views.portal_logout, name="portal_logout"),
    path("brand.css", views.portal_brand_css, name="portal_brand_css"),
    path("brand/logo/", views.portal_logo, name="portal_logo"),
    path("billing/", views.portal_billing, name="portal_billing"),
    path("billing/invoices/", views.portal_invoices, name="portal_invoices"),
    path(
        "billing/invoices/<int:invoice_id>/pay/",
        views.portal_invoice_pay,
        name="portal_invoice_pay",
    ),
    path(
        "billing/invoices/<int:invoice_id>/pdf/",
        views.portal_invoice_pdf,
        name="portal_invoice_pdf",
    ),
    path("billing/payment-methods/", views.portal_payment_methods, name="portal_payment_methods"),
    path(
        "billing/payment-methods/manage/",
        views.portal_billing_portal,
        name="portal_billing_portal",
    ),
]
