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
def issue_login_code(login_code_id: int) -> None:
    """Make a login code and mail it if the email is a contact's. The message carries only
    the row's id: the code is made here, kept as a hash, and sent only in the email."""
    from portal import services

    services.login_code_issue(login_code_id=login_code_id)
