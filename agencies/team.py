"""The agency's team: the owner invites admins by email, they accept by making their
account, and the owner removes them. Only the owner manages the team."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, Invitation, Membership
from agency_billing.emails import send_email
from agency_billing.errors import BillingError

logger = logging.getLogger(__name__)


def team_invite(*, agency: Agency, email: str, invited_by) -> Invitation:
    """Invite `email` as an admin and email the accept link (once the row commits). Refuses
    an email that already has an account (one agency per person) or an open invitation."""
    email = email.strip().lower()
    if get_user_model().objects.filter(username__iexact=email).exists():
        raise BillingError("This person already has an account.", field="email")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                agency=agency, email=email, invited_by=invited_by
            )
            send_email(
                to=email,
                template="team_invite",
                agency=agency,
                reply_to=invited_by.email,
                context={
                    "invitation": invitation,
                    "invited_by": invited_by,
                    "accept_url": invitation_url(invitation),
                },
            )
    except IntegrityError:
        raise BillingError("This person is already invited.", field="email") from None
    logger.info("Invitation %s sent for agency %s", invitation.pk, agency.pk)
    return invitation


def invitation_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}{reverse('invitation_accept', args=[invitation.token])}"


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str) -> Membership:
    """Create the invited person's account and admin membership; the invitation is used up."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise BillingError("This invitation was already used. Log in instead.")
    user = get_user_model().objects.create_user(
        username=locked.email, email=locked.email, password=password
    )
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    return Membership.objects.create(user=user, agency=locked.agency, role=Membership.Role.ADMIN)


@transaction.atomic
def team_member_remove(*, membership: Membership) -> None:
    """Remove an admin: their account goes with their membership, so they can no longer log
    in. The owner cannot be removed."""
    if membership.is_owner:
        raise BillingError("The owner cannot be removed.")
    user = membership.user
    membership.delete()
    user.delete()


def invitation_revoke(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at=None).delete()
