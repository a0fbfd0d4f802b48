"""The status page: one self-contained HTML page of a warehouse's health.

    stayhub status [--days 14] [--end-ds D] [--out target/status/index.html] [--now "..."]

For every partitioned model, a grid of the last --days ds, each coloured:
published; warned (a check warned); blocked (the latest attempt was stopped by a
check: production keeps what it had); late (first published after the model's
deadline); missing (not published, and due); not due yet. Then the open alerts
(audit.alerts), the latest check failures and warnings, the landing sources'
freshness as the monitor last saw it, and the last runs (daily runs and other
dbt invocations) with their durations. Read-only: it opens the warehouse
read-only and runs `dbt parse` for the models' deadlines.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from stayhub.operations import alerts
from stayhub.operations.monitor import (
    PartitionedModel,
    Publication,
    check_causes,
    now_utc,
    parse_project,
    partitioned_models,
    publications,
    read_freshness,
    utc_time_argument,
)
from stayhub.operations.status_page import Cell, ModelRow, StatusData, write_status_page
from stayhub.warehouse import add_warehouse_arguments, default_target_path, ds_argument, landed_range, table_exists

LAYERS = ("base", "staging", "marts", "cumulative", "metrics", "experiments")


def cell_state(
    model: PartitionedModel, ds: str, publication: Publication | None, blocked_at: datetime | None, now: datetime, last_landed: str | None, first_ds: str | None
) -> Cell:
    """One grid cell: the partition's state and a note saying why. Days before a model's first partition are not due
    (it did not exist yet)."""
    due = model.deadline.due_at(ds) if model.deadline else None
    due_text = f"; due {due:%Y-%m-%d %H:%M} UTC" if due else ""
    if publication is not None:
        published = f"published {publication.first_published_at:%Y-%m-%d %H:%M} UTC"
        if publication.published_at != publication.first_published_at:
            published += f" (last {publication.published_at:%Y-%m-%d %H:%M})"
        note = f"{model.name} ds={ds}: {published}, {publication.row_count:,} rows, checks {publication.check_status}{due_text}"
        if blocked_at is not None and blocked_at > publication.published_at:
            return Cell("blocked", f"{note}; a check blocked the run of {blocked_at:%Y-%m-%d %H:%M} UTC")
        if publication.check_status == "warn":
            return Cell("warned", note)
        if due is not None and publication.first_published_at > due:
            return Cell("late", note)
        return Cell("published", note)
    if blocked_at is not None:
        return Cell("blocked", f"{model.name} ds={ds}: a check blocked it at {blocked_at:%Y-%m-%d %H:%M} UTC; not published{due_text}")
    if first_ds is None or ds < first_ds:
        return Cell("not_due", f"{model.name} ds={ds}: before its first partition")
    if due is not None and due > now:
        return Cell("not_due", f"{model.name} ds={ds}: not published yet{due_text}")
    if due is None and (last_landed is None or ds > last_landed):
        return Cell("not_due", f"{model.name} ds={ds}: not landed yet")
    return Cell("missing", f"{model.name} ds={ds}: not published{due_text}")


def load_status(
    raw_root: Path | str, duckdb_path: Path | str, target_path: Path | str, days: int = 14, end_ds: str | None = None, now: datetime | None = None
) -> StatusData:
    now = now or now_utc()
    parse_project(raw_root, duckdb_path, target_path)
    models = partitioned_models(target_path)
    try:
        last_landed: str | None = landed_range(raw_root)[1]
    except SystemExit:
        last_landed = None
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        published = publications(connection)
        blocked = _blocked(connection)
        failures = _check_failures(connection)
        open_alerts = alerts.open_alerts(connection)
        runs = _runs(connection)
    if end_ds is None:
        latest = max([ds for _, ds in published] + ([last_landed] if last_landed else []), default=now.date().isoformat())
        today = now.date().isoformat()
        end_ds = today if date.fromisoformat(today) - date.fromisoformat(latest) <= timedelta(days=days) else latest
    columns = [(date.fromisoformat(end_ds) - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    first_ds: dict[str, str] = {}
    for name, ds in published:
        first_ds[name] = min(ds, first_ds.get(name, ds))
    rows = []
    for model in sorted(models, key=lambda m: (LAYERS.index(m.schema) if m.schema in LAYERS else len(LAYERS), m.schema, m.name)):
        cells = {
            ds: cell_state(model, ds, published.get((model.name, ds)), blocked.get((model.name, ds)), now, last_landed, first_ds.get(model.name))
            for ds in columns
        }
        rows.append(ModelRow(model.name, model.schema, cells))
    sources_json = Path(target_path) / "sources.json"
    sources = [
        {
            "source": source["source"],
            "latest_ds": None,
            "landed_at": source["max_loaded_at"],
            "status": {"pass": "fresh", "warn": "warn", "error": "stale"}.get(source["status"], "unknown"),
        }
        for source in (read_freshness(sources_json) if sources_json.exists() else [])
    ]
    return StatusData(now, str(duckdb_path), columns, rows, failures, open_alerts, runs, sources)


def _blocked(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], datetime]:
    """{(model, ds): when} of the partitions a check blocks now: the monitor's check_blocked causes (the latest
    result of a check is a fail), the latest of them per partition."""
    blocked: dict[tuple[str, str], datetime] = {}
    for cause in check_causes(connection):
        if cause.kind == "check_blocked":
            key, checked_at = (cause.details["model"], cause.details["ds"]), cause.details["checked_at"]
            blocked[key] = max(checked_at, blocked.get(key, checked_at))
    return blocked


def _check_failures(connection: duckdb.DuckDBPyConnection, limit: int = 25) -> list[dict[str, Any]]:
    if not table_exists(connection, "audit.partition_check_results"):
        return []
    result = connection.execute(
        """select model_name, cast(ds as varchar) as ds, check_name, severity, status, observed_value, threshold, checked_at, run_id
           from audit.partition_check_results where status in ('fail', 'warn') order by checked_at desc, model_name limit ?""",
        [limit],
    )
    names = [column[0] for column in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _runs(connection: duckdb.DuckDBPyConnection, limit: int = 15) -> list[dict[str, Any]]:
    """The last runs: daily runs, and the dbt invocations no daily run made (a user's dbt build, a backfill chunk)."""
    runs: list[dict[str, Any]] = []
    daily_ids: set[str] = set()
    if table_exists(connection, "audit.daily_runs"):
        for run_id, ds, status, exit_code, started_at, seconds, models, rows, message, dbt_run_id in connection.execute(
            """select runner_id, cast(ds as varchar), status, exit_code, started_at, seconds, models, rows_published, message, dbt_run_id
               from audit.daily_runs order by started_at desc limit ?""",
            [limit],
        ).fetchall():
            daily_ids.add(dbt_run_id)
            runs.append(
                {
                    "run_id": dbt_run_id or run_id,
                    "kind": "daily",
                    "window": ds,
                    "status": status,
                    "exit_code": exit_code,
                    "started_at": started_at,
                    "seconds": seconds,
                    "models": models,
                    "rows": rows,
                    "message": message,
                }
            )
    if table_exists(connection, "audit.run_history"):
        for run_id, command, start, end, failed, started_at, seconds, models, rows in connection.execute(
            """select run_id, any_value(command), cast(any_value(window_start_ds) as varchar), cast(any_value(window_end_ds) as varchar),
                      count(case when status in ('error', 'fail') then 1 end), min(started_at),
                      date_diff('millisecond', min(started_at), max(completed_at)) / 1000.0,
                      count(case when resource_type = 'model' then 1 end), sum(case when resource_type = 'model' then rows_affected end)
               from audit.run_history group by run_id order by min(started_at) desc limit ?""",
            [limit],
        ).fetchall():
            if run_id in daily_ids:
                continue
            runs.append(
                {
                    "run_id": run_id,
                    "kind": f"dbt {command}",
                    "window": start if start == end else f"{start} .. {end}",
                    "status": "failed" if failed else "success",
                    "exit_code": 1 if failed else 0,
                    "started_at": started_at,
                    "seconds": seconds,
                    "models": models,
                    "rows": rows,
                    "message": f"{failed} node(s) failed" if failed else "",
                }
            )
    runs.sort(key=lambda run: run["started_at"] or datetime.min, reverse=True)
    return runs[:limit]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stayhub status", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=14, help="days in the grid (default 14)")
    parser.add_argument("--end-ds", type=ds_argument, help="the grid's last ds (default: today, or the latest ds published or landed when that is older)")
    parser.add_argument("--now", type=utc_time_argument, help="judge deadlines as of this UTC time (default: now)")
    parser.add_argument("--out", type=Path, default=Path("target/status/index.html"), help="the page to write (default target/status/index.html)")
    add_warehouse_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.duckdb_path.exists():
        print(f"status: no warehouse at {args.duckdb_path}; build it first (stayhub build or stayhub daily).", file=sys.stderr)
        return 2
    data = load_status(args.raw_root, args.duckdb_path, args.target_path or default_target_path(args.duckdb_path), args.days, args.end_ds, args.now)
    path = write_status_page(data, args.out)
    counts = data.state_counts()
    print(f"Status {data.overall()}: {', '.join(f'{count} {state}' for state, count in counts.items() if count)}; {len(data.open_alerts)} open alert(s).")
    print(f"Wrote {path.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
