# syntax=docker/dockerfile:1
# Ouroboard image: Node builds the dashboard, a slim Python image serves it as a non-root user.
#   docker build -t ouroboard .
#   docker run -p 8000:8000 -e JWT_SECRET_KEY=... -e DATABASE_URL=postgres://... ouroboard

# --- Stage 1: the dashboard's static files -----------------------------------------------
FROM node:20.19-bookworm-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# --- Stage 2: the service ---------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHON=/opt/venv/bin/python \
    APP_ENV=production \
    FLASK_APP=wsgi.py \
    PORT=8000 \
    INSTANCE_DIR=/app/instance \
    PROMETHEUS_MULTIPROC_DIR=/tmp/ouroboard-metrics

RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

RUN groupadd --system --gid 10001 ouroboard \
    && useradd --system --uid 10001 --gid ouroboard --home-dir /app --shell /usr/sbin/nologin ouroboard
WORKDIR /app
COPY --chown=ouroboard:ouroboard app/ app/
COPY --chown=ouroboard:ouroboard migrations/ migrations/
COPY --chown=ouroboard:ouroboard bin/ bin/
COPY --chown=ouroboard:ouroboard config.py wsgi.py seed.py gunicorn.conf.py ./
COPY --from=frontend --chown=ouroboard:ouroboard /build/frontend/dist/ frontend/dist/
# The SQLite database (when DATABASE_URL is unset) lives here; mount a volume to keep it.
RUN mkdir -p /app/instance && chown ouroboard:ouroboard /app/instance
VOLUME ["/app/instance"]

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["bin/boot"]
