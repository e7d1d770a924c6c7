# careergate: every task of the project, run from a local virtual environment.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint fuzz bench fake-upstream clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

## install: create .venv with the pinned dependencies and careergate itself
install: $(STAMP)

## run: the gateway on the embedded default (SQLite, in-process state, sandbox upstream without a key)
run: install
	$(BIN)/careergate serve

## test: the whole test suite
test: install
	$(BIN)/pytest

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

## fake-upstream: the fake OpenAI server on port 8081
fake-upstream: install
	$(BIN)/careergate fake-upstream --port 8081

clean:
	rm -rf $(VENV) .careergate
