import os

from celery import Celery, signals
from celery.app.task import Task
from django.db import close_old_connections

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
