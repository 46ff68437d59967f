"""Celery tasks: thin wrappers around portal.services."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def purge_login_records() -> None:
    """Old login codes and expired portal sessions go; scheduled by CELERY_BEAT_SCHEDULE."""
    from portal import services  # services enqueue these tasks: import it when run

    codes, sessions = services.portal_records_purge()
    logger.info("purged %d login codes and %d expired portal sessions", codes, sessions)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def send_login_code(email: str, code: str) -> None:
    """Mail a login code if the email is a contact's. The code travels in the task message
    for the moment it waits in the broker; it is only ever stored as a hash."""
    from portal import services

    services.login_code_send(email=email, code=code)
