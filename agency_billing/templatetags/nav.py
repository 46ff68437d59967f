from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def aria_current(context: template.Context, url_name: str, *, exact: bool = False) -> SafeString:
    """` aria-current="page"` on the link to the page being shown, ` aria-current="true"` on
    the link to the section it belongs to (Manage Customers while a customer is open)."""
    request = context.get("request")
    if request is None:
        return mark_safe("")  # noqa: S308 - a constant
    url = reverse(url_name)
    if request.path == url:
        return mark_safe(' aria-current="page"')  # noqa: S308 - a constant
    if not exact and url != "/" and request.path.startswith(url):
        return mark_safe(' aria-current="true"')  # noqa: S308 - a constant
    return mark_safe("")  # noqa: S308 - a constant
