"""Outgoing mail: the one function every app sends email through.

Each email is three templates under templates/emails/<name>/: subject.txt, body.txt and
body.html (which extends emails/base.html). Where the mail goes is Django's EMAIL_BACKEND:
SMTP from EMAIL_URL in production, the sandbox outbox (/sandbox/outbox/) in sandbox mode, so
no caller knows or cares whether a real mail server exists.
"""

import logging
from collections.abc import Iterable
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

if TYPE_CHECKING:
    from agencies.models import Agency

logger = logging.getLogger(__name__)


def send_email(
    *,
    to: str | Iterable[str],
    template: str,
    context: dict[str, Any],
    agency: "Agency | None" = None,
    reply_to: str | None = None,
) -> EmailMultiAlternatives:
    """Render `template` now and send it once the surrounding transaction commits (at once
    outside a transaction), so a rolled-back action never mails anybody.

    Mail sent for an agency carries the agency's name as the sender's display name. A failure
    of the mail server is logged, never raised: the action that sent the email has already
    happened. Returns the message, for callers that want to show what was sent.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    context = {"agency": agency, "site_url": settings.SITE_URL, **context}
    # Dates in the mail read in the agency's time zone.
    with timezone.override(agency.zone if agency else None):
        subject = " ".join(_render_text(f"emails/{template}/subject.txt", context).split())
        body = _render_text(f"emails/{template}/body.txt", context)
        html = render_to_string(f"emails/{template}/body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=_sender(agency),
        to=recipients,
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach_alternative(html, "text/html")
    transaction.on_commit(lambda: _deliver(message, template))
    return message


def _render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template, not HTML-escaped: "Harbour & Pine", not "Harbour &amp; Pine"."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def _sender(agency: "Agency | None") -> str:
    if agency is None:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((agency.name, settings.DEFAULT_FROM_EMAIL))


def _deliver(message: EmailMultiAlternatives, template: str) -> None:
    try:
        message.send()
    except Exception:
        logger.exception("email %s to %d recipient(s) was not sent", template, len(message.to))
