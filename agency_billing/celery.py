import os

from celery import Celery, signals
from celery.app.task import Task
from django.conf import settings
from django.db import close_old_connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency_billing.settings")

app = Celery("agency_billing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(task: Task, **kwargs: object) -> None:
    """A worker keeps its database connection across tasks (CELERY_DB_REUSE_MAX): close it,
    as Django does around each request, once it is unusable or older than CONN_MAX_AGE. An
    eager task runs inside the caller's request and transaction: leave those alone."""
    if not task.request.is_eager:
        close_old_connections()


@signals.worker_init.connect
def _worker_commit_mode(**kwargs: object) -> None:
    """Worker processes (a prefork pool forks them after this) open their connections with
    DATABASE_WORKER_SYNCHRONOUS_COMMIT; web processes keep PostgreSQL's default."""
    if settings.DATABASE_WORKER_SYNCHRONOUS_COMMIT != "on":
        connection_created.connect(_set_synchronous_commit)


def _set_synchronous_commit(connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('synchronous_commit', %s, false)",
                [settings.DATABASE_WORKER_SYNCHRONOUS_COMMIT],
            )
