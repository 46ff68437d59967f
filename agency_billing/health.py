"""/healthz/: whether this web process can do its job, for docker compose and load balancers.

200 when PostgreSQL answers a query and the Celery broker answers a ping; otherwise 503,
naming what is down (the error goes to the log, not to the anonymous caller).
"""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(state in ("ok", "not used") for state in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.error("Health check: the database is down: %s", error)
        return "down"
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "not used"  # make run: tasks run in the web process
    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as error:
        logger.error("Health check: the broker is down: %s", error)
        return "down"
    finally:
        client.close()
    return "ok"
