"""Contacts on Manage Customer: add, edit, remove, and send a portal invitation."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from agencies.access import member_required
from agency_billing.errors import BillingError
from customers.forms import ContactForm
from customers.models import Contact
from customers.selectors import get_customer_for_member
from customers.services import (
    contact_create,
    contact_delete,
    contact_invite_send,
    contact_update,
)


def _get_contact_for_member(request: HttpRequest, customer_id: int, contact_id: int) -> Contact:
    customer = get_customer_for_member(request, customer_id)
    contact = get_object_or_404(customer.contacts, pk=contact_id)
    contact.customer = customer
    return contact


def _back(customer_id: int) -> HttpResponse:
    response = redirect("customer_manage", customer_id)
    response["Location"] += "#contacts"
    return response


@member_required
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_member(request, customer_id)
    form = ContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_create(customer=customer, **form.cleaned_data)
        except BillingError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{contact.email} was added as a {contact.role} contact.")
            return _back(customer.pk)
    return render(
        request, "customers/contact_form.html", {"form": form, "customer": customer, "new": True}
    )


@member_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_member(request, customer_id, contact_id)
    initial = {"name": contact.name, "email": contact.email, "role": contact.role}
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(contact=contact, **form.cleaned_data)
        except BillingError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{contact.email} was saved.")
            return _back(customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": contact.customer, "contact": contact},
    )


@member_required
@require_POST
def contact_remove(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_member(request, customer_id, contact_id)
    contact_delete(contact=contact)
    messages.success(request, f"{contact.email} was removed; their portal access ended.")
    return _back(customer_id)


@member_required
@require_POST
def contact_invite(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    contact = _get_contact_for_member(request, customer_id, contact_id)
    contact_invite_send(contact=contact)
    messages.success(request, f"A portal invitation was emailed to {contact.email}.")
    return _back(customer_id)
