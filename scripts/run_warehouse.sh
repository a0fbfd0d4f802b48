#!/usr/bin/env bash
# Quick start, command 1: install everything, land the sample, build the warehouse
# (stayhub build; its flags: .venv/bin/stayhub build --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/stayhub build "$@"
