"""The client portal's own rows: one-time login codes and portal sessions.

Neither touches django.contrib.auth: a portal user is a `Contact`, never a staff `User`, so a
portal session can never open a staff page and a staff login never opens the portal.
"""

from django.db import models

from customers.models import Contact


class LoginCode(models.Model):
    """A 6-digit code sent to `email`, stored as a keyed hash. A row is written for every
    request, whether or not the email is a contact, so that the rate limits and the answer
    are the same for both."""

    email = models.EmailField()  # lower-cased
    code_hash = models.CharField(max_length=64)  # "" until the worker makes the code
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["email", "created_at"]),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"code for {self.email} at {self.created_at:%Y-%m-%d %H:%M}"


class PortalSession(models.Model):
    """A signed-in portal visitor. The cookie holds a random token; we keep its hash.

    `contact` is the customer's contact the visitor acts as (None while a person who is a
    contact of several customers is still choosing). Removing that contact deletes the
    session, so it ends at the visitor's next request."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()  # lower-cased, the address the code was sent to
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="portal_sessions"
    )
    login_code = models.OneToOneField(
        LoginCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="session"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"portal session of {self.email}"
