"""The hosted pages' forms. The card form keeps only what a PaymentMethod may hold."""

import re
from datetime import UTC, datetime

from django import forms

from stripe_sandbox.cards import DECLINES, NOT_A_TEST_CARD, TEST_CARDS, normalize


class OnboardingForm(forms.Form):
    business_name = forms.CharField(label="Business name", max_length=200)


class CardForm(forms.Form):
    email = forms.EmailField(label="Email")
    card_number = forms.CharField(
        label="Card number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry = forms.CharField(
        label="Expiration (MM / YY)",
        max_length=9,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM / YY"}),
    )
    cvc = forms.CharField(
        label="CVC", max_length=4, widget=forms.TextInput(attrs={"autocomplete": "cc-csc"})
    )
    name = forms.CharField(label="Name on card", max_length=200)

    def clean_card_number(self) -> str:
        number = normalize(self.cleaned_data["card_number"])
        if number not in TEST_CARDS and number not in DECLINES:
            raise forms.ValidationError(NOT_A_TEST_CARD)
        return number

    def clean_expiry(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match or not 1 <= int(match.group(1)) <= 12:
            raise forms.ValidationError("Enter the expiry as MM / YY.")
        month, year = int(match.group(1)), int(match.group(2))
        year = year + 2000 if year < 100 else year
        today = datetime.now(UTC)
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("Your card's expiration date is in the past.")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError("Your card's security code is incomplete.")
        return cvc


class AddressForm(forms.Form):
    """The billing address a session with automatic tax asks for (stripe_sandbox.tax rates by
    country and, in the US, state)."""

    country = forms.CharField(
        label="Country",
        max_length=2,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "country", "placeholder": "US"}),
    )
    state = forms.CharField(
        label="State / region",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level1", "placeholder": "CA"}),
    )
    line1 = forms.CharField(
        label="Address",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    city = forms.CharField(
        label="City",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postal_code = forms.CharField(
        label="Postal code",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise forms.ValidationError("Enter the two-letter country code, such as US or DE.")
        return country

    def clean_state(self) -> str:
        return self.cleaned_data["state"].strip().upper()

    def address(self) -> dict[str, str | None] | None:
        """Stripe's address object, or None when no country was given."""
        data = self.cleaned_data
        if not data.get("country"):
            return None
        return {
            "city": data["city"].strip() or None,
            "country": data["country"],
            "line1": data["line1"].strip() or None,
            "line2": None,
            "postal_code": data["postal_code"].strip() or None,
            "state": data["state"] or None,
        }


class PortalCardForm(CardForm):
    """The Billing Portal's card form: the portal knows the customer's email already."""

    email = None  # type: ignore[assignment]
