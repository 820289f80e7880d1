# syntax=docker/dockerfile:1
# 중계나라 image: one image, one role per container (docker/entrypoint.sh: serve | migrate | crawl |
# worker). Settings come from the environment at run time; no secret is baked in (.dockerignore is
# an allow-list, so .env and instance/ never reach the build context).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: wheels for exactly what uv.lock pins (no dev tools), checked against its hashes ------
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN pip install --no-cache-dir --disable-pip-version-check "uv==0.13.9"
COPY pyproject.toml uv.lock ./
RUN uv export --frozen --no-dev --no-emit-project --format requirements-txt --output-file requirements.txt \
    && pip wheel --no-cache-dir --disable-pip-version-check --require-hashes \
        --wheel-dir /wheels --requirement requirements.txt \
    && cp requirements.txt /wheels/

# --- runtime: slim Python, a virtualenv installed from those wheels, the code, a non-root user ---
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="junggyenara" \
      org.opencontainers.image.description="중계나라 — KakaoTalk skill server (Kakao i Open Builder)"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    FLASK_APP=wsgi:app \
    APP_ENV=production \
    LOG_FORMAT=json \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKER_TMP_DIR=/dev/shm \
    FORWARDED_ALLOW_IPS=*
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index --require-hashes \
        --find-links=/wheels --requirement /wheels/requirements.txt
WORKDIR /app
# Code owned by root and read-only to the app; only instance/ (SQLite, local photos in development)
# is writable.
COPY . /app
RUN mkdir -p /app/instance && chown app:app /app/instance && python -m compileall -q chatbot skills crawler admin_api
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=4s --start-period=20s --retries=3 CMD ["python", "/app/docker/healthcheck.py"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["serve"]
