# Agency Billing: the web image, also used by the Celery worker and beat (docker-compose.yml).
FROM python:3.11-slim

# gunicorn reads WEB_CONCURRENCY (processes) and GUNICORN_CMD_ARGS. Threads let a request
# that posts a sandbox webhook to this same server be answered while it waits.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3 \
    GUNICORN_CMD_ARGS="--bind 0.0.0.0:8000 --threads 4 --access-logfile -"

RUN useradd --create-home --uid 10001 app

# Dependencies first, from pyproject.toml alone, so a code change reuses this layer.
# The project lists no packages of its own: `pip install .` installs its dependencies only.
COPY pyproject.toml /tmp/build/
RUN pip install /tmp/build && rm -rf /tmp/build

WORKDIR /app
COPY . .
# Settings need a secret key to load; this throwaway one exists only for this command.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# The code stays root-owned and read-only for the app user.
USER app
EXPOSE 8000
CMD ["gunicorn", "agency_billing.wsgi"]
