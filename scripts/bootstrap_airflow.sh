#!/usr/bin/env bash
# Creates .venv-airflow with Python 3.11 and installs the pinned requirements-airflow.txt
# (Airflow 3.3 and astronomer-cosmos 1.15, for the daily DAG in dags/ and its test; Airflow's
# pins clash with the project's, so it cannot share .venv). A no-op when requirements-airflow.txt
# is unchanged since the last install.
set -euo pipefail
exec "$(dirname "$0")/bootstrap.sh" .venv-airflow requirements-airflow.txt
