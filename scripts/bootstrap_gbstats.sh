#!/usr/bin/env bash
# Creates .venv-gbstats with Python 3.11 and installs the pinned requirements-gbstats.txt
# (gbstats, GrowthBook's stats engine, for the parity tests of stayhub/experiments/stats.py;
# it pins numpy<2, so it cannot share .venv). A no-op when requirements-gbstats.txt is
# unchanged since the last install.
set -euo pipefail
exec "$(dirname "$0")/bootstrap.sh" .venv-gbstats requirements-gbstats.txt
