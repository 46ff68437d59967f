from django import forms
from django.db.models import Q

from agencies.models import Agency
from customers.models import Contact, Customer
from customers.selectors import STATUS_FILTERS
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
    start_trial = forms.BooleanField(
        label="Start trial now",
        required=False,
        help_text="Starts the plan's trial at once, without asking for a card.",
    )
    email_login_credentials = forms.BooleanField(
        label="Email login credentials to customer",
        required=False,
        initial=False,
        help_text=(
            "On: the customer's billing contact is emailed an invitation to the client portal. "
            "Off: no login invitation; send them a checkout link instead."
        ),
    )

    def __init__(self, *args, agency: Agency, customer: Customer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.customer = customer
        plans = agency.plans.filter(archived_at=None)  # type: ignore[attr-defined]
        if customer is not None and customer.plan_id:
            plans = agency.plans.filter(Q(archived_at=None) | Q(pk=customer.plan_id))  # type: ignore[attr-defined]
        self.fields["plan"].queryset = plans
        if customer is not None:
            del self.fields["start_trial"]  # Add Customer only; Manage Customer has its own

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        others = self.agency.customers.filter(email__iexact=email)  # type: ignore[attr-defined]
        if self.customer is not None:
            others = others.exclude(pk=self.customer.pk)
        if others.exists():
            raise forms.ValidationError("A customer with this email already exists in your agency.")
        return email

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        plan = cleaned.get("plan")
        if cleaned.get("start_trial") and (plan is None or not plan.trial_days):
            self.add_error("start_trial", "Choose a plan with a trial to start one.")
        return cleaned


class CustomerFilterForm(forms.Form):
    """Manage Customers' search, filters and sort (a GET form: bad values are ignored)."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *STATUS_FILTERS]
    )
    plan = forms.ModelChoiceField(
        label="Plan", queryset=Plan.objects.none(), required=False, empty_label="Any plan"
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[
            ("name", "Name (A–Z)"),
            ("-name", "Name (Z–A)"),
            ("-created", "Newest first"),
            ("created", "Oldest first"),
            ("status", "Status"),
        ],
    )

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = agency.plans.all()  # type: ignore[attr-defined]

    def filters(self) -> dict:
        """The valid filters as keyword arguments for customers_for_list."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        plan = data.get("plan")
        return {
            "search": data.get("q", "").strip(),
            "status": data.get("status") or "",
            "plan_id": plan.pk if plan else None,
            "sort": data.get("sort") or "name",
        }


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
