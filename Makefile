# ECHO Disputes: every command of the README is a target here.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PIP_QUIET := { grep -v "Location 'file" || true; }
PORT ?= 8084

.PHONY: help install run worker serve migrate seed test test-fast test-outage check lint fmt bench soak clean \
	messages compilemessages

help:
	@echo "make run    - install, migrate, load demo data, serve on http://127.0.0.1:$(PORT) with a task worker"
	@echo "make worker - the task worker alone (e-mails, expiry; docs/operations.md)"
	@echo "make test   - lint, type-check, migration check and the whole suite on a throwaway PostgreSQL"
	@echo "make messages - extract the strings marked for translation into the catalogues (docs/i18n.md)"
	@echo "make lint / make fmt / make bench / make soak / make clean"

# Reinstalls only when pyproject.toml changed since the last install; recompiles a catalogue
# whose .po changed since its .mo was compiled.
install: $(STAMP) compilemessages

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | $(PIP_QUIET)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | $(PIP_QUIET)
	@touch $(STAMP)

# The translation catalogues (docs/i18n.md): Python and integrations/templates strings in locale/,
# the templates/ strings in templates/locale/. Compiled with Babel (pure Python, a pinned
# dependency), so `make install` and `make run` need no GNU gettext; the .mo files are not committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po templates/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

compilemessages: $(MO_FILES)

%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@

# Extraction (scripts/makemessages.sh) needs GNU gettext (xgettext, msgmerge), installed by
# scripts/ensure-gettext.sh. Then translate the new entries of both django.po files; this
# compiles them (and so does `make install`).
messages: $(STAMP)
	@scripts/ensure-gettext.sh
	PY=$(abspath $(PY)) scripts/makemessages.sh
	$(MAKE) --no-print-directory compilemessages

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput

seed: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py seed_demo

# The server and one task worker beside it; the worker stops with the server.
run: seed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} PY=$(PY) scripts/run.sh $(PORT)

# One task worker (django-tasks-db's db_worker): run as many as needed, on as many hosts.
worker: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py schedule_periodic
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py db_worker

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# What must behave the same on SQLite (make run) as on PostgreSQL: every API contract test.
# Real-thread races and the outage test need PostgreSQL; the browser tests run once.
SQLITE_TESTS := tests/disputes tests/orders tests/payments tests/accounts tests/security tests/evidence \
	tests/echo tests/hardening tests/idempotency tests/reliability/test_permission_table.py tests/test_errors.py \
	tests/tasks tests/offers tests/reminders tests/integrations tests/assignment tests/response_target tests/saved_replies tests/i18n tests/i18n_pages
SQLITE_MARKERS := not browser and not outage and not concurrency

# The whole suite, against a PostgreSQL 15 started (and always stopped) by scripts/pg.sh.
test: install
	@scripts/ensure-chromium.sh
	@scripts/ensure-gettext.sh
	@scripts/ensure-redis.sh
	$(MAKE) --no-print-directory check
	scripts/pg.sh run $(PY) -m pytest $(PYTEST_ARGS)
	@echo "The API contract tests again, on the SQLite default that make run uses:"
	env -u DATABASE_URL $(PY) -m pytest -m "$(SQLITE_MARKERS)" $(SQLITE_TESTS) $(PYTEST_ARGS)

# The database-outage test alone: it starts its own PostgreSQL and gunicorn, so it needs no
# pg.sh around it. `make test` runs it too, as part of the whole suite.
test-outage: install
	$(PY) -m pytest -m outage $(PYTEST_ARGS)

# The suite without browser tests, for a quick loop while coding.
test-fast: install
	scripts/pg.sh run $(PY) -m pytest -m "not browser and not outage" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	bench/run.sh $(BENCH_ARGS)

# Not in CI: 10 minutes of honest traffic with a login attacker and a message flooder, after a
# 3-minute baseline without them (docs/benchmarks.md, Soak). SOAK_ARGS="--duration 10m --baseline 3m"
soak: install
	SOAK_COMMAND='make soak SOAK_ARGS="$(SOAK_ARGS)"' bench/soak.sh $(SOAK_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-artifacts
