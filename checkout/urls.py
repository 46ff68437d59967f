from django.urls import path

from checkout import views

urlpatterns = [
    path("customers/<int:customer_id>/links/", views.checkout_link_new, name="checkout_link_new"),
    path(
        "customers/<int:customer_id>/links/<uuid:link_id>/email/",
        views.checkout_link_email,
        name="checkout_link_email",
    ),
    path("customers/<int:customer_id>/pay-links/", views.pay_link_new, name="pay_link_new"),
    path(
        "customers/<int:customer_id>/pay-links/<int:pay_link_id>/email/",
        views.pay_link_email,
        name="pay_link_email",
    ),
    path(
        "customers/<int:customer_id>/pay-links/<int:pay_link_id>/revoke/",
        views.pay_link_withdraw,
        name="pay_link_revoke",
    ),
    path(
        "customers/<int:customer_id>/payment-method-link/",
        views.payment_method_link_new,
        name="payment_method_link_new",
    ),
    path("return/<uuid:link_id>/", views.checkout_return, name="checkout_return"),
    path("canceled/<uuid:link_id>/", views.checkout_canceled, name="checkout_canceled"),
]
