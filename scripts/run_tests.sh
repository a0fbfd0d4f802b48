#!/usr/bin/env bash
# Quick start, command 2: install everything and run the whole test suite:
# sqlfluff lint, dbt parse, ruff and mypy on the Python, then pytest (unit
# tests, and end-to-end tests that land generated and hand-made data and run
# dbt build as a user would).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/bootstrap_gbstats.sh
scripts/bootstrap_airflow.sh
scripts/ensure_chromium.sh

echo "== sqlfluff lint (models, macros, tests, analyses)"
.venv/bin/sqlfluff lint models macros tests analyses

echo "== dbt parse"
# As stayhub runs dbt (stayhub/warehouse.py run_dbt): in the warehouse's folder, the file named
# warehouse.duckdb, so the partial-parse file it leaves in target/parse-cache warms every later run.
project_root="$(pwd -P)"
(cd "$(mktemp -d)" && DBT_PROFILES_DIR="$project_root/profiles" WAREHOUSE_DUCKDB_PATH=warehouse.duckdb \
    "$project_root/.venv/bin/dbt" parse --quiet --project-dir "$project_root" --target-path "$project_root/target/parse-cache")

echo "== ruff check (lint)"
.venv/bin/ruff check .

echo "== ruff format --check"
.venv/bin/ruff format --check .

echo "== mypy (stayhub, dbt_plugins, tests, lint)"
.venv/bin/mypy

echo "== pytest"
# Two workers (STAYHUB_TEST_WORKERS): a dbt run keeps about one core busy, so two test files at a time use
# both cores; each file runs whole on one worker (tests/conftest.py). The ten slowest tests print at the end.
exec .venv/bin/python -m pytest -n "${STAYHUB_TEST_WORKERS:-2}" --dist loadgroup "$@"
