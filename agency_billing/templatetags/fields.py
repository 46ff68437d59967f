"""Form widgets that keep what the person typed, so the server can say what is wrong.

A `maxlength` attribute makes the browser cut a long value silently (a 120-character name
saved as 99), and a number input throws away "abc" before it is sent. Our fields render as
text inputs without either: the limit moves to `data-maxlength` (static/app.js counts
against it while typing) and the server's message by the field says what to fix."""

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def keeping_input(bound_field: forms.BoundField) -> SafeString:
    widget = bound_field.field.widget
    attrs: dict[str, object] = {}
    if widget.attrs.get("maxlength"):
        attrs = {"maxlength": False, "data-maxlength": widget.attrs["maxlength"]}
    if isinstance(widget, forms.NumberInput):
        # DecimalField and FloatField are IntegerField subclasses.
        whole = not isinstance(bound_field.field, forms.DecimalField | forms.FloatField)
        text = forms.TextInput(attrs={**widget.attrs, "min": False, "max": False, "step": False})
        attrs["inputmode"] = "numeric" if whole else "decimal"
        return bound_field.as_widget(widget=text, attrs=attrs)
    return bound_field.as_widget(attrs=attrs)
