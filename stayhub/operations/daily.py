"""The daily run: what cron or any scheduler calls once a day.

    stayhub daily --ds 2025-03-02      # wait for ds's landing partitions, build them, check, publish
    stayhub daily                      # catch up: every landed ds not yet published, in order

For each ds it waits for the `_SUCCESS` marker of every landing source the
selected models read (polling every --poke-interval seconds for up to
--wait-timeout, like an Airflow sensor), takes the warehouse's lock (one
writer per warehouse: a second run waits --lock-timeout seconds, then stops
naming the holder), runs `dbt build --vars '{ds: ...}'` (stage-check-exchange
publishes each partition), records the run in audit.daily_runs (dbt itself
records every node in audit.run_history), then runs the monitor, which sends
the alerts (stayhub monitor).

Exit codes, for the scheduler:
    0  every ds built and published (warned checks included: the monitor alerts on them)
    1  failure: dbt failed for another reason than a check (its log: logs/ or --log-path)
    2  bad arguments
    3  upstream not landed in time: a landing partition had no _SUCCESS by --wait-timeout
    4  a partition check blocked a publication (production keeps the partition it had)
    5  another run holds the warehouse's lock

Catch-up (no --ds) runs, in order, every ds landed in every source the selection
reads that comes after the last ds every partitioned model of the selection has
published (the partition ledger); it stops at the first ds that does not succeed,
and at a ds not landed yet when later ones have (exit 3). Partitions missing before
that are gaps: `stayhub monitor` reports them, `stayhub backfill run` fills them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from stayhub.operations.lock import WarehouseLocked, warehouse_lock
from stayhub.operations.monitor import run_monitor
from stayhub.warehouse import (
    LANDING_SOURCES,
    add_warehouse_arguments,
    default_target_path,
    ds_argument,
    ds_range,
    ds_shift,
    landed_partitions,
    run_dbt,
    table_exists,
)

EXIT_SUCCESS = 0
EXIT_FAILED = 1
EXIT_UPSTREAM_LATE = 3
EXIT_CHECK_BLOCKED = 4
EXIT_LOCKED = 5
STATUS_BY_EXIT = {
    EXIT_SUCCESS: "success",
    EXIT_FAILED: "failed",
    EXIT_UPSTREAM_LATE: "upstream_late",
    EXIT_CHECK_BLOCKED: "check_blocked",
    EXIT_LOCKED: "lock_held",
}
DAILY_RUNS = "audit.daily_runs"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Outcome:
    """What one ds's run came to."""

    ds: str
    exit_code: int
    message: str
    dbt_run_id: str | None = None
    waited_seconds: float = 0.0
    models: int | None = None
    rows: int | None = None

    @property
    def status(self) -> str:
        return STATUS_BY_EXIT[self.exit_code]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stayhub daily", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ds", type=ds_argument, help="the ds to build, YYYY-MM-DD (default: catch up every landed ds not yet published)")
    parser.add_argument("--select", help="dbt's --select for the build (default: the whole project); only the sources it reads are waited for")
    parser.add_argument("--wait-timeout", type=float, default=0.0, help="seconds to wait for the landing partitions (default 0: look once)")
    parser.add_argument("--poke-interval", type=float, default=60.0, help="seconds between two looks at the landing zone (default 60)")
    parser.add_argument("--lock-timeout", type=float, default=0.0, help="seconds to wait for another run's lock (default 0: stop at once)")
    parser.add_argument("--no-monitor", action="store_true", help="skip the monitor (freshness, deadlines, gaps, alerts) after the run")
    add_warehouse_arguments(parser)
    parser.add_argument("--log-path", type=Path, help="dbt's log folder (default: dbt's, logs/)")
    return parser.parse_args(argv)


def selected_nodes(args: argparse.Namespace) -> list[dict]:
    """The selected models (dbt ls), each {name, config}."""
    command = ["--quiet", "ls", "--resource-type", "model", "--output", "json", "--output-keys", "name", "config"]
    if args.select:
        command += ["--select", args.select]
    result = run_dbt(command, args.raw_root, args.duckdb_path, target_path=args.target_path)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def sources_read(model_names: Sequence[str]) -> list[str]:
    """The landing sources the models read directly (their base_<source>__lines model is among them)."""
    names = set(model_names)
    return [source for source in LANDING_SOURCES if f"base_{source}__lines" in names]


def wait_for_landing(
    raw_root: Path,
    sources: Sequence[str],
    ds: str,
    timeout: float,
    poke_interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], float]:
    """Polls ds=<ds>/_SUCCESS of every source until all exist or `timeout` seconds passed.
    Returns the sources still missing and the seconds waited."""
    started = time.monotonic()
    while True:
        missing = [source for source in sources if not (raw_root / source / f"ds={ds}" / "_SUCCESS").exists()]
        waited = time.monotonic() - started
        if not missing or waited >= timeout:
            return missing, waited
        print(f"daily: waiting for ds={ds} of {', '.join(missing)} (_SUCCESS), {waited:.0f} of {timeout:.0f} s", flush=True)
        sleep(max(0.0, min(poke_interval, timeout - waited)))


