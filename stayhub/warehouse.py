"""Shared plumbing for the project's command-line tools: where things live,
how dbt is invoked, and what the landing zone holds."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from stayhub.project import PROJECT_ROOT, landing_root_default, landing_sources

LANDING_SOURCES = landing_sources()
DEFAULT_RAW_ROOT = landing_root_default()
DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"
# The file holding the key of the personal-data hash (dbt_plugins/pii_key.py).
PII_KEY_ENV = "WAREHOUSE_PII_KEY_FILE"
SAMPLE_PII_KEY_NAME = "sample-pii.key"


class DbtError(RuntimeError):
    """A dbt invocation exited non-zero; carries its output."""

    def __init__(self, args: list[str], returncode: int, output: str):
        tail = "\n".join(output.strip().splitlines()[-25:])
        super().__init__(f"dbt {' '.join(args)} exited {returncode}:\n{tail}")
        self.returncode = returncode
        self.output = output


def raw_root_from_env() -> Path:
    return Path(os.environ.get("WAREHOUSE_RAW_ROOT", DEFAULT_RAW_ROOT))


def duckdb_path_from_env() -> Path:
    return Path(os.environ.get("WAREHOUSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH))


def write_sample_pii_key(path: Path | str) -> Path:
    """A random key for sample data at `path` (kept if already there), readable by its owner only."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_hex(32) + "\n")
    return path


def dbt_env(raw_root: Path | str, duckdb_path: Path | str, extra: dict | None = None) -> dict:
    """The environment a dbt invocation of this project runs with."""
    env = dict(os.environ)
    env.update(
        {
            "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "WAREHOUSE_RAW_ROOT": str(Path(raw_root).resolve()),
            "WAREHOUSE_DUCKDB_PATH": str(Path(duckdb_path).resolve()),
            # dbt unit tests test the code, not the data: the test command runs them
            # (tests/integration/test_dbt_unit_tests.py), not every build, as dbt advises for production.
            "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test",
        }
    )
    env.update(extra or {})
    # dbt runs in the project folder: a key file named relative to the caller's folder is made absolute.
    if env.get(PII_KEY_ENV, "").strip():
        env[PII_KEY_ENV] = str(Path(env[PII_KEY_ENV].strip()).expanduser().resolve())
    return env


def dbt_vars(ds: str | None = None, start_ds: str | None = None, end_ds: str | None = None) -> str:
    """The --vars argument for a window; dates are quoted so YAML keeps them as text."""
    values = {"ds": ds, "start_ds": start_ds, "end_ds": end_ds}
    return json.dumps({key: value for key, value in values.items() if value is not None})


def run_dbt(
    args: list[str],
    raw_root: Path | str,
    duckdb_path: Path | str,
    check: bool = True,
    stream: bool = False,
    extra_env: dict | None = None,
    target_path: Path | str | None = None,
    die_with_parent: bool = False,
    log_path: Path | str | None = None,
) -> subprocess.CompletedProcess:
    """Runs one dbt command in the project folder; raises DbtError when it fails and check is set.
    With die_with_parent, dbt is killed when this process dies (Linux), so no orphan keeps writing."""
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), *args]
    if die_with_parent and shutil.which("setpriv"):
        command = ["setpriv", "--pdeathsig", "KILL", *command]
    if target_path is not None:
        command += ["--target-path", str(target_path)]
    if log_path is not None:
        command += ["--log-path", str(log_path)]
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=dbt_env(raw_root, duckdb_path, extra_env),
        stdout=None if stream else subprocess.PIPE,
        stderr=subprocess.STDOUT if not stream else None,
        text=True,
    )
    if check and result.returncode != 0:
        raise DbtError(args, result.returncode, result.stdout or "")
    return result


def ds_shift(ds: str, days: int) -> str:
    """A YYYY-MM-DD ds moved by a whole number of days."""
    return (date.fromisoformat(ds) + timedelta(days=days)).isoformat()


def ds_range(start_ds: str, end_ds: str) -> list[str]:
    """Every ds from start_ds to end_ds inclusive."""
    count = (date.fromisoformat(end_ds) - date.fromisoformat(start_ds)).days + 1
    return [ds_shift(start_ds, offset) for offset in range(count)]


def landed_partitions(raw_root: Path | str) -> dict[str, set[str]]:
    """For each landing source, the ds values whose _SUCCESS marker exists."""
    root = Path(raw_root)
    landed: dict[str, set[str]] = {}
    for source in LANDING_SOURCES:
        landed[source] = {
            marker.parent.name[len("ds=") :] for marker in (root / source).glob("ds=*/_SUCCESS") if re.fullmatch(r"ds=\d{4}-\d{2}-\d{2}", marker.parent.name)
        }
    return landed


def landed_range(raw_root: Path | str) -> tuple[str, str]:
    """First and last ds that have landed in every source."""
    common = set.intersection(*landed_partitions(raw_root).values())
    if not common:
        raise SystemExit(f"No ds has landed (with _SUCCESS) in every source under {raw_root}.")
    return min(common), max(common)


def add_warehouse_arguments(parser: argparse.ArgumentParser) -> None:
    """--raw-root, --duckdb-path and --target-path, as the operations commands share them."""
    parser.add_argument("--raw-root", type=Path, default=raw_root_from_env(), help="landing zone (default: $WAREHOUSE_RAW_ROOT or data/raw)")
    parser.add_argument(
        "--duckdb-path", type=Path, default=duckdb_path_from_env(), help="warehouse file (default: $WAREHOUSE_DUCKDB_PATH or data/warehouse.duckdb)"
    )
    parser.add_argument("--target-path", type=Path, help="dbt's target folder (default: target/runs/<the warehouse's name>-<hash of its path>)")


def ds_argument(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written YYYY-MM-DD") from None


def default_target_path(duckdb_path: Path) -> Path:
    """A target folder per warehouse, so dbt's partial parse stays warm for it and runs of two warehouses never share one."""
    resolved = Path(duckdb_path).resolve()
    return PROJECT_ROOT / "target" / "runs" / f"{resolved.stem}-{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"


def table_exists(connection, relation: str, catalog: str | None = None) -> bool:
    """Whether `schema.table` exists on a DuckDB connection (in `catalog`, an attached database, when given)."""
    schema, table = relation.split(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    parameters = [schema, table]
    if catalog:
        query += " and table_catalog = ?"
        parameters.append(catalog)
    return connection.execute(query, parameters).fetchone()[0] > 0
