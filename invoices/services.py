"""Writes on invoices: a one-off invoice ("Charge for project"), void, mark uncollectible, and
refunds. Each writes our row first and derives its idempotency keys from it; a Stripe failure
becomes a BillingError and leaves nothing half-written on our side."""

import logging
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from agency_billing.emails import send_email
from agency_billing.errors import BillingError
from agency_billing.money import format_money
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from customers.models import Contact, Customer
from customers.services import billing_contacts_to_mail, customer_ensure_stripe
from invoices.models import Invoice, ProjectCharge, Refund
from invoices.sync import invoice_upsert, refund_upsert
from plans.models import Price
from plans.services import agency_check_can_bill

logger = logging.getLogger(__name__)

REFUND_REASONS = {
    "requested_by_customer": "Requested by the client",
    "duplicate": "Duplicate payment",
    "fraudulent": "Fraudulent",
}

FEE_RULE = (
    "The platform fee is {percent}% of the invoice's subtotal, in the currency's smallest unit "
    "(cents; whole yen), rounded half up."
)


def platform_fee(subtotal: int, percent: Decimal) -> int:
    """`percent`% of `subtotal` minor units, rounded half up to a whole minor unit:
    0.5% of 5,050 cents is 25.25 → 25; of 5,100 cents 25.5 → 26; of ¥50,000 → ¥250."""
    return int((Decimal(subtotal) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def project_charge_send(
    *,
    request_id: str,
    customer: Customer,
    description: str,
    amount: int | None,
    price: Price | None,
    days_until_due: int,
    created_by: AbstractBaseUser | None = None,
) -> ProjectCharge:
    """Send the customer a one-off invoice: invoice, item, finalize and send on the agency's
    account, with the platform fee as `application_fee_amount`. Stripe mails the invoice to
    the Stripe Customer's email only, so we email it (number, amount, due date, Pay link,
    PDF) to every other billing contact, once the row commits.

    `request_id` is the form's id for this request: posting it twice (a double click, a
    retry) returns the first request's charge, and Stripe sees the same idempotency keys, so
    one invoice is sent. The Stripe Customer is created on first use. If Stripe fails, our
    row is rolled back and the message says what to do."""
    agency = customer.agency
    agency_check_can_bill(agency)
    if price is not None:
        if price.plan.agency_id != agency.pk or price.interval != Price.Interval.ONE_TIME:
            raise BillingError("Choose one of your plans' one-time prices.", field="price")
        if not price.active or not price.stripe_price_id:
            raise BillingError("This price is no longer offered.", field="price")
        amount, currency = price.unit_amount, price.currency
    else:
        currency = agency.currency
    if not amount or amount <= 0:
        raise BillingError("Enter an amount greater than zero.", field="amount")
    existing = ProjectCharge.objects.filter(pk=request_id, customer=customer).first()
    if existing is not None:
        return existing
    contacts = billing_contacts_to_mail(customer)
    stripe_customer_id = customer_ensure_stripe(customer)
    try:
        with transaction.atomic():
            charge = ProjectCharge.objects.create(
                id=request_id,
                agency=agency,
                customer=customer,
                description=description,
                price=price,
                amount=amount,
                currency=currency,
                platform_fee=platform_fee(amount, agency.platform_fee_percent),
                days_until_due=days_until_due,
                created_by=created_by,
            )
            invoice = _send_on_stripe(charge, stripe_customer_id)
            charge.stripe_invoice_id = invoice["id"]
            charge.invoice = invoice_upsert(agency=agency, data=invoice, as_of=timezone.now())
            charge.save(update_fields=["stripe_invoice_id", "invoice"])
            _email_invoice(charge.invoice, contacts, mailed_by_stripe=invoice["customer_email"])
    except IntegrityError:
        # The same request, committed by a concurrent click a moment ago.
        return ProjectCharge.objects.get(pk=request_id, customer=customer)
    logger.info("Project charge %s sent as invoice %s", charge.pk, charge.stripe_invoice_id)
    return charge


def _send_on_stripe(charge: ProjectCharge, stripe_customer_id: str) -> dict:
    account = charge.agency.stripe_account_id or ""
    invoices = stripe_client().v1.invoices
    metadata = {
        "project_charge_id": str(charge.pk),
        "customer_id": str(charge.customer_id),
        "platform_fee": str(charge.platform_fee),
    }
    item: dict = {"customer": stripe_customer_id, "description": charge.description}
    if charge.price is not None:
        item["pricing"] = {"price": charge.price.stripe_price_id}
    else:
        item.update(amount=charge.amount, currency=charge.currency)
    with stripe_errors_as_billing_errors("send the invoice"):
        invoice = invoices.create(
            {
                "customer": stripe_customer_id,
                "currency": charge.currency,
                "collection_method": "send_invoice",
                "days_until_due": charge.days_until_due,
                "application_fee_amount": charge.platform_fee,
                "auto_advance": False,
                "description": charge.description,
                "metadata": metadata,
            },
            account_options(account, idempotency_key=charge.idempotency_key("invoice")),
        )
        stripe_client().v1.invoice_items.create(
            {**item, "invoice": invoice.id, "metadata": metadata},  # type: ignore[typeddict-item]
            account_options(account, idempotency_key=charge.idempotency_key("item")),
        )
        invoices.finalize_invoice(
            invoice.id,
            options=account_options(account, idempotency_key=charge.idempotency_key("finalize")),
        )
        sent = invoices.send_invoice(
            invoice.id,
            options=account_options(account, idempotency_key=charge.idempotency_key("send")),
        )
    return sent.to_dict()


def _email_invoice(
    invoice: Invoice | None, contacts: list[Contact], *, mailed_by_stripe: str | None
) -> None:
    """The invoice email, in the agency's name, to each billing contact Stripe didn't mail
    (Stripe sends the invoice to its customer email alone)."""
    if invoice is None:  # the mirror row is made from Stripe's answer just above
        logger.error("invoice email not sent: no invoice row")
        return
    for contact in contacts:
        if contact.email.lower() == (mailed_by_stripe or "").lower():
            continue
        send_email(
            to=contact.email,
            template="invoice",
            agency=invoice.agency,
            context={"invoice": invoice, "customer": invoice.customer, "contact": contact},
        )


def _invoice_action(invoice: Invoice, action: str, allowed: tuple[str, ...], label: str) -> Invoice:
    if invoice.status not in allowed:
        raise BillingError(
            f"Only an open invoice can be {label}; this one is {invoice.get_status_display()}."
        )
    agency = invoice.agency
    if not agency.stripe_account_id:
        raise BillingError("Connect Stripe to change invoices.")
    method = getattr(stripe_client().v1.invoices, action)
    with stripe_errors_as_billing_errors(f"mark the invoice {label}"):
        data = method(invoice.stripe_id, options=account_options(agency.stripe_account_id))
    return invoice_upsert(agency=agency, data=data.to_dict(), as_of=timezone.now()) or invoice


def invoice_void(*, invoice: Invoice) -> Invoice:
    """Void an open invoice at Stripe: the client can no longer pay it."""
    return _invoice_action(invoice, "void_invoice", (Invoice.Status.OPEN,), "voided")


def invoice_mark_uncollectible(*, invoice: Invoice) -> Invoice:
    """Mark an open invoice uncollectible: written off, though the client may still pay."""
    return _invoice_action(
        invoice, "mark_uncollectible", (Invoice.Status.OPEN,), "marked uncollectible"
    )


def refund_create(
    *,
    invoice: Invoice,
    amount: int | None,
    reason: str,
    requested_by: AbstractBaseUser | None = None,
) -> Refund:
    """Refund `amount` (None: all that is left) of a paid invoice's card payment.

    The invoice row is locked while we check and write, so concurrent clicks queue up and the
    refunds never add up to more than was paid; our refund row (pending) is written before the
    Stripe call and its id is the idempotency key."""
    if reason not in REFUND_REASONS:
        raise BillingError("Choose a reason for the refund.", field="reason")
    with transaction.atomic():
        # NO KEY and the invoice alone: a webhook mirroring this invoice's refunds meanwhile
        # must still pass its foreign key checks on the invoice and the agency at commit.
        locked = (
            Invoice.objects.select_for_update(no_key=True, of=("self",))
            .select_related("agency")
            .get(pk=invoice.pk)
        )
        left = _refundable(locked)
        if left <= 0:
            raise BillingError("Nothing is left to refund on this invoice.")
        amount = left if amount is None else amount
        if amount <= 0:
            raise BillingError("Enter an amount greater than zero.", field="amount")
        if amount > left:
            raise BillingError(
                f"At most {format_money(left, locked.currency)} can still be refunded.",
                field="amount",
            )
        refund = Refund.objects.create(
            agency=locked.agency,
            customer_id=locked.customer_id,
            invoice=locked,
            stripe_charge_id=locked.stripe_charge_id,
            amount=amount,
            currency=locked.currency,
            reason=reason,
            status=Refund.Status.PENDING,
            requested_by=requested_by,
            stripe_created=timezone.now(),
        )
        with stripe_errors_as_billing_errors("refund the payment"):
            created = stripe_client().v1.refunds.create(
                {
                    "charge": locked.stripe_charge_id,
                    "amount": amount,
                    "reason": reason,  # type: ignore[typeddict-item]
                    "metadata": {"refund_id": str(refund.pk), "invoice_id": str(locked.pk)},
                },
                account_options(
                    locked.agency.stripe_account_id or "", idempotency_key=refund.idempotency_key
                ),
            )
        refund = refund_upsert(agency=locked.agency, data=created.to_dict(), as_of=timezone.now())
    assert refund is not None
    logger.info("Refund %s of invoice %s: %s", refund.stripe_id, invoice.stripe_id, amount)
    return refund


def _refundable(invoice: Invoice) -> int:
    """What is left to refund: paid, less every refund not failed or canceled (ours still
    pending included), and less what Stripe says is refunded already."""
    if invoice.status != Invoice.Status.PAID or not invoice.stripe_charge_id:
        return 0
    counted = invoice.refunds.exclude(
        status__in=[Refund.Status.FAILED, Refund.Status.CANCELED]
    ).aggregate(total=Sum("amount", default=0))["total"]
    return invoice.amount_paid - max(counted, invoice.amount_refunded)
