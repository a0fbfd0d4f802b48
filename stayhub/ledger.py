"""The partition ledger: which partitions of every partitioned model are
missing, or stale: built by an older definition of the model, or built on
input partitions that were republished since. With the reason for each, and
the command that rebuilds them.

Every publication by the `partitioned` materialization records, per model and
ds, the run, time, rows, a checksum of the rows, check status and the model's
fingerprint in audit.partition_ledger, and the version of every partition it
was built from in audit.partition_inputs (macros/ledger). A partition is
missing when it has no ledger row; stale when its row holds another
fingerprint than the model has now ("its definition changed"), when an input
partition it recorded is no longer the version the ledger holds ("input
fct_page_views ds=2025-01-04 republished at ... after it"), or when it is
built on a stale partition, however far upstream ("built on stale
cum_user_activity ds=2025-01-03"); current otherwise.

    stayhub ledger [--models a,b] [--start-ds D --end-ds D] [--all] [--raw-root PATH] [--duckdb-path PATH]

On Spark (WAREHOUSE_TARGET=spark, WAREHOUSE_SPARK_DIR) it reads the ledger Spark wrote, as the backfill
runner does.

Without --start-ds/--end-ds it lists every ds landed in every source, and
before the first of them the partitions the ledger holds: facts and the
tables built on them rewrite lookback_days partitions before their window.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from stayhub.project import lookback_days_default
from stayhub.warehouse import DEFAULT_RAW_ROOT, ds_range, ds_shift, duckdb_path_from_env, landed_range, raw_root_from_env, run_dbt

STATES = ("missing", "stale", "current")
DEFINITION_CHANGED = "its definition changed"


@dataclass(frozen=True)
class PartitionStatus:
    """One partition of one model: its state and, when the ledger has it, who published it and with what;
    for a stale partition, why."""

    model: str
    ds: str  # YYYY-MM-DD
    state: str  # 'current', 'stale' or 'missing'
    run_id: str | None
    published_at: datetime | None
    fingerprint: str | None
    reason: str | None = None


@dataclass(frozen=True)
class Version:
    """A partition's version: its ledger row (or, recorded as an input, the ledger row it had then)."""

    run_id: str | None
    published_at: datetime | None
    row_count: int | None
    checksum: str | None


def input_changed(recorded: Version, current: Version | None) -> bool:
    """Whether an input partition is not the version a partition recorded it had when it was built.

    The same rule as the on-run-end report (macros/ledger/report_stale_partitions.sql): an input not
    published then counts once it has rows; one gone since counts when it had rows; otherwise the
    row checksums and counts decide when both are known (republished with the same rows is
    unchanged), else run_id and published_at.
    """
    if recorded.run_id is None:
        return current is not None and (current.row_count or 0) > 0
    if current is None:
        return (recorded.row_count or 0) > 0
    if recorded.checksum is not None and current.checksum is not None:
        return recorded.checksum != current.checksum or recorded.row_count != current.row_count
    return (recorded.run_id, recorded.published_at) != (current.run_id, current.published_at)


def _timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "an unknown time"


def _change_reason(input_model: str, input_ds: str, recorded: Version, current: Version | None, built_at: datetime | None) -> str:
    where = f"input {input_model} ds={input_ds}"
    if current is None:
        return f"{where} is no longer published"
    if recorded.run_id is None:
        return f"{where} published at {_timestamp(current.published_at)} after it"
    if built_at is not None and current.published_at is not None and current.published_at > built_at:
        return f"{where} republished at {_timestamp(current.published_at)} after it"
    return f"{where} is not the version it was built on"


