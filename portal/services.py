"""The client portal: login codes, portal sessions, invitations and Billing Portal sessions.

Login codes: 6 digits from `secrets`, kept only as a keyed hash, valid 10 minutes, single use;
a new code voids the previous ones, 5 wrong tries burn a code, and at most 3 codes per email
and `PORTAL_LOGIN_CODES_PER_IP` per IP are issued in 15 minutes. Every step does the same
work whether or not the email belongs to a contact, so the answer tells an outsider nothing.
The request only opens a row; a worker makes the code, so it never waits in the broker.
"""

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from agencies.models import Agency
from agency_billing.emails import send_email
from agency_billing.errors import BillingError
from agency_billing.stripe_client import (
    account_options,
    stripe_client,
    stripe_errors_as_billing_errors,
)
from customers.models import Contact
from customers.selectors import contacts_for_email
from portal.models import LoginCode, PortalSession
from portal.tasks import issue_login_code

logger = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
CODE_MAX_WRONG_TRIES = 5
RATE_WINDOW = timedelta(minutes=15)
CODES_PER_EMAIL = 3


class LoginRateLimitedError(BillingError):
    def __init__(self) -> None:
        super().__init__(
            "Too many login codes were requested. Wait 15 minutes, or use the last code "
            "you received.",
            field="email",
        )


class LoginCodeInvalidError(BillingError):
    def __init__(self) -> None:
        super().__init__(
            "That code is wrong or has expired. Check the latest email, or request a new code.",
            field="code",
        )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _code_hash(email: str, code: str) -> str:
    return salted_hmac("portal.login_code", f"{email}:{code}", algorithm="sha256").hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_code_request(*, email: str, ip: str | None) -> None:
    """Open a login-code row for `email`; a worker makes the code and mails it if the email
    is a contact's. The task message carries only the row's id: no code ever waits in the
    broker.

    Requests for one email (and from one IP) are serialised by a transaction-scoped lock, so
    simultaneous requests count against the limits one after another and exactly one code
    stays live. Raises LoginRateLimitedError past the limits, for a contact's email and any
    other alike."""
    email = normalize_email(email)
    now = timezone.now()
    with transaction.atomic():
        _lock(f"portal-login-email:{email}")
        if ip:
            _lock(f"portal-login-ip:{ip}")
        recent = LoginCode.objects.filter(created_at__gte=now - RATE_WINDOW)
        if recent.filter(email=email).count() >= CODES_PER_EMAIL:
            raise LoginRateLimitedError()
        if ip and recent.filter(ip=ip).count() >= settings.PORTAL_LOGIN_CODES_PER_IP:
            raise LoginRateLimitedError()
        LoginCode.objects.filter(email=email, used_at=None, voided_at=None).update(voided_at=now)
        row = LoginCode.objects.create(
            email=email, code_hash="", ip=ip, created_at=now, expires_at=now + CODE_LIFETIME
        )
        # The worker finds out whether the email is a contact's and mails the code only
        # then: this request does the same work, and takes the same time, either way.
        transaction.on_commit(lambda: issue_login_code.delay(row.pk))


def _lock(name: str) -> None:
    """A PostgreSQL advisory lock on `name`, held until the transaction ends. Callers take
    the email's lock before the IP's, so two requests never wait on each other in a cycle."""
    if connection.vendor != "postgresql":  # SQLite (make dev) runs one writer at a time
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def login_code_issue(*, login_code_id: int) -> None:
    """Make the code of a login-code row (stored only as a hash) and email it if the row's
    email is a contact's (of any customer, any agency). A row a newer request voided, one
    that expired or was already issued (a redelivered task message) gets nothing: the
    client uses the newest code, or asks again."""
    with transaction.atomic():
        row = (
            LoginCode.objects.select_for_update()
            .filter(
                pk=login_code_id,
                code_hash="",
                used_at=None,
                voided_at=None,
                expires_at__gt=timezone.now(),
            )
            .first()
        )
        if row is None:
            return
        code = f"{secrets.randbelow(1_000_000):06d}"
        LoginCode.objects.filter(pk=row.pk).update(code_hash=_code_hash(row.email, code))
        contacts = list(contacts_for_email(row.email))
        if not contacts:
            return
        agencies = {contact.customer.agency for contact in contacts}
        send_email(
            # The address as the agency wrote it, in whatever case.
            to=contacts[0].email,
            template="portal_login_code",
            context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
            # One agency's client gets the agency's branding; a person billed by several
            # gets the product's.
            agency=agencies.pop() if len(agencies) == 1 else None,
        )


def login_code_verify(*, email: str, code: str) -> tuple[str, PortalSession]:
    """Exchange a right, live code for a new portal session: (cookie token, session).

    The code row is locked, so concurrent submissions of one code make one session; the rest
    (and any wrong, expired, used, voided or burnt code) get LoginCodeInvalidError."""
    email = normalize_email(email)
    now = timezone.now()
    with transaction.atomic():
        row = (
            LoginCode.objects.select_for_update()
            .filter(
                email=email,
                used_at=None,
                voided_at=None,
                expires_at__gt=now,
                failed_attempts__lt=CODE_MAX_WRONG_TRIES,
            )
            .order_by("-created_at")
            .first()
        )
        if row is None:
            raise LoginCodeInvalidError()
        right = constant_time_compare(row.code_hash, _code_hash(email, code))
        contacts = list(contacts_for_email(email))
        if not right or not contacts:
            LoginCode.objects.filter(pk=row.pk).update(failed_attempts=F("failed_attempts") + 1)
            session = None
        else:
            LoginCode.objects.filter(pk=row.pk).update(used_at=now)
            token = secrets.token_urlsafe(32)
            session = PortalSession.objects.create(
                token_hash=_token_hash(token),
                email=email,
                contact=contacts[0] if len(contacts) == 1 else None,
                login_code=row,
                expires_at=now + timedelta(days=settings.PORTAL_SESSION_DAYS),
            )
    if session is None:
        raise LoginCodeInvalidError()
    logger.info("portal session %s started", session.pk)
    return token, session


