"""The sandbox outbox: an email backend that keeps every message the product sends, so a new
user reads login codes, invitations and links at /sandbox/outbox/ without a mail server."""

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from stripe_sandbox.models import OutboxEmail


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            OutboxEmail.objects.create(
                from_email=message.from_email,
                to=list(message.recipients()),
                subject=message.subject,
                text=message.body,
                html=_html_part(message),
            )
        return len(email_messages)


def _html_part(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                return str(content)
    return ""
