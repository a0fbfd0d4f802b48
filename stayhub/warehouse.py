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
import threading
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

from stayhub import dbt_forkserver
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


# The run window as environment variables (macros/run_contract/run_window_var.sql): dbt reads them
# only while executing, so unlike --vars a new window does not make dbt parse the whole project again.
WINDOW_ENV = {"ds": "STAYHUB_DS", "start_ds": "STAYHUB_START_DS", "end_ds": "STAYHUB_END_DS"}

# A partial-parse file any target folder of this project may start from: dbt checks it against the
# project, vars and profile, and reparses what differs (all of it when they differ).
PARSE_CACHE = PROJECT_ROOT / "target" / "parse-cache" / "partial_parse.msgpack"


def window_env(window: Mapping[str, str | None] | None) -> dict[str, str]:
    """The environment that passes a window ({ds} or {start_ds, end_ds}) to dbt; unset names are emptied."""
    window = window or {}
    unknown = set(window) - set(WINDOW_ENV)
    if unknown:
        raise ValueError(f"not a window var: {', '.join(sorted(unknown))}")
    return {name: str(window.get(key) or "") for key, name in WINDOW_ENV.items()}


def warm_partial_parse(target_path: Path) -> None:
    """A target folder without dbt's partial-parse file starts from the project's latest one."""
    parse_file = target_path / "partial_parse.msgpack"
    if not parse_file.exists() and PARSE_CACHE.exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PARSE_CACHE, parse_file)


def swap_parse_slots(target_path: Path) -> None:
    """Exchanges the target folder's partial-parse file with the one a --vars invocation left (kept beside it).

    dbt hashes --vars into the file, so a run with --vars and the next one without each parse the whole project
    when they share it; run_dbt swaps before and after such a run, and each finds the file its own vars left."""
    parse_file = target_path / "partial_parse.msgpack"
    aside = target_path / "partial_parse.vars.msgpack"
    swapping = target_path / "partial_parse.swapping.msgpack"
    if parse_file.exists():
        os.replace(parse_file, swapping)
    if aside.exists():
        os.replace(aside, parse_file)
    if swapping.exists():
        os.replace(swapping, aside)


def keep_partial_parse(target_path: Path) -> None:
    """After a run, its partial-parse file becomes the one new target folders start from."""
    parse_file = target_path / "partial_parse.msgpack"
    try:
        if not parse_file.exists() or (PARSE_CACHE.exists() and PARSE_CACHE.stat().st_mtime >= parse_file.stat().st_mtime):
            return
        PARSE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        staged = PARSE_CACHE.with_name(f"{PARSE_CACHE.name}.{os.getpid()}.{threading.get_ident()}")
        shutil.copyfile(parse_file, staged)
        os.replace(staged, PARSE_CACHE)
    except OSError:
        pass  # a cache: the next run parses in full


def log_invocation(args: list[str], seconds: float, output: str | None) -> None:
    """With $STAYHUB_DBT_TIMINGS naming a file, one JSON line per dbt invocation: its command, seconds,
    and whether dbt parsed the whole project (what the test suite's and benchmarks' costs come from); unknown
    (null) when dbt's output was not captured or --quiet hid the message that says so."""
    timings = os.environ.get("STAYHUB_DBT_TIMINGS")
    if timings:
        quiet = bool({"--quiet", "-q"} & set(args))
        full_parse = None if output is None or quiet else "Unable to do partial parsing" in output
        record = {"args": args, "seconds": round(seconds, 2), "full_parse": full_parse}
        with open(timings, "a") as log:
            log.write(json.dumps(record) + "\n")


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
    window: Mapping[str, str | None] | None = None,
) -> subprocess.CompletedProcess:
    """Runs one dbt command of the project; raises DbtError when it fails and check is set.

    The window ({ds} or {start_ds, end_ds}) goes through the environment (window_env), and dbt runs in
    the warehouse file's folder with the file named by its name alone, so the profile dbt hashes for
    partial parsing is the same for every warehouse of that name: neither a new window, nor a backfill's
    copy of the warehouse, nor another test's warehouse makes dbt parse the whole project again.
    With die_with_parent, dbt is killed when this process dies (Linux), so no orphan keeps writing."""
    duckdb_path = Path(duckdb_path).resolve()
    duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    target = Path(target_path).resolve() if target_path is not None else PROJECT_ROOT / "target"
    dbt = Path(sys.executable).parent / "dbt"
    # Another project (a copy, as the ledger's tests make) neither starts from nor leaves this project's parse.
    this_project = "--project-dir" not in args
    command = [str(dbt), *args, "--target-path", str(target)]
    if this_project:
        command += ["--project-dir", str(PROJECT_ROOT)]
    if log_path is not None:
        command += ["--log-path", str(Path(log_path).resolve())]
    dbt_args = command[1:]
    if die_with_parent and shutil.which("setpriv"):
        command = ["setpriv", "--pdeathsig", "KILL", *command]
    env = dbt_env(raw_root, duckdb_path, {**window_env(window), **(extra_env or {})})
    if "WAREHOUSE_DUCKDB_PATH" not in (extra_env or {}):  # e.g. ":memory:" (stayhub.ledger)
        env["WAREHOUSE_DUCKDB_PATH"] = duckdb_path.name
    if this_project:
        warm_partial_parse(target)
    # A run with --vars parses from, and leaves, its own partial-parse file (swap_parse_slots).
    vars_slot = this_project and "--vars" in args
    if vars_slot:
        swap_parse_slots(target)
    started = time.monotonic()
    try:
        # A child of the fork server when asked for (stayhub/dbt_forkserver.py), else a new process.
        server = dbt_forkserver.shared_server() if dbt_forkserver.enabled() and not stream else None
        result = None
        if server is not None:
            try:
                result = server.run(dbt_args, env, duckdb_path.parent, die_with_client=die_with_parent)
            except dbt_forkserver.ServerGone:
                pass  # an inherited server that has ended since: nothing ran, so dbt runs as a new process
        if result is None:
            result = subprocess.run(
                command,
                cwd=duckdb_path.parent,
                env=env,
                stdout=None if stream else subprocess.PIPE,
                stderr=subprocess.STDOUT if not stream else None,
                text=True,
            )
    finally:
        # Also when the run is interrupted: the next run without --vars finds its own file.
        if vars_slot:
            swap_parse_slots(target)
    if this_project:
        keep_partial_parse(target)
    log_invocation(args, time.monotonic() - started, result.stdout)
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
