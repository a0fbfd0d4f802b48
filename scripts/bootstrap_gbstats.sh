#!/usr/bin/env bash
# Creates .venv-gbstats with Python 3.11 and installs the pinned requirements-gbstats.txt
# (gbstats, GrowthBook's stats engine, for the parity tests of stayhub/experiments/stats.py;
# it pins numpy<2, so it cannot share .venv). A no-op when requirements-gbstats.txt is
# unchanged since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            python_bin="$candidate"
            break
        fi
    done
fi
if [ -z "$python_bin" ]; then
    echo "bootstrap_gbstats: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

if [ ! -x .venv-gbstats/bin/python ]; then
    echo "bootstrap_gbstats: creating .venv-gbstats with $python_bin"
    "$python_bin" -m venv .venv-gbstats
fi

stamp=.venv-gbstats/.requirements.sha256
wanted=$(sha256sum requirements-gbstats.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "bootstrap_gbstats: installing pinned requirements-gbstats.txt"
    .venv-gbstats/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-gbstats.txt
    echo "$wanted" > "$stamp"
fi
