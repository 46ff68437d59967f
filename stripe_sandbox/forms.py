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


class PortalCardForm(CardForm):
    """The Billing Portal's card form: the portal knows the customer's email already."""

    email = None  # type: ignore[assignment]