def portal_session_for_token(token: str) -> PortalSession | None:
    """The live session behind a cookie token, with its contact, customer and agency; None
    once it expired, or its contact was removed or now has another email."""
    if not token:
        return None
    session = (
        PortalSession.objects.select_related("contact__customer__agency")
        .defer("contact__customer__agency__logo")
        .filter(token_hash=_token_hash(token), expires_at__gt=timezone.now())
        .first()
    )
    if session is None:
        return None
    if session.contact is not None and normalize_email(session.contact.email) != session.email:
        session.delete()
        return None
    return session


def portal_session_choose(*, session: PortalSession, contact_id: int) -> Contact:
    """Act as another of the visitor's contacts. Raises Contact.DoesNotExist if `contact_id`
    is not a contact with the session's email."""
    contact = contacts_for_email(session.email).get(pk=contact_id)
    PortalSession.objects.filter(pk=session.pk).update(contact=contact)
    session.contact = contact
    return contact


def portal_session_end(*, session: PortalSession) -> None:
    session.delete()


def portal_records_purge() -> tuple[int, int]:
    """Delete login codes older than a day (the limits look back 15 minutes) and expired
    portal sessions; (codes, sessions) deleted. Run hourly by CELERY_BEAT_SCHEDULE."""
    now = timezone.now()
    codes, _ = LoginCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    sessions, _ = PortalSession.objects.filter(expires_at__lte=now).delete()
    return codes, sessions


def _portal_features(agency: Agency) -> Any:
    """The features of the agency's portal (the create and update params share this shape)."""
    return {
        "invoice_history": {"enabled": True},
        "payment_method_update": {"enabled": True},
        "subscription_cancel": {
            "enabled": agency.portal_allow_cancel,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
    }


def billing_portal_configuration_ensure(agency: Agency) -> str:
    """The agency's Billing Portal configuration id, created on its account on first use and
    kept in `Agency.billing_portal_configuration_id`."""
    if agency.billing_portal_configuration_id:
        return agency.billing_portal_configuration_id
    with transaction.atomic():
        locked = Agency.objects.select_for_update(no_key=True).get(pk=agency.pk)
        if not locked.billing_portal_configuration_id:
            with stripe_errors_as_billing_errors("set up the billing portal"):
                configuration = stripe_client().v1.billing_portal.configurations.create(
                    {
                        "business_profile": {"headline": f"{agency.name} billing"},
                        "default_return_url": settings.SITE_URL + reverse("portal_billing"),
                        "features": _portal_features(agency),
                        "metadata": {"agency_id": str(agency.pk)},
                    },
                    account_options(
                        agency.stripe_account_id or "",
                        idempotency_key=f"billing-portal-configuration-{agency.pk}",
                    ),
                )
            locked.billing_portal_configuration_id = configuration.id
            locked.save(update_fields=["billing_portal_configuration_id"])
    agency.billing_portal_configuration_id = locked.billing_portal_configuration_id
    return agency.billing_portal_configuration_id


def billing_portal_configuration_sync(agency: Agency) -> None:
    """Bring the agency's Billing Portal configuration in line with its settings (whether
    clients may cancel); call after `portal_allow_cancel` changes."""
    if not agency.billing_portal_configuration_id:
        return
    with stripe_errors_as_billing_errors("update the billing portal"):
        stripe_client().v1.billing_portal.configurations.update(
            agency.billing_portal_configuration_id,
            {"features": _portal_features(agency)},
            account_options(agency.stripe_account_id or ""),
        )


def billing_portal_session_create(
    *, session: PortalSession, contact: Contact, flow: str | None = None
) -> str:
    """A Stripe Billing Portal session for the contact's customer; its URL. `flow` =
    "payment_method_update" lands straight on the card form. Only billing contacts."""
    if not contact.can_pay:
        raise BillingError("Only billing contacts can manage payment methods.")
    customer = contact.customer
    agency = customer.agency
    if not (customer.stripe_customer_id and agency.stripe_account_id):
        raise BillingError("There is no card on file yet: the agency has not billed you.")
    return_url = settings.SITE_URL + reverse("portal_payment_methods")
    params: dict = {
        "customer": customer.stripe_customer_id,
        "configuration": billing_portal_configuration_ensure(agency),
        "return_url": return_url,
    }
    if flow == "payment_method_update":
        params["flow_data"] = {
            "type": "payment_method_update",
            "after_completion": {"type": "redirect", "redirect": {"return_url": return_url}},
        }
    # A double click within the minute reuses the first session.
    minute = int(timezone.now().timestamp() // 60)
    with stripe_errors_as_billing_errors("open the billing portal"):
        portal = stripe_client().v1.billing_portal.sessions.create(
            params,  # type: ignore[arg-type]
            account_options(
                agency.stripe_account_id,
                idempotency_key=f"billing-portal-{session.pk}-{contact.pk}-{flow}-{minute}",
            ),
        )
    return portal.url
