"""The database side of a backfill: copy, check, compare, swap. Described here
for DuckDB; on Spark the build is schemas of production's catalog, read here
through a catalog file of views (stayhub/backfill/engines.py), and the swap is
the same macro without one transaction.

DuckDB lets one process write a database file. A backfill therefore builds
away from production: into a copy (the build database), chunk after chunk.
Production is written once, by the swap: one transaction of `dbt run-operation
swap_backfill` (macros/backfill) that replaces the backfilled partitions of
every model and records them in the partition ledger through the
`partitioned` materialization's own macros, after checking that production
still holds the versions of those partitions the build started from: a
partition production republished meanwhile (a daily run) is newer than the
build, and the swap refuses to overwrite it.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from stayhub.backfill.engines import DuckDBBuild, DuckDBWarehouse, SparkBuild, SparkWarehouse
from stayhub.backfill.plan import Chunk, Model, Plan, job_vars_args
from stayhub.warehouse import DbtError, ds_range, ds_shift, raw_root_from_env, table_exists

LEDGER = "audit.partition_ledger"
INPUTS = "audit.partition_inputs"
CHECK_RESULTS = "audit.partition_check_results"
BACKFILL_RUNS = "audit.backfill_runs"
RUN_HISTORY = "audit.run_history"
FIRST_PUBLISHED = "audit.partition_first_published"
# The audit tables a build that is not a copy of production's file (Spark) starts from, copied from production.
BUILD_AUDIT_RELATIONS = (LEDGER, INPUTS, FIRST_PUBLISHED, CHECK_RESULTS, RUN_HISTORY)
# What identifies the version of a published partition in the ledger.
VERSION_COLUMNS = ("run_id", "published_at", "row_count", "fingerprint")


class ProductionMoved(RuntimeError):
    """Production republished partitions the swap would replace after the build copied it."""

    def __init__(self, moved: list[MovedPartition]):
        super().__init__(f"{len(moved)} partition(s) moved in production")
        self.moved = moved


@dataclass(frozen=True)
class MovedPartition:
    model: str
    ds: str
    built_from: dict | None  # the ledger's version when the build copied production (None: no partition)
    now: dict | None  # the ledger's version in production now

    def describe(self) -> str:
        return f"{self.model} ds={self.ds}: the build started from {_version_text(self.built_from)}; production now holds {_version_text(self.now)}"


def _version_text(version: dict | None) -> str:
    if version is None:
        return "no partition"
    return f"run {version['run_id']} (published {str(version['published_at'])[:19]}, {version['row_count']:,} rows)"


@contextmanager
def connect(path: Path, read_only: bool = False):
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise SystemExit(f"Cannot open {path}{' read-only' if read_only else ''}: {error}. Is another process writing it?") from None
    try:
        yield connection
    finally:
        connection.close()


def copy_database(source: Path, destination: Path) -> None:
    """A consistent file copy: a read-only connection keeps writers out while it is taken."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.unlink(missing_ok=True)
    Path(f"{destination}.wal").unlink(missing_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with connect(source, read_only=True):
        if Path(f"{source}.wal").exists():
            shutil.copyfile(f"{source}.wal", f"{destination}.wal")
        shutil.copyfile(source, partial)
    os.replace(partial, destination)


def in_days(days: list[str], column: str = "ds") -> str:
    """A predicate on a ds column for a set of days: a range when they are contiguous."""
    if days == ds_range(days[0], days[-1]):
        return f"{column} between date '{days[0]}' and date '{days[-1]}'"
    return f"{column} in (" + ", ".join(f"date '{day}'" for day in days) + ")"


def published_days(plan: Plan, model: Model) -> list[str]:
    """The partitions of `model` the swap replaces: those a range run rewrites, or with --stale exactly the stale ones."""
    if plan.publish is not None:
        return sorted(plan.publish.get(model.name, []))
    return ds_range(*plan.publish_range(model))


def kept_days(plan: Plan, model: Model, chunk: Chunk) -> list[str]:
    """The partitions a chunk's run of `model` contributes: the ones it rewrites, within what the whole job rewrites."""
    first, last = plan.publish_range(model)
    return ds_range(max(ds_shift(chunk.start_ds, -model.lookback), first), chunk.end_ds)


def partition_rows(path: Path, partitions: list[tuple[str, list[str]]]) -> int:
    """The rows of (relation, days) pairs in one database, counted on one connection."""
    with connect(path, read_only=True) as connection:
        return sum(
            connection.execute(f"select count(*) from {relation} where {in_days(days)}").fetchone()[0]
            for relation, days in partitions
            if days and table_exists(connection, relation)
        )


def sanity_problems(build_db: Path, plan: Plan, run_ids: list[str]) -> list[str]:
    """What is wrong with the build before anything is swapped: a partition not built by this backfill,
    a blocking check that failed, a ledger row count that does not match its partition."""
    problems = []
    runs = ", ".join(f"'{run_id}'" for run_id in run_ids) or "''"
    with connect(build_db, read_only=True) as connection:
        for model in plan.models.values():
            days = published_days(plan, model)
            if not days:
                continue
            built = dict(
                connection.execute(
                    f"select cast(ds as varchar), row_count from {LEDGER} where model_name = ? and {in_days(days)} and run_id in ({runs})",
                    [model.name],
                ).fetchall()
            )
            not_built = [day for day in days if day not in built]
            if not_built:
                problems.append(f"{model.name}: {len(not_built)} partition(s) not built by this backfill, first {not_built[0]}")
                continue
            actual = dict(connection.execute(f"select cast(ds as varchar), count(*) from {model.relation} where {in_days(days)} group by 1").fetchall())
            mismatched = [day for day in days if actual.get(day, 0) != built[day]]
            if mismatched:
                problems.append(f"{model.name}: rows of ds={mismatched[0]} ({actual.get(mismatched[0], 0)}) differ from its ledger ({built[mismatched[0]]})")
        failed = connection.execute(
            f"select model_name, cast(ds as varchar), check_name from {CHECK_RESULTS} where status = 'fail' and run_id in ({runs}) order by all"
        ).fetchall()
        problems += [f"{model}: blocking check {check} failed on ds={ds}" for model, ds, check in failed]
    return problems


@dataclass
class PartitionDiff:
    ds: str
    production_rows: int | None  # None: the partition does not exist in production
    backfill_rows: int
    measures: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)  # measures whose sum changed
    content_changed: bool = False


