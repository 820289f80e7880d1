# 중계나라 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never

# uv from PATH, else a private copy installed with pip (a fresh machine has only python3).
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run serve test lint bench clean

.uv/bin/uv:
	python3 -m venv .uv && .uv/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

## run: serve on 127.0.0.1:$(PORT) with embedded defaults (SQLite, in-process cache) + the crawler loop
run: $(VENV)/.synced
	$(VENV)/bin/flask db upgrade
	@echo "중계나라: http://127.0.0.1:$(PORT)  (skills at /skills/<name>; Ctrl-C stops)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(VENV)/bin/flask crawl --loop & \
	  PORT=$(PORT) GUNICORN_WORKERS=$${GUNICORN_WORKERS:-2} $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## serve: the server alone (no crawler)
serve: $(VENV)/.synced
	$(VENV)/bin/flask db upgrade
	PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

## test: the whole suite against MariaDB (DATABASE_URL) and Redis (REDIS_URL)
test: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.synced
	bench/run

clean:
	rm -rf $(VENV) .uv .pytest_cache .ruff_cache
