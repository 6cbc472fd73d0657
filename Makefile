# aislake's tasks. `make` lists them. README's two commands work without make; these are the
# habits around them. Every tool runs from the project's virtualenv (`make install` makes it).
.DEFAULT_GOAL := help
.PHONY: help install check lint types sql imports defs test-fast test-wiring test docs demo

VENV ?= .venv
BIN := $(VENV)/bin

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## the virtualenv with aislake and its dev tools (README's install step)
	python3 -m venv $(VENV) && $(BIN)/pip install -q -e '.[dev]'

check: lint types sql imports defs ## every static check, as CI runs it before the tests

lint: ## ruff: lint and formatting
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: ## mypy --strict on src/
	$(BIN)/mypy src

sql: ## sqlfluff (DuckDB dialect) on every .sql file
	$(BIN)/sqlfluff lint src/aislake

imports: ## import-linter: the layers of docs/architecture.md, one way
	$(BIN)/lint-imports

defs: ## Dagster's own check of the code location
	DAGSTER_HOME=$$(mktemp -d) VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/dg check defs

test-fast: ## the unit tier: plain functions, real DuckDB, no Dagster runs (under 60 s, 2 workers)
	$(BIN)/pytest tests/unit

test-wiring: ## unit + wiring: the real assets materialised in-process
	$(BIN)/pytest tests/unit tests/wiring

test: ## the whole suite, as CI runs it (README's test command)
	$(BIN)/pytest

docs: ## regenerate what docs are made from code (README's settings table, docs/gold.md's tables)
	$(BIN)/python -m aislake.settings README.md
	$(BIN)/python -m aislake.gold.docs docs/gold.md

demo: ## the offline demo (README's first command)
	$(BIN)/aislake demo
