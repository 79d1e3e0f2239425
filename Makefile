# e-service indicators warehouse. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.installed-requirements.txt
CLI    := PYTHONPATH=$(CURDIR) $(PY) -m ingest.cli

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run test lint format lock check-lock dag backfill-portal bench-portal warehouse-url bi-url psql db-start db-stop db-status clean

help: ## List every target
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@echo "== installing pinned requirements into $(VENV) (first run: about a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.txt
	@cp requirements.txt $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned requirements

run: $(STAMP) ## Whole pipeline: embedded Postgres, migrations, Airflow DAGs, dbt, GX gate, extract
	@$(CLI) run

test: $(STAMP) ## Run the tests (they start their own throw-away Postgres)
	@PYTHONPATH=$(CURDIR) $(PY) -m pytest

lint: $(STAMP) ## ruff (lint + format check, AIR3 rules on the DAGs) and sqlfluff on the dbt models
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/sqlfluff lint dbt_project/models

format: $(STAMP) ## Format the Python code with ruff
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

lock: $(STAMP) ## Re-pin requirements.txt from requirements.in
	@$(VENV)/bin/uv pip compile --quiet --python-version 3.11 requirements.in -o requirements.txt

check-lock: $(STAMP) ## Fail when requirements.txt does not match requirements.in
	@$(VENV)/bin/uv pip compile --quiet --python-version 3.11 requirements.in -o /tmp/requirements.check.txt
	@diff <(grep -v '^#' requirements.txt) <(grep -v '^#' /tmp/requirements.check.txt) && echo "requirements.txt is up to date"

dag: $(STAMP) ## One real run of one DAG: make dag DAG=portal_statistics_nightly CONF='{"force": true}'
	@$(CLI) dag $(DAG) --conf '$(or $(CONF),{})'

backfill-portal: $(STAMP) ## Load past years of portal statistics: make backfill-portal FROM=2015 TO=2019
	@$(CLI) dag portal_statistics_nightly --conf '{"period_from": "$(FROM)", "period_to": "$(TO)"}'
	@$(CLI) dag warehouse_transform

bench-portal: $(STAMP) ## Benchmark portal loading vs a naive baseline (prints ratios)
	@PYTHONPATH=$(CURDIR) $(PY) benchmarks/portal_load.py

warehouse-url: $(STAMP) ## Print the warehouse's connection URL (owner role)
	@$(CLI) url

bi-url: $(STAMP) ## Print the read-only BI role's connection URL
	@$(CLI) url --bi

psql: $(STAMP) ## psql shell on the warehouse (starts the embedded server if needed)
	@$(CLI) psql

db-start: $(STAMP) ## Start (and migrate) the embedded warehouse only
	@$(CLI) up

db-stop: $(STAMP) ## Stop the embedded warehouse
	@$(CLI) stop

db-status: $(STAMP) ## Is the embedded warehouse running?
	@$(CLI) status

clean: ## Stop the warehouse and delete local state (.warehouse, .airflow, extracts, dbt target)
	@test -x $(PY) && $(CLI) stop || true
	rm -rf .warehouse .airflow extracts dbt_project/target dbt_project/logs
