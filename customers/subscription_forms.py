"""Forms of the subscription actions on Manage Customer."""

from django import forms

from customers.subscriptions import PAUSE_BEHAVIORS
from plans.models import Price


class PriceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Price) -> str:  # type: ignore[override]
        return f"{obj.plan.name} — {obj.get_interval_display()}"


class SwitchForm(forms.Form):
    price = PriceChoiceField(label="New plan", queryset=Price.objects.none())
    # Set by the preview step: the moment Stripe priced the proration.
    proration_date = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, prices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].queryset = prices  # type: ignore[attr-defined]


class PauseForm(forms.Form):
    behavior = forms.ChoiceField(
        label="While paused",
        choices=[(key, label.capitalize()) for key, label in PAUSE_BEHAVIORS.items()],
        widget=forms.RadioSelect,
        initial="keep_as_draft",
    )
    resumes_at = forms.DateField(
        label="Resume on (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class TrialForm(forms.Form):
    price = PriceChoiceField(label="Trial of", queryset=Price.objects.none())

    def __init__(self, *args, prices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].queryset = prices  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    prorate = forms.BooleanField(label="Credit the unused time", required=False)
    invoice_now = forms.BooleanField(label="Invoice now", required=False)
