"""Monitoring: what is red in a warehouse now, and the alerts about it.

    stayhub monitor [--now "2025-03-03 07:00"] [--horizon-days 7] [--alerts-jsonl PATH] [--webhook-url URL]

It looks at:
- the landing zone's freshness: `dbt source freshness` (the landing sources'
  freshness in models/base/_landing__sources.yml: when the newest _SUCCESS was written);
- deadlines: every partitioned model's `meta.deadline` ("D+1 06:00": partition D
  published by 06:00 UTC on D+1; set for the project in dbt_project.yml). Over the
  last --horizon-days days, a partition not published by its deadline is missing,
  one first published after it is late (audit.partition_first_published);
- gaps: a ds with no partition between a model's first and last published ones;
- the checks: the latest result of every partition check (audit.partition_check_results)
  that blocked (fail) or warned;
- failed daily runs (audit.daily_runs: the latest run of a ds failed);
- the experiments' alert rows (experiments.exp_alerts, at each experiment's latest ds).

Each red thing is a cause; stayhub.operations.alerts opens one alert per cause,
sends it once to the sinks (the log, a JSON-lines file, a webhook), and sends a
clear once when the cause is gone. Sinks: --alerts-jsonl or $STAYHUB_ALERTS_JSONL,
--webhook-url or $STAYHUB_ALERTS_WEBHOOK_URL. The daily runner runs it after
every run. Exit code 0 when nothing is red at error severity, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from stayhub.operations import alerts
from stayhub.operations.alerts import Cause
from stayhub.warehouse import add_warehouse_arguments, default_target_path, run_dbt, table_exists

JSONL_ENV = "STAYHUB_ALERTS_JSONL"
WEBHOOK_ENV = "STAYHUB_ALERTS_WEBHOOK_URL"
DEADLINE_PATTERN = re.compile(r"D\+(\d+) ([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Deadline:
    """Partition D is due `days` days after D at hour:minute UTC."""

    days: int
    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str, model: str = "") -> Deadline:
        match = DEADLINE_PATTERN.fullmatch(str(text).strip())
        if not match:
            where = f" of {model}" if model else ""
            raise ValueError(f'deadline{where} \'{text}\' is not written "D+<days> HH:MM" (UTC), e.g. "D+1 06:00"')
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3)))

    def due_at(self, ds: str) -> datetime:
        return datetime.combine(date.fromisoformat(ds) + timedelta(days=self.days), datetime.min.time()).replace(hour=self.hour, minute=self.minute)

    def __str__(self) -> str:
        return f"D+{self.days} {self.hour:02d}:{self.minute:02d} UTC"


@dataclass(frozen=True)
class PartitionedModel:
    name: str
    schema: str
    deadline: Deadline | None


@dataclass(frozen=True)
class Publication:
    """A published partition: when it was first and last published, its rows and check status."""

    first_published_at: datetime
    published_at: datetime
    row_count: int
    check_status: str
    run_id: str


@dataclass(frozen=True)
class DeadlineFinding:
    model: str
    ds: str
    state: str  # 'late' (first published after its deadline) or 'missing' (not published by it)
    due_at: datetime
    published_at: datetime | None


@dataclass
class MonitorResult:
    causes: list[Cause]
    deadlines: list[DeadlineFinding]
    gaps: list[tuple[str, str, str]]  # (model, first missing ds, last missing ds)
    sources: list[dict[str, Any]]
    notifications: list[alerts.Notification] = field(default_factory=list)
    delivery_errors: list[str] = field(default_factory=list)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def manifest_path(target_path: Path | str) -> Path:
    return Path(target_path) / "manifest.json"


def parse_project(raw_root: Path | str, duckdb_path: Path | str, target_path: Path | str, log_path: Path | str | None = None) -> None:
    """dbt parse into target_path (partial parsing keeps it quick), so its manifest.json is the project's now."""
    run_dbt(["--quiet", "parse"], raw_root, duckdb_path, target_path=target_path, log_path=log_path)


