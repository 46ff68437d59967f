"""Reads about an agency that other apps share."""

from typing import Any

from django.conf import settings
from django.urls import reverse

from agencies.models import Agency


def agency_logo_url(agency: Agency) -> str | None:
    """The public, absolute address of the agency's logo (Stripe and mail clients fetch it
    without a session), or None without a logo."""
    if not agency.logo_content_type:
        return None
    return f"{settings.SITE_URL}{reverse('agency_logo', args=[agency.pk])}"


def agency_checkout_branding(agency: Agency) -> dict[str, Any]:
    """Checkout Session `branding_settings`: the agency's name, colour and logo on Stripe's
    hosted page."""
    branding: dict[str, Any] = {"display_name": agency.name, "button_color": agency.brand_color}
    logo = agency_logo_url(agency)
    if logo:
        branding["logo"] = {"type": "url", "url": logo}
    return branding
