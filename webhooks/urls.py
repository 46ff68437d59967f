from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("stripe/", views.stripe_platform_webhook, name="stripe"),
    path("stripe/connect/", views.stripe_connect_webhook, name="stripe_connect"),
]
