from django import forms

from agencies.models import Agency
from customers.models import Contact
from plans.models import Plan


class CustomerForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    email = forms.EmailField(
        label="Email",
        max_length=254,  # the column's length; the form's default (320) is longer
        error_messages={
            "invalid": "Enter a valid email address, like name@example.com.",
            "max_length": "Enter an email address of at most 254 characters.",
        },
    )
    company = forms.CharField(label="Company name", max_length=200, required=False)
    plan = forms.ModelChoiceField(
        label="Plan", queryset=Plan.objects.none(), required=False, empty_label="No plan yet"
    )
    email_login_credentials = forms.BooleanField(
        label="Email login credentials to customer",
        required=False,
        initial=False,
        help_text="Off: the customer gets no login invitation; send them a checkout link instead.",
    )

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["plan"].queryset = agency.plans.filter(archived_at=None)  # type: ignore[attr-defined]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if self.agency.customers.filter(email__iexact=email).exists():
            raise forms.ValidationError("A customer with this email already exists in your agency.")
        return email


class ContactForm(forms.Form):
    name = forms.CharField(label="Contact name", max_length=200, required=False)
    email = forms.EmailField(
        label="Contact email",
        max_length=254,
        error_messages={"invalid": "Enter a valid email address, like name@example.com."},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Contact.Role.choices,
        initial=Contact.Role.BILLING,
        help_text="Billing contacts can pay and change cards; viewers can only look.",
    )
