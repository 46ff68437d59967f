import zoneinfo

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator, RegexValidator
from django.urls import reverse
from django.utils.html import format_html

from agencies.models import Agency
from agency_billing.emails import send_email
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


LOGO_MAX_BYTES = 256 * 1024
# The image types every mail client and browser shows; no SVG (it can carry scripts).
LOGO_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
TAX_CHOICES = [("", "Platform default"), ("on", "On"), ("off", "Off")]


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class AgencySettingsForm(forms.Form):
    """The owner's Settings page. The currency cannot change once a plan exists: its prices
    are in that currency at Stripe."""

    name = forms.CharField(label="Agency name", max_length=200)
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or GIF, at most 256 KB. Shown on checkout pages, emails and the "
        "portal.",
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)
    brand_color = forms.CharField(
        label="Brand colour",
        max_length=7,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #635bff.")],
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Buttons on checkout pages and the portal, and the header of emails.",
    )
    currency = forms.ChoiceField(label="Billing currency", choices=CURRENCY_CHOICES)
    time_zone = forms.ChoiceField(
        label="Time zone", help_text="Dates and times on every page and email use it."
    )
    stripe_tax = forms.ChoiceField(
        label="Stripe Tax",
        choices=TAX_CHOICES,
        required=False,
        help_text="Let Stripe calculate sales tax and VAT on checkout and invoices.",
    )
    default_days_until_due = forms.IntegerField(
        label="Days until an invoice is due",
        min_value=1,
        max_value=365,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="For invoices you send; clients pay within this many days.",
    )
    trial_end_behavior = forms.ChoiceField(
        label="When a trial ends without a card",
        choices=Agency.TrialEndBehavior.choices,
        help_text="Stripe cancels or pauses a trial that ends with no payment method on file.",
    )
    portal_allow_cancel = forms.BooleanField(
        label="Clients may cancel in the portal",
        required=False,
        help_text="The subscription then ends at the close of the period they paid for.",
    )

    def __init__(self, *args, agency: Agency, currency_locked: bool, **kwargs) -> None:
        tax = {None: "", True: "on", False: "off"}[agency.stripe_tax_enabled]
        initial = {
            "name": agency.name,
            "brand_color": agency.brand_color,
            "currency": agency.currency,
            "time_zone": agency.time_zone,
            "stripe_tax": tax,
            "default_days_until_due": agency.default_days_until_due,
            "trial_end_behavior": agency.trial_end_behavior,
            "portal_allow_cancel": agency.portal_allow_cancel,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["time_zone"].choices = _time_zone_choices()
        if currency_locked:
            currency = self.fields["currency"]
            currency.disabled = True
            currency.help_text = (
                "Locked: your plans have Stripe prices in this currency. "
                "A new currency needs a new agency."
            )
        if not agency.logo_content_type:
            del self.fields["remove_logo"]

    def clean_logo(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo is larger than 256 KB; use a smaller image.")
        content = upload.read()
        for signature, content_type in LOGO_SIGNATURES.items():
            if content.startswith(signature):
                return content, content_type
        raise forms.ValidationError("Upload a PNG, JPEG or GIF image.")

    def clean_stripe_tax(self) -> bool | None:
        return {"": None, "on": True, "off": False}[self.cleaned_data.get("stripe_tax") or ""]


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose mail goes through the product's one send path (the sandbox
    outbox in sandbox mode). Django answers the same whether or not the email has an account."""

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        membership = getattr(context["user"], "membership", None)
        send_email(
            to=to_email,
            template="password_reset",
            context=context,
            agency=membership.agency if membership else None,
        )