def partitioned_models(target_path: Path | str) -> list[PartitionedModel]:
    """Every model materialized `partitioned`, with its schema and deadline, from dbt's manifest.json."""
    manifest = json.loads(manifest_path(target_path).read_text())
    models = []
    for node in manifest["nodes"].values():
        config = node.get("config") or {}
        if node.get("resource_type") != "model" or config.get("materialized") != "partitioned":
            continue
        deadline = (config.get("meta") or {}).get("deadline")
        models.append(PartitionedModel(node["name"], node["schema"], Deadline.parse(deadline, node["name"]) if deadline else None))
    return sorted(models, key=lambda model: model.name)


def publications(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], Publication]:
    """{(model, ds): Publication} of every partition in the ledger."""
    if not table_exists(connection, "audit.partition_ledger"):
        return {}
    first = "cast(null as timestamp)"
    join = ""
    if table_exists(connection, "audit.partition_first_published"):
        first = "first.first_published_at"
        join = "left join audit.partition_first_published as first on ledger.model_name = first.model_name and ledger.ds = first.ds"
    rows = connection.execute(
        f"""select ledger.model_name, cast(ledger.ds as varchar), {first}, ledger.published_at, ledger.row_count,
                   ledger.check_status, ledger.run_id
            from audit.partition_ledger as ledger {join}"""
    ).fetchall()
    return {
        (model, ds): Publication(first_at or published_at, published_at, rows_, status, run_id)
        for model, ds, first_at, published_at, rows_, status, run_id in rows
    }


def deadline_findings(
    models: Sequence[PartitionedModel], published: dict[tuple[str, str], Publication], now: datetime, horizon_days: int
) -> list[DeadlineFinding]:
    """Every partition of the last `horizon_days` days (and today) whose deadline has passed: late or missing.
    A model's days before its first published partition are not counted (it did not exist yet)."""
    findings = []
    days = [(now.date() - timedelta(days=offset)).isoformat() for offset in range(horizon_days, -1, -1)]
    first_ds: dict[str, str] = {}
    for name, ds in published:
        first_ds[name] = min(ds, first_ds.get(name, ds))
    for model in models:
        if model.deadline is None or model.name not in first_ds:
            continue
        for ds in (day for day in days if day >= first_ds[model.name]):
            due = model.deadline.due_at(ds)
            if due > now:
                continue
            publication = published.get((model.name, ds))
            if publication is None:
                findings.append(DeadlineFinding(model.name, ds, "missing", due, None))
            elif publication.first_published_at > due:
                findings.append(DeadlineFinding(model.name, ds, "late", due, publication.first_published_at))
    return findings


def gaps(models: Sequence[PartitionedModel], published: dict[tuple[str, str], Publication]) -> list[tuple[str, str, str]]:
    """(model, first ds, last ds) of each run of days with no partition between a model's first and last partitions."""
    found = []
    for model in models:
        days = sorted(ds for name, ds in published if name == model.name)
        for before, after in zip(days, days[1:], strict=False):
            first_missing = date.fromisoformat(before) + timedelta(days=1)
            if first_missing < date.fromisoformat(after):
                found.append((model.name, first_missing.isoformat(), (date.fromisoformat(after) - timedelta(days=1)).isoformat()))
    return found


def source_freshness(raw_root: Path | str, duckdb_path: Path | str, target_path: Path | str, log_path: Path | str | None = None) -> list[dict[str, Any]]:
    """`dbt source freshness` of the landing zone: per source its status (pass, warn, error, runtime error),
    when it last landed and how long ago (dbt writes sources.json in target_path)."""
    sources_json = Path(target_path).resolve() / "sources.json"
    sources_json.unlink(missing_ok=True)
    result = run_dbt(["source", "freshness", "--output", str(sources_json)], raw_root, duckdb_path, check=False, target_path=target_path, log_path=log_path)
    if not sources_json.exists():
        raise RuntimeError(f"dbt source freshness wrote no results (exit {result.returncode}):\n{(result.stdout or '')[-2000:]}")
    return read_freshness(sources_json)