def stale_by_inputs(ledger: dict[tuple[str, str], Version], inputs: list[tuple]) -> dict[tuple[str, str], str]:
    """{(model, ds): reason} of every published partition whose inputs changed since it was built, or that is
    built on such a partition, however far upstream.

    ledger: the ledger's current version of every partition; inputs: (model, ds, input_model, input_ds,
    recorded Version) rows of audit.partition_inputs. A partition that is stale itself names the first input
    that changed; one built on stale partitions names the earliest (ds, then model) partition that is
    stale itself among all it builds on, directly or not.
    """
    reads: dict[tuple[str, str], list[tuple[tuple[str, str], Version]]] = {}
    for model, ds, input_model, input_ds, recorded in inputs:
        if (model, ds) in ledger:
            reads.setdefault((model, ds), []).append(((input_model, input_ds), recorded))

    direct: dict[tuple[str, str], str] = {}
    for key, read in reads.items():
        changed = sorted(
            ((input_key, recorded) for input_key, recorded in read if input_changed(recorded, ledger.get(input_key))),
            key=lambda item: item[0],
        )
        if changed:
            (input_model, input_ds), recorded = changed[0]
            reason = _change_reason(input_model, input_ds, recorded, ledger.get((input_model, input_ds)), ledger[key].published_at)
            direct[key] = reason + (f" (and {len(changed) - 1} more input partition(s))" if len(changed) > 1 else "")

    # Models in an order where every model comes after those it reads; each model's partitions by ds.
    parents: dict[str, set[str]] = {}
    for (model, _), read in reads.items():
        parents.setdefault(model, set()).update(input_model for (input_model, _), _ in read if input_model != model)
    order: list[str] = []

    def place(model: str, path: tuple[str, ...] = ()) -> None:
        if model in order or model in path:  # a cycle cannot happen in a dbt DAG
            return
        for parent in sorted(parents.get(model, ())):
            place(parent, path + (model,))
        order.append(model)

    for model in sorted({model for model, _ in ledger} | set(parents)):
        place(model)
    rank = {model: position for position, model in enumerate(order)}

    root: dict[tuple[str, str], tuple[str, str]] = {}  # stale partition -> the stale-by-itself partition it builds on
    for key in sorted(reads, key=lambda item: (rank.get(item[0], 0), item[1])):
        if key in direct:
            root[key] = key
            continue
        upstream = [root[input_key] for input_key, _ in reads[key] if input_key in root]
        if upstream:
            root[key] = min(upstream, key=lambda item: (item[1], item[0]))
    return {key: direct[key] if key == origin else f"built on stale {origin[0]} ds={origin[1]}" for key, origin in root.items()}


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
    published, versions, inputs = _ledger_rows(Path(duckdb_path), names)
    by_inputs = stale_by_inputs(versions, inputs)
    statuses = []
    for name in names:
        for ds in days:
            row = published.get((name, ds))
            if row is None:
                statuses.append(PartitionStatus(name, ds, "missing", None, None, None))
                continue
            run_id, published_at, fingerprint = row
            reason = DEFINITION_CHANGED if fingerprint != fingerprints[name] else by_inputs.get((name, ds))
            statuses.append(PartitionStatus(name, ds, "stale" if reason else "current", run_id, published_at, fingerprint, reason))
    return statuses


def landed_statuses(
    duckdb_path: Path | str, fingerprints: dict[str, str], raw_root: Path | str, models: list[str] | None = None
) -> tuple[str, str, list[PartitionStatus]]:
    """The first and last ds landed in every source, and the PartitionStatus of every model per ds from
    lookback_days (the project's var) before the first to the last, those before the first only when the
    ledger holds them (the late partitions facts and the tables built on them rewrite)."""
    first, last = landed_range(raw_root)
    start = ds_shift(first, -lookback_days_default())
    statuses = partition_status(duckdb_path, fingerprints, start, last, models)
    return first, last, [status for status in statuses if status.ds >= first or status.state != "missing"]


def stale_by_inputs_in(duckdb_path: Path | str) -> dict[str, list[str]]:
    """{model: its ds, in order} of the partitions stale because of their inputs (stale_by_inputs), from the
    warehouse's ledger alone: no dbt, no fingerprints."""
    _, versions, inputs = _ledger_rows(Path(duckdb_path), [])
    stale: dict[str, list[str]] = {}
    for model, ds in sorted(stale_by_inputs(versions, inputs)):
        stale.setdefault(model, []).append(ds)
    return stale


def _ledger_rows(duckdb_path: Path, models: list[str]) -> tuple[dict[tuple[str, str], tuple], dict[tuple[str, str], Version], list[tuple]]:
    """From audit.partition_ledger and audit.partition_inputs (empty when they do not exist):
    {(model, ds): (run_id, published_at, fingerprint)} of `models`, the Version of every partition
    of every model, and every recorded input as (model, ds, input_model, input_ds, Version)."""
    if not duckdb_path.exists():
        return {}, {}, []
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        columns = {
            (table, column)
            for table, column in connection.execute(
                "select table_name, column_name from information_schema.columns "
                "where table_schema = 'audit' and table_name in ('partition_ledger', 'partition_inputs')"
            ).fetchall()
        }
        if not columns:
            return {}, {}, []
        checksum = "row_checksum" if ("partition_ledger", "row_checksum") in columns else "cast(null as varchar)"
        rows = connection.execute(
            f"select model_name, cast(ds as varchar), run_id, published_at, fingerprint, row_count, {checksum} from audit.partition_ledger"
        ).fetchall()
        inputs = []
        if ("partition_inputs", "input_checksum") in columns:
            inputs = [
                (model, ds, input_model, input_ds, Version(*version))
                for model, ds, input_model, input_ds, *version in connection.execute(
                    "select model_name, cast(ds as varchar), input_model, cast(input_ds as varchar), "
                    "input_run_id, input_published_at, input_row_count, input_checksum from audit.partition_inputs"
                ).fetchall()
            ]
    wanted = set(models)
    published = {(model, ds): (run_id, published_at, fingerprint) for model, ds, run_id, published_at, fingerprint, _, _ in rows if model in wanted}
    versions = {(model, ds): Version(run_id, published_at, row_count, checksum) for model, ds, run_id, published_at, _, row_count, checksum in rows}
    return published, versions, inputs


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
    parser = argparse.ArgumentParser(prog="stayhub ledger", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help="comma-separated partitioned models (default: every one)")
    parser.add_argument("--start-ds", help="first ds (default: the first ds landed in every source)")
    parser.add_argument("--end-ds", help="last ds (default: the last ds landed in every source)")
    parser.add_argument("--all", action="store_true", help="list current partitions too")
    parser.add_argument("--raw-root", type=Path, default=raw_root_from_env(), help=f"landing zone (default: $WAREHOUSE_RAW_ROOT or {DEFAULT_RAW_ROOT})")
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


