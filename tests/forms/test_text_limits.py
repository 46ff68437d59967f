"""Every text field of every form we serve keeps the length its column holds.

The fields are discovered from the page as a browser sees it (each text input and textarea
with its `maxlength`), so a field added to a listed form is covered without touching this
file. `test_every_form_of_ours_is_listed` fails when a new form class appears in one of our
apps and is not in FORM_PAGES below: add it (or say why it is exempt).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse

from agencies.forms import InviteForm, SignupForm
from agencies.models import Agency, Invitation
from customers.forms import ContactForm, CustomerForm
from customers.models import Contact, Customer
from plans.forms import PlanForm
from plans.models import Plan
from portal.forms import EmailForm
from portal.models import LoginCode
from tests.conftest import client_for
from tests.factories import CustomerFactory

TEXT_INPUT_TYPES = {"text", "email", "password", "search", "tel", "url"}
_serial = itertools.count()


@dataclass(frozen=True)
class FormPage:
    """A page with a form: how to reach it and what a valid submission looks like."""

    form: type[forms.Form]
    url_name: str
    # "anonymous", or "owner" for a signed-in owner of an agency connected to Stripe.
    visitor: str
    # Valid data; called with a fresh number so unique fields (emails) never clash.
    data: Callable[[int], dict[str, str]]
    # A successful post adds a row of this model, read back by the newest pk.
    model: type[models.Model]
    # Form field -> the column it is stored in, where the names differ; None: no column.
    columns: dict[str, str | None] = field(default_factory=dict)
    # The URL's arguments, made for the owner's agency (a page under one of its rows).
    url_args: Callable[[Agency], list] | None = None

    def url(self, agency: Agency) -> str:
        return reverse(self.url_name, args=self.url_args(agency) if self.url_args else None)


FORM_PAGES = [
    FormPage(
        form=SignupForm,
        url_name="signup",
        visitor="anonymous",
        data=lambda n: {
            "agency_name": f"Agency {n}",
            "email": f"owner{n}@example.com",
            "password": "a long enough passphrase",
            "currency": "usd",
        },
        model=get_user_model(),
        # The email becomes the username (the login), the agency name the agency's name.
        columns={"email": "username", "agency_name": None, "password": None},
    ),
    FormPage(
        form=CustomerForm,
        url_name="customer_create",
        visitor="owner",
        data=lambda n: {"name": f"Client {n}", "email": f"client{n}@example.com"},
        model=Customer,
    ),
    FormPage(
        form=PlanForm,
        url_name="plan_new",
        visitor="owner",
        data=lambda n: {"name": f"Plan {n}", "monthly_amount": "2500.00"},
        model=Plan,
    ),
    FormPage(
        form=ContactForm,
        url_name="contact_add",
        visitor="owner",
        data=lambda n: {
            "name": f"Contact {n}",
            "email": f"contact{n}@example.com",
            "role": "billing",
        },
        model=Contact,
        url_args=lambda agency: [CustomerFactory(agency=agency).pk],
    ),
    FormPage(
        form=InviteForm,
        url_name="team",
        visitor="owner",
        data=lambda n: {"email": f"admin{n}@example.com"},
        model=Invitation,
    ),
    FormPage(
        form=EmailForm,
        url_name="portal_login",
        visitor="anonymous",
        data=lambda n: {"email": f"client{n}@example.com"},
        # A code is issued (and its row written) whether or not the email is a contact's.
        model=LoginCode,
    ),
]

# Forms of ours this test does not post, and why.
EXEMPT_FORMS = {
    # Saves nothing; tests/agencies/test_login_limits.py posts a name far over its limit.
    "agencies.forms.StaffLoginForm",
    # The sandbox's hosted onboarding and card pages stand in for Stripe's own pages.
    "stripe_sandbox.forms.OnboardingForm",
    "stripe_sandbox.forms.CardForm",
    "stripe_sandbox.forms.PortalCardForm",
    "stripe_sandbox.forms.AddressForm",
    # Its only text field is the 6-digit code (a hidden field carries the email); a valid
    # post needs the emailed code: tests/portal/test_login.py covers what it accepts.
    "portal.forms.CodeForm",
    # Manage Customers' search and filters: a GET form that stores nothing (its search box
    # keeps to the name column's 200 all the same).
    "customers.forms.CustomerFilterForm",
    # Its one text field is the new password (no column of ours; Django's validators check
    # it): tests/agencies/test_team.py covers what it accepts.
    "agencies.forms.AcceptInvitationForm",
    # Its page is per customer; tests/invoices/test_project_charge.py posts the longest
    # description and one more.
    "invoices.forms.ProjectChargeForm",
    # No text field: an amount (a number input) and a reason chosen from a list.
    "invoices.forms.RefundForm",
    # No text field: Cancel now's two checkboxes (credit the unused time, invoice now).
    "customers.subscription_forms.CancelForm",
    # A GET filter of the Invoices page: saves nothing.
    "invoices.forms.InvoiceFilterForm",
    # The revenue dashboard's period and its Check against Stripe month: month inputs that
    # save nothing.
    "invoices.forms.RevenueRangeForm",
    "invoices.forms.StripeCheckForm",
    # Saves nothing: Django answers the same for any email; the email is at most 254.
    "agencies.forms.StaffPasswordResetForm",
    # Changes the agency's row instead of adding one: tests/agencies/test_settings.py posts
    # the longest name and one more.
    "agencies.forms.AgencySettingsForm",
    # Subscription actions have no text inputs (a price choice, a date, a hidden number).
    "customers.subscription_forms.SwitchForm",
    "customers.subscription_forms.PauseForm",
    "customers.subscription_forms.TrialForm",
}


class _TextFields(HTMLParser):
    """Names and maxlength of the text inputs and textareas of a page's forms."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        kind = attributes.get("type") or "text"
        # Numbers render as text inputs with an inputmode; their limits are values, not lengths.
        number = attributes.get("inputmode") in {"numeric", "decimal"}
        if tag == "textarea" or (tag == "input" and kind in TEXT_INPUT_TYPES and not number):
            self.fields[attributes["name"] or ""] = attributes


