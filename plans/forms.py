from decimal import Decimal

from django import forms

from agency_billing.money import (
    MAXIMUM_AMOUNT,
    MINIMUM_CHARGE,
    amount_example,
    maximum_amount_text,
    minimum_charge_text,
    minor_unit_factor,
    to_minor_units,
)
from plans.models import Plan, Price


class AmountField(forms.DecimalField):
    """Money typed in major units (2500.00) and cleaned to integer minor units."""

    def __init__(self, *, currency: str, **kwargs) -> None:
        self.currency = currency
        super().__init__(required=False, min_value=None, max_digits=12, **kwargs)

    def clean(self, value):
        amount: Decimal | None = super().clean(value)
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
        if minor < MINIMUM_CHARGE.get(self.currency, 50):
            raise forms.ValidationError(
                f"Stripe's minimum charge is {minimum_charge_text(self.currency)}."
            )
        if minor > MAXIMUM_AMOUNT:
            raise forms.ValidationError(
                f"Stripe accepts prices up to {maximum_amount_text(self.currency)}."
            )
        return minor


AMOUNT_FIELD = {
    Price.Interval.MONTH: "monthly_amount",
    Price.Interval.YEAR: "yearly_amount",
    Price.Interval.ONE_TIME: "one_time_amount",
}


def plan_form_initial(plan: Plan) -> dict:
    """The edit form's starting values: the plan and the amounts of its active prices."""
    initial: dict = {
        "name": plan.name,
        "description": plan.description,
        "trial_days": plan.trial_days,
    }
    for price in plan.prices.filter(active=True):
        factor = minor_unit_factor(price.currency)
        amount = Decimal(price.unit_amount) / factor
        initial[AMOUNT_FIELD[price.interval]] = amount.quantize(Decimal(1) / factor)
    return initial


class PlanForm(forms.Form):
    name = forms.CharField(
        label="Plan name",
        max_length=99,
        error_messages={"max_length": "Keep the plan name under 100 characters."},
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=499,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Keep the description under 500 characters."},
        help_text="Shown to your client on the Stripe checkout page and invoices.",
    )
    trial_days = forms.IntegerField(
        label="Free trial (days)",
        required=False,
        min_value=0,
        max_value=730,
        help_text="Leave empty or 0 for no trial.",
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency = currency
        code = currency.upper()
        self.fields["monthly_amount"] = AmountField(
            currency=currency,
            label=f"Monthly price ({code})",
            help_text=f"e.g. {amount_example(currency)}",
        )
        self.fields["yearly_amount"] = AmountField(
            currency=currency,
            label=f"Yearly price ({code})",
            help_text=f"e.g. {amount_example(currency, yearly=True)}",
        )
        self.fields["one_time_amount"] = AmountField(
            currency=currency,
            label=f"One-time price ({code})",
            help_text="Optional: a fixed amount for one-off invoices (e.g. a setup fee).",
        )
        self.order_fields(
            ["name", "description", "monthly_amount", "yearly_amount", "one_time_amount"]
            + ["trial_days"]
        )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        no_amount_errors = not ({"monthly_amount", "yearly_amount"} & set(self.errors))
        recurring = cleaned.get("monthly_amount") or cleaned.get("yearly_amount")
        if no_amount_errors and not (recurring or cleaned.get("one_time_amount")):
            self.add_error(
                "monthly_amount", "Give the plan a monthly price, a yearly price, or both."
            )
        cleaned["trial_days"] = cleaned.get("trial_days") or 0
        return cleaned
