#!/usr/bin/env bash
# Quick start, command 1: install everything, land the sample, build the warehouse.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python -m scripts.build_warehouse "$@"
