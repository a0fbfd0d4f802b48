"""The partition ledger: which partitions of every partitioned model are
missing, or were built by an older definition of the model (stale), and the
command that rebuilds them.

Every publication by the `partitioned` materialization records, per model and
ds, the run, time, rows, check status and the model's fingerprint in
audit.partition_ledger (macros/ledger). A partition is current when its
ledger row holds the fingerprint the model has now, stale when it holds
another, missing when it has no row.

    python -m scripts.ledger [--models a,b] [--start-ds D --end-ds D] [--all] [--raw-root PATH] [--duckdb-path PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from scripts.warehouse import ds_range, duckdb_path_from_env, landed_range, raw_root_from_env, run_dbt

STATES = ("missing", "stale", "current")


@dataclass(frozen=True)
class PartitionStatus:
    """One partition of one model: its state and, when the ledger has it, who published it and with what."""

    model: str
    ds: str  # YYYY-MM-DD
    state: str  # 'current', 'stale' or 'missing'
    run_id: str | None
    published_at: datetime | None
    fingerprint: str | None


def current_fingerprints(
    raw_root: Path | str,
    duckdb_path: Path | str,
    target_path: Path | str | None = None,
    project_dir: Path | str | None = None,
) -> dict[str, str]:
    """{model name: fingerprint} of every partitioned model as the project (default: this one) defines it now.

    Runs `dbt --quiet run-operation print_partition_fingerprints`, which reads
    the project only: no landed data is needed, and when the warehouse file
    does not exist yet the operation runs on an in-memory database instead of
    creating an empty one.
    """
    args = ["--quiet", "run-operation", "print_partition_fingerprints"]
    if project_dir is not None:
        args += ["--project-dir", str(project_dir)]
    extra_env = None if Path(duckdb_path).exists() else {"WAREHOUSE_DUCKDB_PATH": ":memory:"}
    result = run_dbt(args, raw_root, duckdb_path, extra_env=extra_env, target_path=target_path)
    return parse_fingerprints(result.stdout)


def parse_fingerprints(output: str) -> dict[str, str]:
    """The JSON line print_partition_fingerprints prints (the last line that is a JSON object)."""
    for line in reversed(output.strip().splitlines()):
        if line.startswith("{"):
            fingerprints = json.loads(line)
            if isinstance(fingerprints, dict):
                return fingerprints
    raise ValueError(f"print_partition_fingerprints printed no JSON object:\n{output}")


def partition_status(
    duckdb_path: Path | str,
    fingerprints: dict[str, str],
    start_ds: str,
    end_ds: str,
    models: list[str] | None = None,
) -> list[PartitionStatus]:
    """One PartitionStatus per model (of `models`, default every one in `fingerprints`) per ds from start_ds to end_ds.

    Opens the warehouse read-only; a warehouse or ledger that does not exist
    yet means every partition is missing.
    """
    names = sorted(fingerprints if models is None else set(models))
    unknown = [name for name in names if name not in fingerprints]
    if unknown:
        raise ValueError(f"not partitioned models: {', '.join(unknown)} (partitioned: {', '.join(sorted(fingerprints))})")
    days = ds_range(start_ds, end_ds)
    published = _ledger_rows(Path(duckdb_path), names, start_ds, end_ds)
    statuses = []
    for name in names:
        for ds in days:
            row = published.get((name, ds))
            if row is None:
                statuses.append(PartitionStatus(name, ds, "missing", None, None, None))
            else:
                run_id, published_at, fingerprint = row
                state = "current" if fingerprint == fingerprints[name] else "stale"
                statuses.append(PartitionStatus(name, ds, state, run_id, published_at, fingerprint))
    return statuses


def _ledger_rows(duckdb_path: Path, models: list[str], start_ds: str, end_ds: str) -> dict[tuple[str, str], tuple]:
    """{(model, ds): (run_id, published_at, fingerprint)} from audit.partition_ledger, empty when it does not exist."""
    if not models or not duckdb_path.exists():
        return {}
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        has_ledger = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'audit' and table_name = 'partition_ledger'"
        ).fetchall()[0][0]
        if not has_ledger:
            return {}
        rows = connection.execute(
            "select model_name, cast(ds as varchar), run_id, published_at, fingerprint from audit.partition_ledger "
            "where ds between cast(? as date) and cast(? as date) and list_contains(?, model_name)",
            [start_ds, end_ds, models],
        ).fetchall()
    return {(model, ds): (run_id, published_at, fingerprint) for model, ds, run_id, published_at, fingerprint in rows}


def ranges(days: list[str]) -> list[tuple[str, str]]:
    """Days (YYYY-MM-DD, any order, repeats allowed) collapsed into contiguous inclusive (first, last) ranges, in order."""
    collapsed: list[list[date]] = []
    for day in sorted({date.fromisoformat(ds) for ds in days}):
        if collapsed and day - collapsed[-1][1] == timedelta(days=1):
            collapsed[-1][1] = day
        else:
            collapsed.append([day, day])
    return [(first.isoformat(), last.isoformat()) for first, last in collapsed]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help="comma-separated partitioned models (default: every one)")
    parser.add_argument("--start-ds", help="first ds (default: the first ds landed in every source)")
    parser.add_argument("--end-ds", help="last ds (default: the last ds landed in every source)")
    parser.add_argument("--all", action="store_true", help="list current partitions too")
    parser.add_argument("--raw-root", type=Path, default=raw_root_from_env(), help="landing zone (default: $WAREHOUSE_RAW_ROOT or data/raw)")
    parser.add_argument(
        "--duckdb-path", type=Path, default=duckdb_path_from_env(), help="warehouse file (default: $WAREHOUSE_DUCKDB_PATH or data/warehouse.duckdb)"
    )
    args = parser.parse_args(argv)
    if (args.start_ds is None) != (args.end_ds is None):
        parser.error("--start-ds and --end-ds go together")
    for name in ("start_ds", "end_ds"):
        value = getattr(args, name)
        try:
            if value is not None:
                date.fromisoformat(value)
        except ValueError:
            parser.error(f"--{name.replace('_', '-')} must be a date written YYYY-MM-DD, got '{value}'")
    if args.start_ds is not None and args.start_ds > args.end_ds:
        parser.error(f"--start-ds {args.start_ds} is after --end-ds {args.end_ds}")
    args.models = [name.strip() for name in args.models.split(",") if name.strip()] if args.models else None
    return args


def report(statuses: list[PartitionStatus], show_current: bool) -> list[str]:
    """Per model, its missing and stale (and with show_current, current) partitions as ranges; a total; the rebuild command."""
    lines = []
    by_model: dict[str, dict[str, list[str]]] = {}
    for status in statuses:
        by_model.setdefault(status.model, {state: [] for state in STATES})[status.state].append(status.ds)
    shown_states = STATES if show_current else STATES[:2]
    for model, days in by_model.items():
        entries = [(state, first, last) for state in shown_states for first, last in ranges(days[state])]
        for index, (state, first, last) in enumerate(entries):
            span = first if first == last else f"{first} .. {last}"
            count = len(ds_range(first, last))
            lines.append(f"  {model if index == 0 else '':<28} {state:<8} {span}  ({count} partition{'s' if count > 1 else ''})")
    totals = {state: sum(len(days[state]) for days in by_model.values()) for state in STATES}
    lines.append(
        f"Total: {totals['missing']} missing, {totals['stale']} stale, {totals['current']} current "
        f"partition(s) of {len(by_model)} model(s)."
    )
    to_rebuild = [status.ds for status in statuses if status.state != "current"]
    if to_rebuild:
        lines.append("Rebuild them with:")
        lines.append(f"  python -m scripts.backfill run --stale --start-ds {min(to_rebuild)} --end-ds {max(to_rebuild)}")
    else:
        lines.append("Nothing to rebuild.")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start_ds, end_ds = (args.start_ds, args.end_ds) if args.start_ds else landed_range(args.raw_root)
    fingerprints = current_fingerprints(args.raw_root, args.duckdb_path)
    try:
        statuses = partition_status(args.duckdb_path, fingerprints, start_ds, end_ds, args.models)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Partition ledger of {args.duckdb_path}, ds {start_ds} .. {end_ds}:")
    for line in report(statuses, args.all):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
