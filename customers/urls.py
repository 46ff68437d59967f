from django.urls import path

from customers import views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("new/", views.customer_new, name="customer_create"),
    path("<int:customer_id>/", views.customer_manage, name="customer_manage"),
    path("<int:customer_id>/sync/", views.customer_sync, name="customer_sync"),
]