def _runs(statuses: list[PartitionStatus]) -> list[tuple[str, str, str, str | None]]:
    """(state, first ds, last ds, reason) of the contiguous runs of days with the same state and reason, in state then ds order."""
    runs: list[tuple[str, str, str, str | None]] = []
    by_key: dict[tuple[str, str | None], list[str]] = {}
    for status in statuses:
        by_key.setdefault((status.state, status.reason), []).append(status.ds)
    for (state, reason), days in by_key.items():
        runs += [(state, first, last, reason) for first, last in ranges(days)]
    return sorted(runs, key=lambda run: (STATES.index(run[0]), run[1]))


def report(statuses: list[PartitionStatus], show_current: bool, whole_range: bool = False) -> list[str]:
    """Per model, its missing and stale (and with show_current, current) partitions as ranges, a stale range with
    its reason; a total; the rebuild command (without dates when the listing is the landed range, run --stale's default)."""
    lines = []
    by_model: dict[str, dict[str, list[str]]] = {}
    model_statuses: dict[str, list[PartitionStatus]] = {}
    for status in statuses:
        by_model.setdefault(status.model, {state: [] for state in STATES})[status.state].append(status.ds)
        model_statuses.setdefault(status.model, []).append(status)
    shown_states = STATES if show_current else STATES[:2]
    for model in by_model:
        entries = [run for run in _runs(model_statuses[model]) if run[0] in shown_states]
        for index, (state, first, last, reason) in enumerate(entries):
            span = first if first == last else f"{first} .. {last}"
            count = len(ds_range(first, last))
            why = f": {reason}" if reason else ""
            lines.append(f"  {model if index == 0 else '':<28} {state:<8} {span}  ({count} partition{'s' if count > 1 else ''}){why}")
    totals = {state: sum(len(days[state]) for days in by_model.values()) for state in STATES}
    lines.append(f"Total: {totals['missing']} missing, {totals['stale']} stale, {totals['current']} current partition(s) of {len(by_model)} model(s).")
    to_rebuild = [status.ds for status in statuses if status.state != "current"]
    if to_rebuild:
        lines.append("Rebuild them with:")
        dates = "" if whole_range else f" --start-ds {min(to_rebuild)} --end-ds {max(to_rebuild)}"
        lines.append(f"  stayhub backfill run --stale{dates}")
    else:
        lines.append("Nothing to rebuild.")
    return lines


def main(argv: list[str] | None = None) -> int:
    from stayhub.backfill.engines import warehouse_from_env

    args = parse_args(argv)
    # The engine of $WAREHOUSE_TARGET, as the backfill runner reads it: on Spark, the fingerprints its dispatch
    # computes and the ledger through a catalog of Spark's committed files.
    warehouse = warehouse_from_env(args.duckdb_path)
    fingerprints = warehouse.fingerprints(args.raw_root, target_path=None)
    ledger = warehouse.reads()
    try:
        if args.start_ds:
            statuses = partition_status(ledger, fingerprints, args.start_ds, args.end_ds, args.models)
            print(f"Partition ledger of {warehouse.location}, ds {args.start_ds} .. {args.end_ds}:")
        else:
            first, last, statuses = landed_statuses(ledger, fingerprints, args.raw_root, args.models)
            print(f"Partition ledger of {warehouse.location}, ds {first} .. {last} (landed in every source) and the late partitions before it:")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in report(statuses, args.all, whole_range=not args.start_ds):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
