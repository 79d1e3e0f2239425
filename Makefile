# e-service indicators warehouse. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
UV_VERSION := 0.13.8
STAMP  := $(VENV)/.installed-requirements-dev.txt
CLI    := PYTHONPATH=$(CURDIR) $(PY) -m stack.cli

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run demo-national demo-national-stop demo-national-clean test lint format lock check-lock dag backfill-portal backfill-annual airflow airflow-stop airflow-status bench bench-bi warehouse-url bi-url psql db-start db-stop db-status backup restore clean

help: ## List every target
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@echo "== installing pinned requirements into $(VENV) (first run: about a minute)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements-dev.txt
	@cp requirements-dev.txt $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned requirements

run: $(STAMP) ## Whole pipeline: embedded Postgres, migrations, Airflow DAGs, dbt, GX gate, extract
	@$(CLI) run

demo-national: $(STAMP) ## The whole pipeline under Airflow's scheduler on the SYNTHETIC national dataset (own state in .national/)
	@$(CLI) demo-national

demo-national-stop: $(STAMP) ## Stop the national demo's Airflow and warehouse (keeps .national/)
	@$(CLI) demo-national-stop

demo-national-clean: ## Stop the national demo's Airflow and warehouse and delete .national/ (all SYNTHETIC)
	@test -x $(PY) && $(CLI) demo-national-stop || true
	rm -rf .national

test: $(STAMP) ## Run the tests (they start their own throw-away Postgres, Airflow, Redis)
	@bash tests/system_deps.sh
	@PYTHONPATH=$(CURDIR) $(PY) -m pytest

lint: $(STAMP) ## ruff (lint + format check, AIR3 rules on the DAGs) and sqlfluff on the dbt models
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/sqlfluff lint dbt_project/models

format: $(STAMP) ## Format the Python code with ruff
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

COMPILE := $(VENV)/bin/uv pip compile --quiet --python-version 3.11

lock: $(STAMP) ## Re-pin requirements.txt (runtime) and requirements-dev.txt from the .in files
	@$(COMPILE) requirements.in -o requirements.txt
	@$(COMPILE) requirements-dev.in -o requirements-dev.txt

check-lock: $(STAMP) ## Fail when a requirements*.txt does not match its .in file
	@cp requirements.txt /tmp/requirements.check.txt
	@cp requirements-dev.txt /tmp/requirements-dev.check.txt
	@$(COMPILE) requirements.in -o /tmp/requirements.check.txt
	@$(COMPILE) requirements-dev.in -o /tmp/requirements-dev.check.txt
	@diff <(grep -v '^#' requirements.txt) <(grep -v '^#' /tmp/requirements.check.txt)
	@diff <(grep -v '^ *#' requirements-dev.txt) <(grep -v '^ *#' /tmp/requirements-dev.check.txt)
	@echo "requirements.txt and requirements-dev.txt are up to date"

dag: $(STAMP) ## One real run of one DAG: make dag DAG=portal_statistics_nightly CONF='{"force": true}'
	@$(CLI) dag $(DAG) --conf '$(or $(CONF),{})'

backfill-portal: $(STAMP) ## Reload portal statistics of a period range (one run): make backfill-portal FROM=2015 TO=2019 [FORCE_REPLACE=1]
	@$(CLI) backfill-portal "$(FROM)" "$(TO)"

backfill-annual: $(STAMP) ## Airflow backfill of reporting years (needs make airflow): make backfill-annual FROM=2015 TO=2019
	@$(CLI) backfill-annual "$(FROM)" "$(TO)"

airflow: $(STAMP) ## Start the local Airflow (UI, scheduler, DAG processor, triggerer) on the embedded warehouse
	@$(CLI) airflow start

airflow-stop: $(STAMP) ## Stop the local Airflow
	@$(CLI) airflow stop

airflow-status: $(STAMP) ## What of the local Airflow runs, and its health
	@$(CLI) airflow status

bench: $(STAMP) ## National-scale benchmark vs raw COPY and pandas, writes benchmarks/RESULTS.md (QUICK=1: small)
	@PYTHONPATH=$(CURDIR) $(PY) benchmarks/bench.py $(if $(QUICK),--quick,) $(ARGS)

bench-bi: $(STAMP) ## Benchmark: 20 BI readers for a minute while a national year reloads (p50/p95 latency, atomicity)
	@PYTHONPATH=$(CURDIR) $(PY) benchmarks/bi_under_load.py $(ARGS)

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

backup: $(STAMP) ## Back up the warehouse (pg_dump), intake archive and extracts into backups/<stamp>/
	@$(CLI) backup

restore: $(STAMP) ## Restore a backup into fresh state: make restore BACKUP=backups/<stamp> (make clean first)
	@$(CLI) restore "$(BACKUP)"

clean: ## Stop Airflow and the warehouse and delete local state (refuses to delete submissions no backup holds)
	@PYTHONPATH=$(CURDIR) $(if $(wildcard $(PY)),$(PY),$(PYTHON)) -m stack.clean check
	@test -x $(PY) && $(CLI) airflow stop || true
	@test -x $(PY) && $(CLI) stop || true
	rm -rf .warehouse .airflow extracts dbt_project/target dbt_project/logs