def published_days(duckdb_path: Path, models: Sequence[str]) -> dict[str, set[str]]:
    """{model: the ds it has in the partition ledger} for `models` (empty without a ledger)."""
    days: dict[str, set[str]] = {model: set() for model in models}
    if not Path(duckdb_path).exists():
        return days
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        if not table_exists(connection, "audit.partition_ledger"):
            return days
        for model, ds in connection.execute("select model_name, cast(ds as varchar) from audit.partition_ledger").fetchall():
            if model in days:
                days[model].add(ds)
    return days


def catch_up_days(landed: dict[str, set[str]], sources: Sequence[str], published: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """The ds to run, in order, and the ds not landed in every source before the last one that has.

    Runs every ds landed in every source after the last ds that every partitioned model with a ledger
    row has published (from the first landed ds on an empty ledger), up to the first ds not landed
    everywhere: the days after it wait for it.
    """
    everywhere = set.intersection(*(landed[source] for source in sources)) if sources else set()
    if not everywhere:
        return [], []
    seen = [days for days in published.values() if days]
    complete = set.intersection(*seen) if seen else set()
    if complete:
        first = ds_shift(max(complete), 1)
    else:
        first = min(set.union(*(landed[source] for source in sources)))
    todo: list[str] = []
    not_landed: list[str] = []
    for ds in ds_range(first, max(everywhere)) if first <= max(everywhere) else []:
        if ds not in everywhere:
            not_landed.append(ds)
        elif not not_landed:
            todo.append(ds)
    return todo, not_landed


def build_ds(args: argparse.Namespace, ds: str) -> Outcome:
    """dbt build for one ds; its outcome from run_results.json and the check results of the invocation."""
    run_results = Path(args.target_path) / "run_results.json"
    run_results.unlink(missing_ok=True)
    command = ["build"]
    if args.select:
        command += ["--select", args.select]
    result = run_dbt(command, args.raw_root, args.duckdb_path, check=False, target_path=args.target_path, log_path=args.log_path, window={"ds": ds})
    print(result.stdout, end="", flush=True)
    if not run_results.exists():
        lines = [line.split("  ", 1)[-1].strip() for line in result.stdout.splitlines()]
        first = next((index for index, line in enumerate(lines) if "Error" in line), None)
        reason = f": {' '.join(line for line in lines[first : first + 3] if line)[:500]}" if first is not None else " (see dbt's output above)"
        return Outcome(ds, EXIT_FAILED, f"dbt build exited {result.returncode} before running any node{reason}")
    report = json.loads(run_results.read_text())
    run_id = report["metadata"]["invocation_id"]
    models = [entry for entry in report["results"] if entry["unique_id"].startswith("model.")]
    failed = [entry for entry in report["results"] if entry["status"] in ("error", "fail")]
    blocked = blocked_checks(args.duckdb_path, run_id)
    rows = run_rows(args.duckdb_path, run_id)
    if result.returncode == 0 and not failed:
        return Outcome(ds, EXIT_SUCCESS, f"built {len(models)} models", run_id, models=len(models), rows=rows)
    blocked_models = {model for model, _, _ in blocked}
    unexplained = [
        entry["unique_id"] for entry in failed if not (entry["unique_id"].startswith("test.") or entry["unique_id"].split(".")[-1] in blocked_models)
    ]
    if (blocked or failed) and not unexplained:
        what = "; ".join(f"{model} ds={day}: {check}" for model, day, check in blocked[:10]) or "; ".join(entry["unique_id"] for entry in failed[:10])
        return Outcome(ds, EXIT_CHECK_BLOCKED, f"a check blocked the publication: {what}", run_id, models=len(models), rows=rows)
    return Outcome(ds, EXIT_FAILED, f"dbt build failed: {', '.join(unexplained[:10]) or f'exit {result.returncode}'}", run_id, models=len(models), rows=rows)


def blocked_checks(duckdb_path: Path, run_id: str) -> list[tuple[str, str, str]]:
    """(model, ds, check) of every partition check that failed (blocked) in the invocation."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return [
            (model, ds, check)
            for model, ds, check in connection.execute(
                "select model_name, cast(ds as varchar), check_name from audit.partition_check_results where run_id = ? and status = 'fail' order by all",
                [run_id],
            ).fetchall()
        ]


def run_rows(duckdb_path: Path, run_id: str) -> int | None:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        value = connection.execute("select sum(rows_affected) from audit.run_history where run_id = ? and resource_type = 'model'", [run_id]).fetchone()
    return None if value is None or value[0] is None else int(value[0])


def record(duckdb_path: Path, runner_id: str, outcome: Outcome, started_at: datetime, finished_at: datetime) -> None:
    """One audit.daily_runs row: the run's ds, status and exit code, times, and dbt's invocation id (audit.run_history's run_id)."""
    with duckdb.connect(str(duckdb_path)) as connection:
        connection.execute("create schema if not exists audit")
        connection.execute(
            f"""create table if not exists {DAILY_RUNS} (
                runner_id varchar, ds date, status varchar, exit_code integer, started_at timestamp, finished_at timestamp,
                seconds double, waited_seconds double, dbt_run_id varchar, models integer, rows_published bigint,
                message varchar, host varchar, pid integer, command varchar)"""
        )
        connection.execute(
            f"insert into {DAILY_RUNS} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                runner_id,
                outcome.ds,
                outcome.status,
                outcome.exit_code,
                started_at,
                finished_at,
                (finished_at - started_at).total_seconds(),
                outcome.waited_seconds,
                outcome.dbt_run_id,
                outcome.models,
                outcome.rows,
                outcome.message,
                socket.gethostname(),
                os.getpid(),
                " ".join(["stayhub", "daily", *sys.argv[2:]]) if sys.argv[1:2] == ["daily"] else " ".join(sys.argv),
            ],
        )


def run_one(args: argparse.Namespace, runner_id: str, ds: str, sources: Sequence[str]) -> Outcome:
    """Waits for ds, builds it under the lock, records it."""
    started_at = now_utc()
    missing, waited = wait_for_landing(args.raw_root, sources, ds, args.wait_timeout, args.poke_interval)
    if missing:
        paths = ", ".join(str(args.raw_root / source / f"ds={ds}" / "_SUCCESS") for source in missing)
        outcome = Outcome(ds, EXIT_UPSTREAM_LATE, f"upstream not landed after {waited:.0f} s: no {paths}", waited_seconds=waited)
        try:
            with warehouse_lock(args.duckdb_path, f"stayhub daily --ds {ds} (recording a late upstream)", args.lock_timeout):
                record(args.duckdb_path, runner_id, outcome, started_at, now_utc())
        except WarehouseLocked as error:
            print(f"daily: not recorded, {error}", file=sys.stderr)
        return outcome
    with warehouse_lock(args.duckdb_path, f"stayhub daily --ds {ds}", args.lock_timeout):
        print(f"daily: building ds={ds} into {args.duckdb_path} ...", flush=True)
        outcome = build_ds(args, ds)
        outcome.waited_seconds = waited
        record(args.duckdb_path, runner_id, outcome, started_at, now_utc())
    return outcome


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.target_path = args.target_path or default_target_path(args.duckdb_path)
    args.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    runner_id = uuid.uuid4().hex
    nodes = selected_nodes(args) if (args.select or not args.ds) else []
    sources = sources_read([node["name"] for node in nodes]) if args.select else list(LANDING_SOURCES)
    days: list[str] = [args.ds] if args.ds else []
    not_landed: list[str] = []
    if not args.ds:
        partitioned = [node["name"] for node in nodes if node["config"].get("materialized") == "partitioned"]
        days, not_landed = catch_up_days(landed_partitions(args.raw_root), sources, published_days(args.duckdb_path, partitioned))
        print(f"daily: catching up {len(days)} ds" + (f": {days[0]} .. {days[-1]}" if days else " (every landed ds is published)"), flush=True)
    outcomes: list[Outcome] = []
    try:
        for ds in days:
            outcome = run_one(args, runner_id, ds, sources)
            outcomes.append(outcome)
            print(f"daily: ds={ds} {outcome.status}: {outcome.message}", flush=True)
            if outcome.exit_code != EXIT_SUCCESS:
                break
    except WarehouseLocked as error:
        print(f"daily: {error}. Nothing was built; wait for it to finish, or raise --lock-timeout.", file=sys.stderr)
        return EXIT_LOCKED
    exit_code = outcomes[-1].exit_code if outcomes else EXIT_SUCCESS
    if exit_code == EXIT_SUCCESS and not_landed:
        print(f"daily: not landed in every source yet: ds {', '.join(not_landed)}; later days wait for them.", file=sys.stderr)
        exit_code = EXIT_UPSTREAM_LATE
    if not args.no_monitor:
        try:
            with warehouse_lock(args.duckdb_path, "stayhub daily (monitor)", args.lock_timeout):
                run_monitor(args.raw_root, args.duckdb_path, target_path=args.target_path, log_path=args.log_path)
        except WarehouseLocked as error:
            print(f"daily: monitor skipped, {error}", file=sys.stderr)
        except Exception as error:  # noqa: BLE001 (the build's exit code stands; the monitor's failure is said, not hidden)
            print(f"daily: the monitor failed, no alerts were sent: {type(error).__name__}: {error}", file=sys.stderr)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
