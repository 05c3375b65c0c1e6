# Two commands set everything up: `make run` (serve the demo city) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1:8000

.PHONY: run setup install migrate demo test test-dates lint check-migrations pytest e2e screenshots messages clean scan bench

run: setup
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(HOST)

setup: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py seed_demo

install: .env $(VENV)/.installed

# Development settings for this checkout; never committed (see the README).
.env:
	printf '# Development settings for this checkout (not committed). See the README.\nDJANGO_DEBUG=true\n' > .env

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

test: install lint check-migrations pytest test-dates

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --recursive --severity-level medium --exclude '*/migrations/*' portal approvals departments evaluations exchange

check-migrations:
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

pytest:
	$(BIN)/pytest

# The date-sensitive modules again on a moved clock: New Year's Eve at 23:30 in Chongqing, the
# first working day of a year, National Day. None of them may hold only on today's date.
DATE_MODULES := tests/approvals/test_demo_cases.py tests/approvals/test_deadlines.py \
	tests/approvals/test_workdays.py tests/evaluations/test_rollups.py tests/portal/test_seed_demo.py \
	tests/portal/test_notifications.py tests/approvals/test_licences.py \
	tests/evaluations/test_feedback.py tests/evaluations/test_supervision.py
test-dates: install
	for moment in 2026-12-31T23:30:00+08:00 2027-01-04T09:00:00+08:00 2027-10-01T10:00:00+08:00; do \
		PORTAL_TEST_NOW=$$moment $(BIN)/pytest -q $(DATE_MODULES) || exit 1; \
	done

# Only the browser tests (tests/e2e: Playwright and /usr/bin/chromium).
e2e: install
	$(BIN)/pytest tests/e2e

# Render the main pages of the demo city into docs/screenshots/ (zh-hans and en, desktop and phone).
screenshots: install
	$(PY) scripts/screenshots.py

# Generate a city (BENCH_CASES cases, default 1,000,000) in the database portal_bench, serve it
# with gunicorn and measure every page with wrk; writes docs/benchmarks.md (needs PostgreSQL,
# Redis and wrk). See docs/performance.md.
bench: install
	$(PY) bench/run.py

# Extract the UI strings and compile the catalogues (needs GNU gettext).
messages: install
	DJANGO_DEBUG=true $(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	DJANGO_DEBUG=true $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var

# A wapiti3 scan of a local server (DEBUG off, the demo city, logged out); see the README.
scan: install .venv-scan/.installed
	$(PY) scripts/security_scan.py

.venv-scan/.installed: requirements-scan.txt
	test -x .venv-scan/bin/python || $(PYTHON) -m venv .venv-scan
	.venv-scan/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $@
