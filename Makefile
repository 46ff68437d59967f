# Two commands for a fresh machine: `make run` serves the product, `make test` tests it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/agency_billing
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint worker

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet '.[dev]'
	touch $@

.env:
	$(PYTHON) scripts/make_env.py .env.example .env

# SQLite, the Stripe sandbox, Celery tasks in-process after commit.
run: $(VENV)/.installed .env
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 $(PY) manage.py migrate --noinput
	DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 DATABASE_CONN_MAX_AGE=0 STRIPE_MODE=sandbox CELERY_TASK_ALWAYS_EAGER=true \
		SANDBOX_WEBHOOK_DELIVERY=http DJANGO_DEBUG=true \
		$(PY) manage.py runserver 127.0.0.1:8000

# Every tier on PostgreSQL and Redis: service and view tests, a real Celery worker, Chromium.
# Served over plain HTTP, as make run is: no redirect to https, no HSTS, no Secure cookies.
test: $(VENV)/.installed .env
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_HSTS_SECONDS=0 DJANGO_SECURE_COOKIES=false \
		$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy agency_billing agencies plans customers checkout invoices portal stripe_sandbox webhooks

# A worker against Redis, for docker-free development with CELERY_TASK_ALWAYS_EAGER=false.
worker: $(VENV)/.installed .env
	$(VENV)/bin/celery -A agency_billing worker --beat --loglevel=info