def read_freshness(sources_json: Path) -> list[dict[str, Any]]:
    report = json.loads(sources_json.read_text())
    rows = []
    for entry in report["results"]:
        rows.append(
            {
                "source": entry["unique_id"].split(".")[-1],
                "status": entry["status"],
                "max_loaded_at": entry.get("max_loaded_at"),
                "age_hours": round(entry["max_loaded_at_time_ago_in_s"] / 3600, 1) if entry.get("max_loaded_at_time_ago_in_s") is not None else None,
                "snapshotted_at": entry.get("snapshotted_at"),
                "error": entry.get("error") or entry.get("message"),
            }
        )
    return sorted(rows, key=lambda row: row["source"])


def check_causes(connection: duckdb.DuckDBPyConnection) -> list[Cause]:
    """A blocked (fail) or warned partition check whose latest result for its model, ds and check is still so."""
    if not table_exists(connection, "audit.partition_check_results"):
        return []
    rows = connection.execute(
        """select model_name, cast(ds as varchar), check_name, status, observed_value, threshold, run_id, checked_at
           from audit.partition_check_results
           qualify row_number() over (partition by model_name, ds, check_name order by checked_at desc, run_id desc) = 1
           and status in ('fail', 'warn')
           order by all"""
    ).fetchall()
    causes = []
    for model, ds, check, status, observed, threshold, run_id, checked_at in rows:
        kind = "check_blocked" if status == "fail" else "check_warned"
        verb = "blocked the partition" if status == "fail" else "warned"
        causes.append(
            Cause(
                kind,
                f"{kind}|{model}|{ds}|{check}",
                "error" if status == "fail" else "warn",
                f"{model} ds={ds}: check {check} {verb} (observed {observed}, expected {threshold})",
                {"model": model, "ds": ds, "check": check, "observed": observed, "threshold": threshold, "run_id": run_id, "checked_at": checked_at},
            )
        )
    return causes


def run_causes(connection: duckdb.DuckDBPyConnection) -> list[Cause]:
    """A ds whose latest daily run failed (exit 1)."""
    if not table_exists(connection, "audit.daily_runs"):
        return []
    rows = connection.execute(
        """select cast(ds as varchar), status, message, dbt_run_id, finished_at
           from audit.daily_runs
           where status in ('success', 'failed', 'check_blocked')
           qualify row_number() over (partition by ds order by finished_at desc) = 1 and status = 'failed'
           order by all"""
    ).fetchall()
    return [
        Cause(
            "run_failed",
            f"run_failed|{ds}",
            "error",
            f"the daily run of ds={ds} failed: {message}",
            {"ds": ds, "dbt_run_id": run_id, "finished_at": finished_at},
        )
        for ds, _, message, run_id, finished_at in rows
    ]


def experiment_causes(connection: duckdb.DuckDBPyConnection) -> list[Cause]:
    """The alert rows of experiments.exp_alerts at each experiment's latest ds (of its results or alerts)."""
    if not table_exists(connection, "experiments.exp_alerts"):
        return []
    results = "union all select experiment_key, ds from experiments.exp_results" if table_exists(connection, "experiments.exp_results") else ""
    rows = connection.execute(
        f"""select cast(alerts.ds as varchar), alerts.experiment_key, alerts.alert_type, alerts.metric, alerts.variant, alerts.p_value, alerts.detail
           from experiments.exp_alerts as alerts
           inner join (
               select experiment_key, max(ds) as ds
               from (select experiment_key, ds from experiments.exp_alerts {results})
               group by experiment_key
           ) as latest
               on alerts.experiment_key = latest.experiment_key and alerts.ds = latest.ds
           order by all"""
    ).fetchall()
    causes = []
    for ds, experiment, alert_type, metric, variant, p_value, detail in rows:
        about = " ".join(part for part in (metric, variant) if part)
        causes.append(
            Cause(
                "experiment_alert",
                f"experiment_alert|{experiment}|{alert_type}|{metric or ''}|{variant or ''}",
                "warn",
                f"experiment {experiment}: {alert_type.replace('_', ' ')}{' ' + about if about else ''} as of ds={ds}: {detail}",
                {"experiment": experiment, "alert_type": alert_type, "metric": metric, "variant": variant, "p_value": p_value, "ds": ds},
            )
        )
    return causes


