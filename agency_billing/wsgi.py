import gc
import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agency_billing.settings")
application = get_wsgi_application()

# Import the URLconf, and with it every view, now rather than in the first request each
# gunicorn worker serves (about 300 ms of that request's time otherwise).
import_module(settings.ROOT_URLCONF)
# Everything loaded so far lives as long as the process. Frozen, the garbage collector stops
# walking it: a full collection otherwise paused all of a gunicorn worker's threads for about
# 100 ms every thousand or so requests under webhook load (benchmarks/README.md).
gc.collect()
gc.freeze()
