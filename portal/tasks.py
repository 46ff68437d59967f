"""Celery tasks: thin wrappers around portal.services."""

import logging

from celery import shared_task

from portal import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def purge_login_records() -> None:
    """Old login codes and expired portal sessions go; scheduled by CELERY_BEAT_SCHEDULE."""
    codes, sessions = services.portal_records_purge()
    logger.info("purged %d login codes and %d expired portal sessions", codes, sessions)
