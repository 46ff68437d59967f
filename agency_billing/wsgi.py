import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency_billing.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the process.
# Frozen, the garbage collector stops walking it: a full collection otherwise paused every
# thread of a gunicorn worker for about 100 ms, about every thousand requests under webhook load
# (benchmarks/README.md: intake p99 at 250 events/s).
gc.collect()
gc.freeze()