@dataclass
class ModelDiff:
    model: str
    partitions: list[PartitionDiff]

    @property
    def new(self) -> list[PartitionDiff]:
        return [p for p in self.partitions if p.production_rows is None]

    @property
    def changed(self) -> list[PartitionDiff]:
        return [p for p in self.partitions if p.production_rows is not None and p.content_changed]


def _partition_profile(connection, catalog: str, model: Model, days: list[str]) -> tuple[dict[str, tuple], list[str]]:
    """Per ds: rows, a checksum of the whole rows, and the sum of every m_ measure."""
    relation = f"{catalog}.{model.relation}"
    if not table_exists(connection, model.relation, catalog=catalog):
        return {}, []
    columns = [
        name
        for name, kind in connection.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = ? and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [catalog, *model.relation.split(".")],
        ).fetchall()
        if name.startswith("m_")
        and kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "DOUBLE", "FLOAT", "REAL")
        or name.startswith("m_")
        and kind.startswith("DECIMAL")
    ]
    sums = "".join(f", cast(sum({column}) as double)" for column in columns)
    rows = connection.execute(f"select cast(ds as varchar), count(*), sum(hash(t)){sums} from {relation} as t where {in_days(days)} group by 1").fetchall()
    return {row[0]: row[1:] for row in rows}, columns


def compare_with_production(production_db: Path, build_db: Path, plan: Plan) -> list[ModelDiff]:
    """For every partition the swap would replace: rows and measure sums in production and in the build."""
    diffs = []
    with duckdb.connect() as connection:
        if Path(production_db).exists():
            connection.execute(f"attach '{production_db}' as production (read_only)")
        connection.execute(f"attach '{build_db}' as build (read_only)")
        for model in plan.models.values():
            days = published_days(plan, model)
            if not days:
                continue
            built, columns = _partition_profile(connection, "build", model, days)
            existing, existing_columns = _partition_profile(connection, "production", model, days) if Path(production_db).exists() else ({}, [])
            partitions = []
            for day in days:
                after = built.get(day, (0, None) + (None,) * len(columns))
                before = existing.get(day)
                diff = PartitionDiff(day, None if before is None else before[0], after[0])
                if before is not None:
                    diff.content_changed = before[0] != after[0] or before[1] != after[1]
                    before_sums = dict(zip(existing_columns, before[2:], strict=True))
                    for column, value in zip(columns, after[2:], strict=True):
                        if before_sums.get(column) != value:
                            diff.measures[column] = (before_sums.get(column), value)
                partitions.append(diff)
            diffs.append(ModelDiff(model.name, partitions))
    return diffs


