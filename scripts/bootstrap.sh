#!/usr/bin/env bash
# Creates .venv with Python 3.11, installs the pinned requirements, then this
# checkout's stayhub package (the `stayhub` command), editable. Each step is a
# no-op when already done: requirements.txt unchanged since the last install;
# .venv/bin/stayhub there, pyproject.toml unchanged and stayhub imported from
# this checkout.
#
# scripts/bootstrap.sh VENV REQUIREMENTS: another environment, the same way,
# without the stayhub package (a tool whose pins clash with the project's).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
requirements="${2:-requirements.txt}"

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

if [ ! -x "$venv/bin/python" ]; then
    echo "bootstrap: creating $venv with $python_bin"
    "$python_bin" -m venv "$venv"
fi

stamp="$venv/.requirements.sha256"
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "bootstrap: installing pinned $requirements into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$wanted" > "$stamp"
fi
if [ "$venv" != .venv ]; then
    exit 0
fi

# Editable: the installed package is this checkout's stayhub/ (its code changes need no reinstall;
# pyproject.toml's do). A .venv shared by several checkouts points at the last one installed.
install_stamp=.venv/.stayhub-install
wanted_install="$(pwd -P) $(sha256sum pyproject.toml | cut -d' ' -f1)"
installed_from=$(.venv/bin/python -I -c 'import pathlib, stayhub; print(pathlib.Path(stayhub.__file__).resolve().parent.parent)' 2>/dev/null || true)
if [ ! -x .venv/bin/stayhub ] || [ "$installed_from" != "$(pwd -P)" ] \
    || [ ! -f "$install_stamp" ] || [ "$(cat "$install_stamp")" != "$wanted_install" ]; then
    echo "bootstrap: installing the stayhub command from $(pwd -P)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "$wanted_install" > "$install_stamp"
fi