def text_fields(html: str) -> dict[str, int | None]:
    parser = _TextFields()
    parser.feed(html)
    return {
        # Our fields carry their limit as data-maxlength (no browser truncation).
        name: int(limit)
        if (limit := attributes.get("data-maxlength") or attributes.get("maxlength"))
        else None
        for name, attributes in parser.fields.items()
    }


def value_of_length(name: str, data: dict[str, str], length: int) -> str:
    """A valid value of exactly `length` characters for the field `name` (an email address
    where the valid data has one)."""
    if "@" not in data.get(name, ""):
        return ("Longest" * length)[:length]
    local = f"x{next(_serial)}".ljust(min(64, length - 6), "x")  # RFC 5321: 64 at most
    # Labels of at most 63 characters between dots, then ".com".
    body = (("d" * 62 + ".") * length)[: length - len(local) - 1 - len(".com")]
    if body.endswith("."):
        body = body[:-2] + ".d"
    return f"{local}@{body}.com"


@pytest.fixture
def visitors(owner, connected_agency) -> dict[str, Callable[[], Client]]:
    return {"anonymous": Client, "owner": lambda: client_for(owner)}


def _column_length(page: FormPage, name: str) -> int | None:
    column = page.columns.get(name, name)
    if column is None:
        return None
    return page.model._meta.get_field(column).max_length  # type: ignore[union-attr]


@pytest.mark.parametrize("page", FORM_PAGES, ids=lambda page: page.url_name)
def test_the_longest_allowed_value_is_saved_and_one_more_is_refused_by_the_field(
    page, visitors, connected_agency
):
    visitor = visitors[page.visitor]
    fields = text_fields(visitor().get(page.url(connected_agency)).content.decode())
    assert fields, "the page shows no text field"

    for name, limit in fields.items():
        assert limit is not None, f"{name}: a text field without a length limit"
        data = page.data(next(_serial))
        data[name] = value_of_length(name, data, limit)
        before = page.model._default_manager.count()
        response = visitor().post(page.url(connected_agency), data)
        assert response.status_code == 302, f"{name}: the longest allowed value was refused"
        assert page.model._default_manager.count() == before + 1, name

        data = page.data(next(_serial))
        data[name] = value_of_length(name, data, limit + 1)
        response = visitor().post(page.url(connected_agency), data)
        assert response.status_code == 200, (
            f"{name}: {limit + 1} characters answered {response.status_code}"
        )
        assert f'id="id_{name}_error"' in response.content.decode(), (
            f"{name}: no message by the field"
        )
        assert page.model._default_manager.count() == before + 1, f"{name}: saved although too long"

        assert limit == (_column_length(page, name) or limit), f"{name}: form and column differ"


def _form_classes(base: type) -> set[type]:
    found = set()
    for subclass in base.__subclasses__():
        found |= {subclass} | _form_classes(subclass)
    return found


def test_every_form_of_ours_is_listed():
    get_resolver().resolve("/")  # loads the URLconf: every view, and so every form it uses
    ours = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).parent == settings.BASE_DIR
    }
    forms_of_ours = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in _form_classes(forms.BaseForm)
        if cls.__module__.split(".")[0] in ours
    }
    listed = {f"{page.form.__module__}.{page.form.__qualname__}" for page in FORM_PAGES}

    assert forms_of_ours - listed - EXEMPT_FORMS == set(), (
        "add these forms to FORM_PAGES in tests/forms/test_text_limits.py"
    )
