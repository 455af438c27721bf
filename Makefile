# Service-quality warehouse: every day-to-day command is a make target. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SQW := $(BIN)/sqw
AIRFLOW_ENV := .local/airflow.env
# Loads the project-local Airflow environment (AIRFLOW_HOME, dags folder, warehouse connection, telemetry off).
WITH_AIRFLOW := set -a && source $(AIRFLOW_ENV) && set +a && export PATH="$(CURDIR)/$(BIN):$$PATH" &&
# The one local metadata database: the one `sqw run` and `make demo` record their DAG runs in (PostgreSQL;
# with the default SQLite setting, an `airflow` database on the embedded server), so the UI shows them.
WITH_METADATA := $(WITH_AIRFLOW) export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$$($(SQW) airflow-env --metadata-url)" &&
# `make airflow` fires no schedule unless asked: SCHEDULES=on lets the scheduler run unpaused DAGs on theirs.
SCHEDULES ?= off

.PHONY: help setup demo test test-e2e lint format warehouse-start warehouse-stop warehouse-reset bootstrap \
	airflow-init airflow dag-test clean bench scale-out

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-18s %s\n", $$1, $$2}'

# Bytecode is compiled at install: otherwise every fresh clone and CI run compiles Airflow, GX and dbt
# (thousands of modules) on first import, and with PYTHONDONTWRITEBYTECODE every process does, each DAG
# parse and Airflow task included. uv skips up-to-date files, so a re-sync stays quick. The Makefile is a
# prerequisite so that a change of these options reaches existing environments.
$(VENV)/.synced: pyproject.toml uv.lock Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
	UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 $(BIN)/uv sync --frozen --python $(BIN)/python
	@touch $@

setup: $(VENV)/.synced $(AIRFLOW_ENV) ## create .venv from the lock file (quick when nothing changed)

$(AIRFLOW_ENV): $(VENV)/.synced plugins/service_quality/airflow_env.py
	@mkdir -p .local
	$(SQW) airflow-env > $@

warehouse-start: setup ## start the embedded PostgreSQL warehouse (data in .local/warehouse)
	@if [ -z "$$AIRFLOW_CONN_WAREHOUSE" ]; then $(SQW) warehouse start; else echo "AIRFLOW_CONN_WAREHOUSE is set: using it"; fi

warehouse-stop: setup ## stop the embedded warehouse
	$(SQW) warehouse stop

warehouse-reset: setup ## stop the embedded warehouse and delete its data
	$(SQW) warehouse reset

bootstrap: warehouse-start ## create schemas, roles and apply migrations (idempotent)
	$(SQW) warehouse bootstrap

airflow-init: setup ## create the local Airflow metadata database and the warehouse pool
	@$(WITH_METADATA) $(BIN)/airflow db migrate >/dev/null && \
		$(BIN)/airflow pools set warehouse 4 "concurrent loads into the warehouse" >/dev/null && \
		echo "Airflow metadata ready in $$AIRFLOW_HOME"

airflow: bootstrap airflow-init dbt-manifest ## start Airflow standalone: UI on http://localhost:8080 (SCHEDULES=on to run schedules)
	@$(WITH_METADATA) export AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE=$(if $(filter on,$(SCHEDULES)),True,False) && \
		exec $(BIN)/airflow standalone

DAG ?= ingest_stores
DATE ?= $(shell date -u +%Y-%m-%d)
dag-test: bootstrap airflow-init dbt-manifest ## run one DAG for a date: make dag-test DAG=ingest_sales DATE=2025-03-01
	@$(WITH_METADATA) $(BIN)/airflow dags test $(DAG) $(DATE)

demo: bootstrap airflow-init ## run the whole pipeline on demo data (embedded warehouse)
	@$(WITH_AIRFLOW) $(SQW) demo

dbt-manifest: setup ## dbt parse for the transform DAG (Cosmos renders it from the manifest; no database needed)
	@$(BIN)/python -c "from service_quality.transform.cosmos import ensure_manifest; m, new = ensure_manifest(); print(m, '(regenerated)' if new else '(up to date)')"

test: setup ## run lint and the test suite (starts what it needs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(WITH_AIRFLOW) $(BIN)/pytest

test-e2e: setup dbt-manifest ## the whole pipeline through Airflow on a simulated XS chain (sqw run; slow)
	@$(WITH_AIRFLOW) SQW_E2E_FULL=1 $(BIN)/pytest tests/e2e

lint: setup ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && ../$(BIN)/sqlfluff lint models

format: setup ## apply ruff formatting and fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

SCALE ?= S
ONLY ?=
bench: setup ## run the benchmarks (not tests): make bench SCALE=S|M ONLY=parse,memory
	$(SQW) bench --scale $(SCALE) $(if $(ONLY),--only $(ONLY))

scale-out: setup ## prove Celery scale-out locally: 2 workers + scheduler + api-server, compare with dags test
	$(BIN)/python -m service_quality.proofs.scaleout $(SCALE_OUT_ARGS)

.PHONY: reports
reports: setup ## render the attestation HTML reports from the published revisions and print the summary
	@$(WITH_AIRFLOW) $(SQW) report && $(SQW) report --summary

clean: ## remove the virtual environment and local state (stops the embedded warehouse first)
	-@test -x $(SQW) && $(SQW) warehouse stop
	rm -rf $(VENV) .local
