from django.urls import path

from invoices import revenue_views, views

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
    path("revenue/", revenue_views.revenue_dashboard, name="revenue"),
    path("revenue/check/", revenue_views.revenue_check, name="revenue_check"),
    path("revenue/clients.csv", revenue_views.revenue_clients_csv, name="revenue_clients_csv"),
    path("revenue/payments.csv", revenue_views.revenue_payments_csv, name="revenue_payments_csv"),
]
