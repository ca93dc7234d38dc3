# syntax=docker/dockerfile:1
# Winnow: multi-stage build. The builder installs the pinned dependencies (all of them ship
# manylinux wheels, so no compiler is needed anywhere) into a virtualenv; the final stage has
# only that virtualenv and a non-root user. The rules ship inside the wheel (winnow/rules_data);
# WINNOW_RULES_DIR can still point at others. Entry command: the `winnow serve` CI tests.

FROM python:3.11.7-slim-bookworm AS builder
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
COPY rules ./rules
RUN python -m venv /opt/winnow \
    && /opt/winnow/bin/pip install --no-cache-dir --only-binary=:all: . \
    && /opt/winnow/bin/pip uninstall --yes pip

FROM python:3.11.7-slim-bookworm
RUN groupadd --system --gid 10001 winnow \
    && useradd --system --uid 10001 --gid winnow --no-create-home --shell /usr/sbin/nologin winnow
COPY --from=builder /opt/winnow /opt/winnow
ENV PATH=/opt/winnow/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    WINNOW_HOST=0.0.0.0 \
    WINNOW_PORT=8000 \
    WINNOW_WORKERS=2 \
    WINNOW_THREADS=4 \
    WINNOW_METRICS_DIR=/var/run/winnow/metrics
RUN mkdir -p /var/run/winnow/metrics && chown -R winnow:winnow /var/run/winnow
# the only writable place besides /tmp: mount an emptyDir here when the root filesystem is read-only
VOLUME ["/var/run/winnow"]
USER 10001:10001
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WINNOW_PORT', '8000'), timeout=2)"]
STOPSIGNAL SIGTERM
CMD ["winnow", "serve"]
