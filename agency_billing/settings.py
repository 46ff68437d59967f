"""Settings for Agency Billing, all read from the environment (or a .env file) by django-environ.

Every knob is listed, with a comment, in .env.example.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # real environment variables win over the file

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_ratelimit",
    "csp",
    "agency_billing",
    "agencies",
    "plans",
    "customers",
    "checkout",
    "invoices",
    "portal",
    "webhooks",
    "stripe_sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "agency_billing.urls"
WSGI_APPLICATION = "agency_billing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agencies.context_processors.current_agency",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL binds the parameters (psycopg does not quote them into the SQL), and a
    # statement run DATABASE_PREPARE_THRESHOLD times on a connection is prepared there, parsed
    # and planned once: per webhook event, about a third less PostgreSQL CPU and a tenth less
    # worker CPU (benchmarks/README.md). 0 turns preparing off, as a transaction-pooling
    # PgBouncer older than 1.21 needs. Django's one known gap with server-side binding (#34255):
    # a parameter inside an expression both selected and grouped by is two parameters.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None,
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run: the web thread and the sandbox's webhook deliveries write concurrently.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # a reset link works for three hours

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline code; a logo may be an https image. Forms may post to Stripe's hosted pages, which
# a POST redirects to (onboarding, Checkout, the Billing Portal).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://*.stripe.com"],
    }
}

# --- Security ----------------------------------------------------------------------------
# Behind HTTPS (production) by default; DJANGO_DEBUG=true (make run) turns each default off.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # health checks ask over plain HTTP inside the host
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Proxies in front of the app that append the client's address to X-Forwarded-For and set
# X-Forwarded-Proto: 0 means visitors connect to the app directly.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A session ends after this long without a request; each request starts the time again.
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=8 * 3600)
SESSION_COOKIE_AGE = STAFF_SESSION_IDLE_SECONDS
SESSION_SAVE_EVERY_REQUEST = True

# Login guessing (django-axes; agency_billing/rate_limits.py says how it works).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
STAFF_LOGIN_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
STAFF_LOGIN_LOCKOUT_MINUTES = env.int("STAFF_LOGIN_LOCKOUT_MINUTES", default=30)
AXES_FAILURE_LIMIT = STAFF_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=STAFF_LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account, per IP
AXES_USERNAME_CALLABLE = "agency_billing.rate_limits.login_username"
AXES_CLIENT_IP_CALLABLE = "agency_billing.rate_limits.client_ip"
AXES_LOCKOUT_CALLABLE = "agency_billing.rate_limits.staff_login_locked"

# Anonymous forms (django-ratelimit, `@rate_limit(group)`): POSTs per visitor address.
RATE_LIMITS = {
    "signup": env("SIGNUP_RATE_LIMIT", default="10/h"),
    # opens of one evergreen pay link (/pay/<token>/), whoever opens it
    "pay_link": env("PAY_LINK_RATE_LIMIT", default="30/h"),
    # portal login code entries from one address (each code also burns after 5 wrong tries)
    "portal_code": env("PORTAL_CODE_RATE_LIMIT", default="30/15m"),
    "password_reset": env("PASSWORD_RESET_RATE_LIMIT", default="5/h"),
}
RATELIMIT_IP_META_KEY = "agency_billing.rate_limits.client_ip"
# Rate-limit counters live in the cache. In memory by default, which counts per process:
# right for make run and a single gunicorn worker; several web processes need Redis
# (CACHE_URL, as docker compose sets).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
SILENCED_SYSTEM_CHECKS = [
    # django-ratelimit names only django-redis; Django's own Redis cache increments atomically.
    "django_ratelimit.W001",
]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")  # one process, as said above
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run: SQLite has no covering indexes (INCLUDE). The only index with one, the GiST
    # index on RevenueToDate, is PostgreSQL's and is not made there (invoices migration 0007).
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- Client portal -----------------------------------------------------------------------
# Days a portal login lasts; login codes a single IP may request per 15 minutes.
PORTAL_SESSION_DAYS = env.int("PORTAL_SESSION_DAYS", default=14)
PORTAL_LOGIN_CODES_PER_IP = env.int("PORTAL_LOGIN_CODES_PER_IP", default=20)

# --- Stripe ------------------------------------------------------------------------------
# sandbox: the offline Stripe in stripe_sandbox/; test or live: Stripe itself.
STRIPE_MODE = env("STRIPE_MODE", default="sandbox")
if STRIPE_MODE not in {"sandbox", "test", "live"}:
    raise environ.ImproperlyConfigured("STRIPE_MODE must be sandbox, test or live")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_sandbox")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_AUTOMATIC_TAX = env.bool("STRIPE_AUTOMATIC_TAX", default=False)
PLATFORM_FEE_PERCENT = Decimal(env("PLATFORM_FEE_PERCENT", default="0.5"))
CHECKOUT_LINK_LIFETIME_HOURS = 24

# --- Email -------------------------------------------------------------------------------
# Every email goes through agency_billing.emails.send_email. With EMAIL_URL (smtp://…) it is
# mailed; without it, sandbox mode keeps it in the sandbox outbox (/sandbox/outbox/) and the
# other modes write it to the console.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
elif STRIPE_MODE == "sandbox":
    EMAIL_BACKEND = "stripe_sandbox.outbox.OutboxBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="billing@agency-billing.local")

# Where the sandbox sends its signed webhooks: "http" posts to SANDBOX_WEBHOOK_BASE_URL
# (make run), "test_client" goes through Django's test client (tests), "off" keeps them.
SANDBOX_WEBHOOK_DELIVERY = env("SANDBOX_WEBHOOK_DELIVERY", default="http")
SANDBOX_WEBHOOK_BASE_URL = env("SANDBOX_WEBHOOK_BASE_URL", default=SITE_URL)

# --- Celery ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# Tasks a worker runs on one database connection before Celery closes it (0: a new
# connection for every task, Celery's default, about 23 % of a webhook task's time).
# Meanwhile agency_billing.celery closes it, as Django does between requests, once it is
# older than DATABASE_CONN_MAX_AGE or after an error.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# PostgreSQL's synchronous_commit for the worker's connections. "off": a worker's commit
# does not wait for the disk, so a PostgreSQL crash may lose the last fraction of a second of
# processing outcomes; those events are still stored as pending and the sweeper processes
# them again (upserts are idempotent and ordered). Intake always commits synchronously: a
# 2xx means the event is on disk. "on" makes the worker wait for the disk too.
DATABASE_WORKER_SYNCHRONOUS_COMMIT = env("DATABASE_WORKER_SYNCHRONOUS_COMMIT", default="off")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Periodic tasks (run by `celery beat`, or `worker --beat`): re-enqueue webhook events still
# pending or failed, so the broker is never the only copy of work to do. Every sweep enqueues
# at once the events whose enqueue failed (broker down), and those still waiting
# WEBHOOK_STALE_AFTER_SECONDS after they arrived (a task lost with its worker or broker).
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.int("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=60)
WEBHOOK_STALE_AFTER_SECONDS = env.int("WEBHOOK_STALE_AFTER_SECONDS", default=600)
# Drain tasks (each processes pending webhook events until none is left) that may run side
# by side; more than the worker's processes gains nothing.
WEBHOOK_DRAINS = env.int("WEBHOOK_DRAINS", default=2)
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-webhook-events": {
        "task": "webhooks.tasks.requeue_stale_events",
        "schedule": float(WEBHOOK_SWEEP_INTERVAL_SECONDS),
    },
    "purge-portal-login-records": {
        "task": "portal.tasks.purge_login_records",
        "schedule": 3600.0,
    },
}
