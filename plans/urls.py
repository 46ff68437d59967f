from django.urls import path

from plans import views

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_new, name="plan_new"),
]
