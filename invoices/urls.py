from django.urls import path

from invoices import views

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("charge/<int:customer_id>/", views.project_charge_new, name="project_charge_new"),
    path("<int:invoice_id>/", views.invoice_detail, name="invoice_detail"),
    path("<int:invoice_id>/void/", views.invoice_void, name="invoice_void"),
    path(
        "<int:invoice_id>/uncollectible/",
        views.invoice_mark_uncollectible,
        name="invoice_mark_uncollectible",
    ),
    path("<int:invoice_id>/refund/", views.invoice_refund, name="invoice_refund"),
]
