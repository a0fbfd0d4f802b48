#!/usr/bin/env bash
# Creates .venv-spark with Python 3.11 and the pinned requirements-spark.txt (the project's pins plus
# dbt-spark and pyspark, for the `spark` target; README, "Running on Spark"), with this checkout's
# stayhub package on its path. Spark needs a Java runtime (17 or later): when `java` is missing it
# installs Debian's headless JRE (as root, with apt-get), else says what to install. Each step is a
# no-op when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "bootstrap_spark: installing Java (openjdk-17-jre-headless) for Spark"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
    else
        echo "bootstrap_spark: Spark needs Java 17 or later: install it (Debian: apt-get install openjdk-17-jre-headless)" >&2
        exit 1
    fi
fi

scripts/bootstrap.sh .venv-spark requirements-spark.txt
# `python -m stayhub.spark` imports this checkout's stayhub and dbt_plugins (a .pth file, as an editable install).
site_packages=$(.venv-spark/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
pwd -P > "$site_packages/stayhub-checkout.pth"
