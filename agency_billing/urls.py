from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from agency_billing.health import healthz
from checkout import views as checkout_views

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("webhooks/", include("webhooks.urls")),
    path("checkout/", include("checkout.urls")),
    path("pay/<str:token>/", checkout_views.pay_link, name="pay_link"),
    path("plans/", include("plans.urls")),
    path("customers/", include("customers.urls")),
    path("portal/", include("portal.urls")),
    path("invoices/", include("invoices.urls")),
    path("", include("agencies.urls")),
]

handler404 = "agency_billing.views.page_not_found"
handler403 = "agency_billing.views.permission_denied"

if settings.STRIPE_MODE == "sandbox":
    urlpatterns.append(path("sandbox/", include("stripe_sandbox.urls")))