def deadline_causes(findings: Iterable[DeadlineFinding]) -> list[Cause]:
    """One cause per ds with partitions not published by their deadline; it clears once every one is published
    (a late partition stays in the report and on the status page)."""
    missing: dict[str, list[DeadlineFinding]] = {}
    for finding in findings:
        if finding.state == "missing":
            missing.setdefault(finding.ds, []).append(finding)
    causes = []
    for ds, found in sorted(missing.items()):
        models = sorted(finding.model for finding in found)
        due = min(finding.due_at for finding in found)
        causes.append(
            Cause(
                "deadline_missed",
                f"deadline_missed|{ds}",
                "error",
                f"ds={ds}: {len(models)} partition(s) not published by their deadline (first due {due:%Y-%m-%d %H:%M} UTC):"
                f" {', '.join(models[:8])}{' ...' if len(models) > 8 else ''}",
                {"ds": ds, "models": models, "first_due_at": due},
            )
        )
    return causes


def gap_causes(found: Iterable[tuple[str, str, str]]) -> list[Cause]:
    return [
        Cause(
            "partition_gap",
            f"partition_gap|{model}|{first}|{last}",
            "error",
            f"{model} has no partition for ds {first}{' .. ' + last if last != first else ''}, between published ones"
            f" (stayhub backfill run --select {model} --start-ds {first} --end-ds {last})",
            {"model": model, "first_ds": first, "last_ds": last},
        )
        for model, first, last in found
    ]


def freshness_causes(sources: Iterable[dict[str, Any]]) -> list[Cause]:
    causes = []
    for source in sources:
        if source["status"] == "pass":
            continue
        age = f"last landed {source['max_loaded_at']} ({source['age_hours']} h ago)" if source["max_loaded_at"] else "no complete partition"
        causes.append(
            Cause(
                "source_stale",
                f"source_stale|{source['source']}",
                "warn" if source["status"] == "warn" else "error",
                f"landing source {source['source']} is stale ({source['status']}): {age}",
                dict(source),
            )
        )
    return causes


def evaluate(
    raw_root: Path | str,
    duckdb_path: Path | str,
    target_path: Path | str,
    now: datetime,
    horizon_days: int = 7,
    freshness: bool = True,
    log_path: Path | str | None = None,
) -> MonitorResult:
    """Every cause red now (reads the warehouse; runs dbt parse and dbt source freshness)."""
    parse_project(raw_root, duckdb_path, target_path, log_path)
    models = partitioned_models(target_path)
    sources = source_freshness(raw_root, duckdb_path, target_path, log_path) if freshness else []
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        published = publications(connection)
        findings = deadline_findings(models, published, now, horizon_days)
        found_gaps = gaps(models, published)
        causes = [*run_causes(connection), *check_causes(connection), *experiment_causes(connection)]
    causes += [*deadline_causes(findings), *gap_causes(found_gaps), *freshness_causes(sources)]
    return MonitorResult(causes, findings, found_gaps, sources)


def run_monitor(
    raw_root: Path | str,
    duckdb_path: Path | str,
    target_path: Path | str,
    now: datetime | None = None,
    horizon_days: int = 7,
    freshness: bool = True,
    sinks: list[alerts.Sink] | None = None,
    log_path: Path | str | None = None,
) -> MonitorResult:
    """Evaluates, then opens, clears and sends the alerts (the caller holds the warehouse's lock)."""
    now = now or now_utc()
    result = evaluate(raw_root, duckdb_path, target_path, now, horizon_days, freshness, log_path)
    if sinks is None:
        sinks = alerts.sinks_from_config(os.environ.get(JSONL_ENV), os.environ.get(WEBHOOK_ENV))
    kinds = [kind for kind in alerts.ALERT_KINDS if freshness or kind != "source_stale"]
    with duckdb.connect(str(duckdb_path)) as connection:
        alerts.ensure_alert_table(connection)
        result.notifications = alerts.reconcile(connection, result.causes, now, kinds)
        result.delivery_errors = alerts.deliver(connection, result.notifications, sinks, now)
    for error in result.delivery_errors:
        print(f"monitor: alert not delivered: {error}", file=sys.stderr)
    return result


