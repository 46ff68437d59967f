import uuid
from datetime import date

from django import forms

from agencies.models import Agency
from agency_billing.money import to_minor_units
from invoices.selectors import InvoiceFilters
from invoices.services import FEE_RULE, REFUND_REASONS
from plans.forms import AmountField
from plans.models import Price


class ProjectChargeForm(forms.Form):
    """Charge for project: a description and an amount in the agency's currency, or one of
    its plans' one-time prices, and the days the client has to pay."""

    request_id = forms.UUIDField(widget=forms.HiddenInput)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=500,
        error_messages={"max_length": "Keep the description under 500 characters."},
        help_text="What the client pays for, e.g. “Website build, phase 1”.",
    )
    price = forms.ModelChoiceField(
        label="Or a one-time price",
        queryset=Price.objects.none(),
        required=False,
        empty_label="— Enter an amount instead —",
    )
    days_until_due = forms.IntegerField(
        label="Days until due",
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": "Give the client at least one day.",
            "max_value": "At most 365 days.",
        },
    )

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = agency.currency.upper()
        self.fields["amount"] = AmountField(
            currency=agency.currency,
            label=f"Amount ({code})",
            help_text=f"In {code}, e.g. 1500.00. "
            + FEE_RULE.format(percent=agency.platform_fee_percent.normalize()),
        )
        self.fields["price"].queryset = Price.objects.filter(
            plan__agency=agency, interval=Price.Interval.ONE_TIME, active=True
        ).select_related("plan")
        self.fields["price"].label_from_instance = lambda price: price.plan.name
        self.initial.setdefault("request_id", uuid.uuid4())
        self.initial.setdefault("days_until_due", agency.default_days_until_due)
        self.order_fields(["request_id", "description", "amount", "price", "days_until_due"])

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        price, amount = cleaned.get("price"), cleaned.get("amount")
        if "amount" in self.errors or "price" in self.errors:
            return cleaned
        if price and amount:
            self.add_error("amount", "Enter an amount or choose a one-time price, not both.")
        elif not price and not amount:
            self.add_error("amount", "Enter the amount to charge.")
        if not cleaned.get("description"):
            if price:
                cleaned["description"] = price.plan.name
            else:
                self.add_error("description", "Say what the invoice is for.")
        return cleaned


class RefundForm(forms.Form):
    amount = forms.DecimalField(required=False, max_digits=12)
    reason = forms.ChoiceField(label="Reason", choices=list(REFUND_REASONS.items()))

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        field = self.fields["amount"]
        field.label = f"Amount to refund ({currency.upper()})"
        field.help_text = "Leave empty to refund everything that is left."

    def clean_amount(self) -> int | None:
        amount = self.cleaned_data.get("amount")
        if amount is None:
            return None
        try:
            minor = to_minor_units(amount, self.currency)
        except ValueError:
            raise forms.ValidationError(
                f"Enter an amount with at most the decimals {self.currency.upper()} allows."
            ) from None
        if minor <= 0:
            raise forms.ValidationError("Enter an amount greater than zero.")
        return minor


class InvoiceFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Any status"),
        ("draft", "Draft"),
        ("open", "Open"),
        ("overdue", "Overdue"),
        ("paid", "Paid"),
        ("uncollectible", "Uncollectible"),
        ("void", "Void"),
    ]
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> InvoiceFilters:
        if not self.is_valid():
            return InvoiceFilters()
        data = self.cleaned_data
        status = data.get("status") or ""
        return InvoiceFilters(
            status="" if status == "overdue" else status,
            overdue=status == "overdue",
            customer_id=data.get("customer"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


def months_ago(today: date, months: int) -> date:
    """The first day of the month `months` before `today`'s."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


class RevenueRangeForm(forms.Form):
    """The dashboard's period, in whole months (default: the last 12, this one included)."""

    start = forms.DateField(
        label="From month",
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label="To month",
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.default_end = today.replace(day=1)
        self.default_start = months_ago(today, 11)

    def period(self) -> tuple[date, date]:
        if not self.is_valid():
            return self.default_start, self.default_end
        start = self.cleaned_data.get("start") or self.default_start
        end = self.cleaned_data.get("end") or self.default_end
        return (start, end) if start <= end else (end, start)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and (end.year - start.year) * 12 + end.month - start.month > 59:
            self.add_error("end", "Choose at most five years.")
        return cleaned


class StripeCheckForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m"], label="Month")
