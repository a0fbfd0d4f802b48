#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs the pinned requirements; a no-op
# when requirements.txt has not changed since the last install.
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
    echo "bootstrap: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    echo "bootstrap: creating .venv with $python_bin"
    "$python_bin" -m venv .venv
fi

stamp=.venv/.requirements.sha256
wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "bootstrap: installing pinned requirements"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    echo "$wanted" > "$stamp"
fi