def report(result: MonitorResult) -> list[str]:
    """The monitor's findings as lines for a terminal."""
    lines = []
    late = [finding for finding in result.deadlines if finding.state == "late"]
    missing = [finding for finding in result.deadlines if finding.state == "missing"]
    lines.append(f"Deadlines: {len(missing)} partition(s) missing, {len(late)} published late.")
    for finding in missing + late:
        when = f", first published {finding.published_at:%Y-%m-%d %H:%M}" if finding.published_at else ""
        lines.append(f"  {finding.state:<8} {finding.model} ds={finding.ds} (due {finding.due_at:%Y-%m-%d %H:%M} UTC{when})")
    lines.append(f"Gaps in published history: {len(result.gaps)}.")
    lines += [f"  {model}: ds {first} .. {last}" for model, first, last in result.gaps]
    if result.sources:
        lines.append("Landing freshness:")
        lines += [f"  {source['source']:<12} {source['status']:<8} last landed {source['max_loaded_at']}" for source in result.sources]
    lines.append(
        f"Red now: {len(result.causes)} cause(s); alerts sent: {sum(n.event == 'firing' for n in result.notifications)} firing, "
        f"{sum(n.event == 'cleared' for n in result.notifications)} cleared."
    )
    lines += [f"  [{cause.severity}] {cause.kind}: {cause.summary}" for cause in result.causes[:50]]
    if len(result.causes) > 50:
        lines.append(f"  ... and {len(result.causes) - 50} more (audit.alerts)")
    return lines


def utc_time_argument(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a time written YYYY-MM-DD HH:MM (UTC)") from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="stayhub monitor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--now", type=utc_time_argument, help="evaluate deadlines as of this UTC time (default: now)")
    parser.add_argument("--horizon-days", type=int, default=7, help="days back whose deadlines are checked (default 7)")
    parser.add_argument("--no-freshness", action="store_true", help="skip dbt source freshness")
    parser.add_argument("--alerts-jsonl", default=os.environ.get(JSONL_ENV), help=f"append alerts to this JSON-lines file (default: ${JSONL_ENV})")
    parser.add_argument("--webhook-url", default=os.environ.get(WEBHOOK_ENV), help=f"post alerts to this chat webhook (default: ${WEBHOOK_ENV})")
    parser.add_argument("--lock-timeout", type=float, default=60.0, help="seconds to wait for a run holding the warehouse's lock (default 60)")
    add_warehouse_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from stayhub.operations.lock import WarehouseLocked, warehouse_lock

    args = parse_args(argv)
    if not args.duckdb_path.exists():
        print(f"monitor: no warehouse at {args.duckdb_path}; build it first (stayhub build or stayhub daily).", file=sys.stderr)
        return 2
    target_path = args.target_path or default_target_path(args.duckdb_path)
    sinks = alerts.sinks_from_config(args.alerts_jsonl, args.webhook_url)
    try:
        with warehouse_lock(args.duckdb_path, "stayhub monitor", args.lock_timeout):
            result = run_monitor(args.raw_root, args.duckdb_path, target_path, args.now, args.horizon_days, not args.no_freshness, sinks)
    except WarehouseLocked as error:
        print(f"monitor: {error}", file=sys.stderr)
        return 5
    except ValueError as error:
        print(f"monitor: {error}", file=sys.stderr)
        return 2
    for line in report(result):
        print(line)
    return 1 if any(cause.severity == "error" for cause in result.causes) else 0


if __name__ == "__main__":
    sys.exit(main())