def _number(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def diff_report(backfill_id: str, diffs: list[ModelDiff], limit: int | None = None, moved: list[MovedPartition] | None = None) -> str:
    """The comparison as Markdown: the partitions production republished since the build started (the swap
    refuses them), a line per model, then every changed partition (at most `limit` per model)."""
    lines = [f"# Backfill {backfill_id}: what the swap changes in production", ""]
    if moved:
        lines += [
            f"## Production moved: {len(moved)} partition(s) republished after this backfill's build started",
            "",
            "The swap refuses to replace them with this older build.",
            "",
            "| model | ds | the build started from | production now |",
            "|---|---|---|---|",
        ]
        shown_moved = moved if limit is None else moved[:limit]
        lines += [f"| {p.model} | {p.ds} | {_version_text(p.built_from)} | {_version_text(p.now)} |" for p in shown_moved]
        if len(shown_moved) < len(moved):
            lines.append(f"| … {len(moved) - len(shown_moved)} more in the report file | | | |")
        lines.append("")
    lines += [
        "| model | partitions | new | changed | unchanged | rows in production | rows after the swap |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for diff in diffs:
        existing = [p for p in diff.partitions if p.production_rows is not None]
        lines.append(
            f"| {diff.model} | {len(diff.partitions)} | {len(diff.new)} | {len(diff.changed)} | {len(existing) - len(diff.changed)} "
            f"| {sum(p.production_rows or 0 for p in existing):,} | {sum(p.backfill_rows for p in diff.partitions):,} |"
        )
    changed = [diff for diff in diffs if diff.changed]
    if not changed:
        lines += ["", "No existing partition changes."]
    for diff in changed:
        lines += [
            "",
            f"## {diff.model}: changed partitions",
            "",
            "| ds | rows: production → backfill | Δ rows | measures (sum): production → backfill |",
            "|---|---|---:|---|",
        ]
        shown = diff.changed if limit is None else diff.changed[:limit]
        for partition in shown:
            delta = partition.backfill_rows - (partition.production_rows or 0)  # a changed partition exists in production
            measures = "; ".join(f"{name} {_number(old)} → {_number(new)}" for name, (old, new) in partition.measures.items()) or "same sums, other values"
            lines.append(f"| {partition.ds} | {partition.production_rows:,} → {partition.backfill_rows:,} | {delta:+,} | {measures} |")
        if len(shown) < len(diff.changed):
            lines.append(f"| … {len(diff.changed) - len(shown)} more in the report file | | | |")
    return "\n".join(lines)


def already_swapped(production_db: Path, backfill_id: str) -> bool:
    if not Path(production_db).exists():
        return False
    with connect(production_db, read_only=True) as connection:
        if not table_exists(connection, BACKFILL_RUNS):
            return False
        return connection.execute(f"select count(*) from {BACKFILL_RUNS} where backfill_id = ?", [backfill_id]).fetchone()[0] > 0


def ledger_versions(database: Path, plan: Plan) -> dict[str, dict[str, dict]]:
    """{model: {ds: version}} of every partition the plan publishes that `database`'s ledger holds,
    a version being the ledger's run_id, published_at (text), row_count and fingerprint."""
    if not Path(database).exists():
        return {}
    with connect(database, read_only=True) as connection:
        return _ledger_versions(connection, plan)


def _ledger_versions(connection, plan: Plan, catalog: str | None = None) -> dict[str, dict[str, dict]]:
    if not table_exists(connection, LEDGER, catalog=catalog):
        return {}
    table = f"{catalog}.{LEDGER}" if catalog else LEDGER
    versions: dict[str, dict[str, dict]] = {}
    for model in plan.models.values():
        days = published_days(plan, model)
        if not days:
            continue
        rows = connection.execute(
            f"select cast(ds as varchar), run_id, cast(published_at as varchar), row_count, fingerprint from {table} where model_name = ? and {in_days(days)}",
            [model.name],
        ).fetchall()
        versions[model.name] = {ds: dict(zip(VERSION_COLUMNS, rest, strict=True)) for ds, *rest in rows}
    return versions


def moved_partitions(plan: Plan, built_from: dict[str, dict[str, dict]], now: dict[str, dict[str, dict]]) -> list[MovedPartition]:
    """The partitions the plan publishes whose version in production is not the one the build started from."""
    moved = []
    for model in plan.models.values():
        for day in published_days(plan, model):
            before = built_from.get(model.name, {}).get(day)
            after = now.get(model.name, {}).get(day)
            if before != after:
                moved.append(MovedPartition(model.name, day, before, after))
    return moved


def _write_swap_partitions(path: Path, plan: Plan, built_from: dict[str, dict[str, dict]]) -> None:
    """What the swap publishes, as the parquet file swap_backfill reads: one row per model and ds, with its
    relation, its level and the ledger version production held when the build copied it."""
    levels = {name: level.index for level in plan.levels for name in level.models}
    rows = []
    for model in plan.models.values():
        for day in published_days(plan, model):
            version = built_from.get(model.name, {}).get(day)
            rows.append(
                (model.name, model.relation, levels.get(model.name, 0), day, version is not None)
                + tuple(None if version is None else version[column] for column in VERSION_COLUMNS)
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with duckdb.connect() as connection:
        connection.execute(
            "create table swap_partitions (model_name varchar, relation varchar, level integer, ds date, in_production boolean, "
            "run_id varchar, published_at varchar, row_count bigint, fingerprint varchar)"
        )
        if rows:
            # One statement over column lists: executemany takes seconds for a year of partitions.
            columns = [list(column) for column in zip(*rows, strict=True)]
            connection.execute("insert into swap_partitions select " + ", ".join(f"unnest(${index + 1})" for index in range(len(columns))), columns)
        connection.execute(f"copy swap_partitions to '{partial}' (format parquet)")
    os.replace(partial, path)


def swap_into_production(
    production: Path | DuckDBWarehouse | SparkWarehouse,
    build: Path | DuckDBBuild | SparkBuild,
    plan: Plan,
    backfill_id: str,
    run_ids: list[str],
    built_from: dict[str, dict[str, dict]],
    raw_root: Path | None = None,
    target_path: Path | None = None,
    swap_partitions_path: Path | None = None,
) -> dict[str, int]:
    """Replaces the backfilled partitions of every model in production and records them in the ledger (run_id =
    the chunk that built each, backfill_id = the backfill), with their lineage, check results and run history,
    and the backfill in audit.backfill_runs: by `dbt run-operation swap_backfill` (one transaction on DuckDB),
    through the materialization's own exchange_partitions and partition_ledger_upsert, and only when every
    partition it replaces still has, in production's ledger, the version `built_from` the build started from;
    otherwise nothing is written and it raises ProductionMoved. Production and the build are DuckDB files or
    an engine's (stayhub/backfill/engines.py). Returns the rows published per model."""
    if not isinstance(production, DuckDBWarehouse | SparkWarehouse):
        production = DuckDBWarehouse(production)
    if not isinstance(build, DuckDBBuild | SparkBuild):
        assert isinstance(production, DuckDBWarehouse), "a build file is a DuckDB warehouse's"
        build = DuckDBBuild(production, Path(build))
    folder = Path(swap_partitions_path).parent if swap_partitions_path is not None else Path(build.reads()).parent
    swap_partitions_path = Path(swap_partitions_path) if swap_partitions_path is not None else folder / "swap_partitions.parquet"
    _write_swap_partitions(swap_partitions_path, plan, built_from)
    arguments = {
        **build.swap_arguments(),
        "swap_partitions_path": str(swap_partitions_path.resolve()),
        "backfill_id": backfill_id,
        "job": plan.select,
        "start_ds": plan.start_ds,
        "end_ds": plan.end_ds,
        "run_ids": sorted(run_ids),
    }
    try:
        production.dbt(
            ["run-operation", "swap_backfill", "--args", json.dumps(arguments), *job_vars_args(plan.vars)],
            raw_root if raw_root is not None else raw_root_from_env(),
            target_path=target_path if target_path is not None else folder / "target",
            log_path=folder / "logs" / "swap",
            die_with_parent=True,
        )
    except DbtError as error:
        if "swap_backfill refused: production moved" in error.output:
            raise ProductionMoved(moved_partitions(plan, built_from, ledger_versions(production.reads(), plan))) from None
        raise
    with connect(production.reads(), read_only=True) as connection:
        rows = dict(connection.execute(f"select model_name, sum(row_count) from {LEDGER} where backfill_id = ? group by 1", [backfill_id]).fetchall())
    return {model.name: int(rows.get(model.name) or 0) for model in plan.models.values() if published_days(plan, model)}


def missing_relations(production_db: Path, relations: list[str]) -> list[str]:
    if not Path(production_db).exists():
        return list(relations)
    with connect(production_db, read_only=True) as connection:
        return [relation for relation in relations if not table_exists(connection, relation)]


def copy_views(production_db: Path, build_db: Path, relations: list[str]) -> list[str]:
    """Creates in production the views among `relations` that the build database holds, with the SQL dbt
    created them with there (the same project, the same job), each once the views it reads exist;
    returns the relations it did not create (not a view of the build, or one DuckDB could not bind)."""
    with connect(build_db, read_only=True) as connection:
        defined = {
            f"{schema}.{name}": sql
            for schema, name, sql in connection.execute("select schema_name, view_name, sql from duckdb_views() where not internal").fetchall()
        }
    pending = [relation for relation in relations if relation in defined]
    with connect(production_db) as connection:
        while pending:
            left = []
            for relation in pending:
                connection.execute(f"create schema if not exists {relation.split('.')[0]}")
                try:
                    connection.execute(defined[relation])
                except duckdb.Error:
                    left.append(relation)  # it reads a view not created yet, or cannot bind here
            if len(left) == len(pending):
                break
            pending = left
    return [relation for relation in relations if relation not in defined] + pending
