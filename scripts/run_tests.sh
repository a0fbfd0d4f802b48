#!/usr/bin/env bash
# Quick start, command 2: install everything and run the whole test suite:
# sqlfluff lint, dbt parse, ruff and mypy on the Python, then pytest (unit
# tests, and end-to-end tests that land generated and hand-made data and run
# dbt build as a user would).
set -euo pipefail
cd "$(dirname "$0")/.."

# Only pytest needs the tools with their own environments (gbstats, Airflow, Spark) and chromium: they install
# while the project's environment installs and the project is linted, each into its own log, shown when it ends.
setup_logs=$(mktemp -d)
setup_steps=(bootstrap_gbstats bootstrap_airflow bootstrap_spark ensure_chromium)
setup_pids=()
for step in "${setup_steps[@]}"; do
    scripts/$step.sh >"$setup_logs/$step.log" 2>&1 &
    setup_pids+=("$!")
done
scripts/bootstrap.sh

echo "== sqlfluff lint (models, macros, tests, analyses)"
.venv/bin/sqlfluff lint --processes 2 models macros tests analyses

echo "== dbt parse (beside ruff and mypy, one core each)"
# As stayhub runs dbt (stayhub/warehouse.py run_dbt): in the warehouse's folder, the file named
# warehouse.duckdb, so the partial-parse file it leaves in target/parse-cache warms every later run.
project_root="$(pwd -P)"
(cd "$(mktemp -d)" && DBT_PROFILES_DIR="$project_root/profiles" WAREHOUSE_DUCKDB_PATH=warehouse.duckdb \
    "$project_root/.venv/bin/dbt" parse --quiet --project-dir "$project_root" --target-path "$project_root/target/parse-cache") \
    >"$setup_logs/dbt_parse.log" 2>&1 &
parse_pid=$!

echo "== ruff check (lint)"
.venv/bin/ruff check .

echo "== ruff format --check"
.venv/bin/ruff format --check .

echo "== mypy (stayhub, dbt_plugins, tests, lint)"
.venv/bin/mypy

if ! wait "$parse_pid"; then
    cat "$setup_logs/dbt_parse.log" >&2
    echo "dbt parse failed" >&2
    exit 1
fi
cat "$setup_logs/dbt_parse.log"

for index in "${!setup_steps[@]}"; do
    step=${setup_steps[$index]}
    if ! wait "${setup_pids[$index]}"; then
        cat "$setup_logs/$step.log" >&2
        echo "scripts/$step.sh failed" >&2
        exit 1
    fi
    cat "$setup_logs/$step.log"
done

echo "== pytest"
# Two workers (STAYHUB_TEST_WORKERS): three were no faster from a fresh clone, both cores busy (vmstat)
# (15:11 and 16:45 in all, against 15:51 and 15:53 with two). Each file runs whole on one worker (tests/conftest.py),
# in collection order (not xdist's most-tests-first), so the longest file, the Spark one, starts first. The ten
# slowest tests print at the end.
exec .venv/bin/python -m pytest -n "${STAYHUB_TEST_WORKERS:-2}" --dist loadgroup --no-loadscope-reorder "$@"
