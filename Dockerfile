# syntax=docker/dockerfile:1
# econtract: one image for web (gunicorn), worker and beat (celery). See docker-compose.yml.

# --- build: dependencies from uv.lock, compiled translations, collected static files ----------
FROM python:3.12-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
# Debian's versions are not pinned (DL3008): a pinned version disappears from the mirror at the
# next point release and the build breaks; uv.lock pins what the application runs.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
ENV PATH=/app/.venv/bin:$PATH \
    STATIC_ROOT=/app/staticfiles
RUN python manage.py compilemessages --ignore=.venv -v 0
# Production settings, so the static files get WhiteNoise's hashed manifest. The key and CA
# choice below exist only for this build step; the running container gets its own.
RUN ECONTRACT_DEPLOYMENT=production \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    ECONTRACT_ALLOW_LOCAL_CA=1 \
    ECONTRACT_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build-var

# --- runtime ---------------------------------------------------------------------------------
FROM python:3.12-slim
# WeasyPrint's libraries (Pango, HarfBuzz's subsetter). The Chinese font of rendered contracts
# and reports comes with the code (econtract/fonts/): no system font is needed.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 econtract \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin \
        econtract \
    && mkdir -p /data /witness \
    && chown 10001:10001 /data /witness
WORKDIR /app
COPY --from=build --chown=root:root /app /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=econtract.settings \
    ECONTRACT_DEPLOYMENT=production \
    ECONTRACT_VAR_DIR=/data \
    STATIC_ROOT=/app/staticfiles
# The code is root-owned and read-only to the service; it writes only to /data (a volume) and
# the temporary directory. A numeric user, so Kubernetes' runAsNonRoot can verify it is not root.
# No HEALTHCHECK: the image also runs the worker and beat, which serve no HTTP; docker-compose.yml
# and deploy/kubernetes/ probe web's /healthz.
USER 10001:10001
VOLUME ["/data", "/witness"]
EXPOSE 8000
CMD ["gunicorn", "econtract.wsgi", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--workers", "3"]
