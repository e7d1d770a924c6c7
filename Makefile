# careergate: every task of the project, run from a local virtual environment.
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || command -v python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/careergate/dashboard/static/vendor
ASSETS := $(VENDOR)/chart.umd.min.js

.PHONY: install run test lint fuzz bench bench-scale fake-upstream clean test-tools dashboard-screenshots

# Python 3.12 or later (spaCy's wheels for 3.11 run the name model at twice the CPU); a
# .venv made by an older interpreter is made again.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "careergate needs Python 3.12 or later; $(PYTHON) is $$($(PYTHON) --version 2>&1): install python3.12, or give one with make PYTHON=/path/to/python3.12" >&2; exit 1; }
	$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || rm -rf $(VENV)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The dashboard's chart library, from the npm registry at the versions web/package-lock.json
# pins (integrity-checked by npm), copied into the package with its licence.
$(ASSETS): web/package.json web/package-lock.json
	npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp web/node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp web/node_modules/chart.js/LICENSE.md $(VENDOR)/chart.js-LICENSE.md

## install: create .venv with the pinned dependencies and careergate itself, and the dashboard's assets
install: $(STAMP) $(ASSETS)

## test-tools: what the browser and Prometheus tests run (Debian's chromium, promtool from prometheus)
test-tools:
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }
	command -v promtool >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends prometheus; }

## run: the gateway on the embedded default (SQLite, in-process state, sandbox upstream without a key)
##      on PORT (8080), with its data in DATA_DIR (this checkout's .careergate/)
PORT ?= 8080
DATA_DIR ?= $(CURDIR)/.careergate
run: install
	CAREERGATE_DATA_DIR="$(DATA_DIR)" $(BIN)/careergate serve --port $(PORT)

## test: the whole test suite, three test files at a time on any number of cores (most tests
##       wait on servers and processes more than they compute: two left the cores a third
##       idle); nginx fronts the replicas of the scale-out test
test: install test-tools
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || apt-get install -y nginx || (apt-get update && apt-get install -y nginx)
	$(BIN)/pytest --numprocesses 3 --dist loadfile

## dashboard-screenshots: the dashboard's pages from the browser test's seeded run, into docs/dashboard/
dashboard-screenshots: install test-tools
	CAREERGATE_DASHBOARD_SCREENSHOTS=docs/dashboard $(BIN)/pytest -q tests/test_dashboard_browser.py

## lint: ruff (lint and format), mypy (strict on the package), bandit, and pip-audit on the lock
lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/bandit -c pyproject.toml -r src -q
	$(BIN)/python scripts/audit_dependencies.py requirements.lock

## fuzz: at length, the HTTP API fuzzed from its OpenAPI description (FUZZ_EXAMPLES per operation), then request shapes against hard budgets (FUZZ_EXAMPLES examples)
FUZZ_EXAMPLES ?= 500
fuzz: install
	CAREERGATE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_api_fuzz.py --timeout 0 -k server_error
	CAREERGATE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/test_budget_fuzz.py --timeout 0 -s

## bench: the default gateway (and with privacy off) against the bare-proxy floor; writes docs/benchmarks.md
bench: install
	command -v wrk >/dev/null || apt-get install -y wrk
	$(BIN)/python bench/proxy_bench.py --write docs/benchmarks.md

## bench-scale: three replicas behind nginx: scaling, the highest throughput, a soak at 80% of it
SCALE_MINUTES ?= 10
bench-scale: install
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || apt-get install -y nginx
	command -v hey >/dev/null || apt-get install -y hey
	$(BIN)/python bench/scale_bench.py --minutes $(SCALE_MINUTES)

## fake-upstream: the fake OpenAI server on port 8081
fake-upstream: install
	$(BIN)/careergate fake-upstream --port 8081

clean:
	rm -rf $(VENV) .careergate web/node_modules $(VENDOR)
