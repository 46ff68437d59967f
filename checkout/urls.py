from django.urls import path

from checkout import views

urlpatterns = [
    path("customers/<int:customer_id>/links/", views.checkout_link_new, name="checkout_link_new"),
    path("return/<uuid:link_id>/", views.checkout_return, name="checkout_return"),
    path("canceled/<uuid:link_id>/", views.checkout_canceled, name="checkout_canceled"),
]
