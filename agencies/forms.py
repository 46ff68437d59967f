from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.html import format_html

from agency_billing.money import CURRENCY_CHOICES


class SignupForm(forms.Form):
    agency_name = forms.CharField(label="Agency name", max_length=200)
    # The email becomes the username, which holds 150 characters (the email column 254).
    email = forms.EmailField(
        label="Your email",
        max_length=150,
        error_messages={"max_length": "Use an email address of at most 150 characters."},
    )
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput, strip=False, max_length=128
    )
    currency = forms.ChoiceField(
        label="Billing currency",
        choices=CURRENCY_CHOICES,
        initial="usd",
        help_text="Plans and invoices are priced in this currency.",
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username__iexact=email).exists():
            raise forms.ValidationError(
                format_html(
                    'An account with this email already exists. <a href="{}">Log in</a> instead.',
                    reverse("login"),
                )
            )
        return email

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            user = get_user_model()(
                username=cleaned.get("email", ""), email=cleaned.get("email", "")
            )
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class StaffLoginForm(AuthenticationForm):
    """Django's login form, holding the email to the username's 150 characters. Django sets
    that max_length after the field is made, so it only reaches the HTML: without the
    validator a 5,000-character name goes on to authenticate() and the lockout records."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email of the new admin", max_length=150)


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(label="Choose a password", widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = get_user_model()(username=self.email, email=self.email)
        password_validation.validate_password(password, user)
        return password
