"""Benchmarks: named scenarios, each timed in its own process, printed as a table.

    stayhub benchmark                    # every scenario
    stayhub benchmark generate_default   # some of them
    stayhub benchmark --list
    stayhub benchmark --write docs/benchmarks.md

Each scenario has an untimed setup and a timed run, both in child processes;
wall time and peak memory (the largest resident set of any process of the
run, dbt's included) are those of the run alone. Scenarios share a work
folder (--workdir, default a temporary one), so a build reuses the sample.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import yaml

from stayhub import generate
from stayhub.cumulative_full_scan import user_activity_full_scan_sql
from stayhub.engine_parity import compare_builds, partitioned_tables, spark_table_folder
from stayhub.metrics.definitions import load_definitions
from stayhub.metrics.metricflow import mf_query
from stayhub.page_views_floor import PAGE_VIEW_COLUMNS, landing_files, page_views_floor_sql
from stayhub.project import lookback_days_default
from stayhub.spark import run_dbt_on_spark
from stayhub.warehouse import PII_KEY_ENV, PROJECT_ROOT, SAMPLE_PII_KEY_NAME, dbt_vars, landed_range, run_dbt, write_sample_pii_key


@dataclass(frozen=True)
class Scenario:
    description: str
    run: Callable[[Path], int]  # returns the rows it produced or processed
    setup: Callable[[Path], None] = lambda workdir: None
    group: str = "quick"  # the scenarios run when none is named: those of --group (default quick)
    # Untimed, after the run: what the run's result was checked against, or raises SystemExit when it is wrong.
    check: Callable[[Path], str] | None = None


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, setup: Callable[[Path], None] | None = None):
    def register(run: Callable[[Path], int]):
        SCENARIOS[name] = Scenario(description, run, setup or (lambda workdir: None))
        return run

    return register


def default_sample(workdir: Path) -> Path:
    return workdir / "default" / "raw"


def ensure_default_sample(workdir: Path) -> None:
    if not (default_sample(workdir) / "events").exists():
        generate.generate(default_sample(workdir), overwrite=True)


def base_and_staging_rows(duckdb_path: Path) -> int:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        tables = connection.sql(
            "select table_schema, table_name from information_schema.tables where table_schema in ('base', 'staging') and table_type = 'BASE TABLE'"
        ).fetchall()
        return sum(connection.execute(f"select count(*) from {schema}.{name}").fetchall()[0][0] for schema, name in tables)


@scenario("generate_default", "generate the default sample landing zone (60 days, all sources)")
def run_generate_default(workdir: Path) -> int:
    summary = generate.generate(default_sample(workdir), overwrite=True)
    return sum(partition["lines"] for source, per_ds in summary.items() if source != "injected" for partition in per_ds.values())


@scenario("full_build_default", "dbt seed + dbt build of the default sample, all days in one range run", setup=ensure_default_sample)
def run_full_build_default(workdir: Path) -> int:
    raw_root = default_sample(workdir)
    duckdb_path = workdir / "default" / "full_build.duckdb"
    duckdb_path.unlink(missing_ok=True)
    start_ds, end_ds = landed_range(raw_root)
    target = workdir / "default" / "target"
    run_dbt(["seed"], raw_root, duckdb_path, target_path=target)
    run_dbt(["build", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)], raw_root, duckdb_path, target_path=target)
    return base_and_staging_rows(duckdb_path)


# --- issue: daily runs stay flat as history grows -----------------------------

HISTORY_START = "2024-01-01"
HISTORY_LENGTHS = (30, 180, 365)
# Smaller days than the default sample, so that a year of history builds in minutes.
HISTORY_SAMPLE: dict[str, int] = {"days": max(HISTORY_LENGTHS), "users": 5000, "listings": 600, "events_per_day": 3000}


def history_raw_root(workdir: Path) -> Path:
    return workdir / "history" / "raw"


def ensure_generated_sample(raw_root: Path, sample: dict[str, int], in_progress_days: int = generate.DEFAULT_IN_PROGRESS_DAYS) -> None:
    """`sample` (days, users, listings, events_per_day from HISTORY_START) under raw_root, unless it is there."""
    if not (raw_root / "events").exists():
        generate.generate(
            raw_root,
            start_ds=HISTORY_START,
            overwrite=True,
            days=sample["days"],
            users=sample["users"],
            listings=sample["listings"],
            events_per_day=sample["events_per_day"],
            in_progress_days=in_progress_days,
        )


def ensure_history_sample(workdir: Path) -> None:
    ensure_generated_sample(history_raw_root(workdir), HISTORY_SAMPLE)


def history_day(length: int) -> str:
    return (date.fromisoformat(HISTORY_START) + timedelta(days=length - 1)).isoformat()


def history_dbt(workdir: Path, name: str, args: list[str]) -> None:
    run_dbt(args, history_raw_root(workdir), workdir / "history" / f"{name}.duckdb", target_path=workdir / "history" / f"target_{name}")


def partition_rows(duckdb_path: Path, first_ds: str, last_ds: str | None = None, schemas: tuple[str, ...] = ("base", "staging", "marts")) -> int:
    """Rows of every partitioned table of `schemas` in first_ds .. last_ds (default: first_ds alone)."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        tables = connection.sql(
            "select table_schema, table_name from information_schema.columns "
            f"where column_name = 'ds' and table_schema in ({listed}) "
            "and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE')"
        ).fetchall()
        return sum(
            connection.execute(f"select count(*) from {schema}.{name} where ds between '{first_ds}' and '{last_ds or first_ds}'").fetchall()[0][0]
            for schema, name in tables
        )


def register_history_scenarios(length: int) -> None:
    day = history_day(length)
    daily = f"daily_run_history_{length}"

    def setup_daily(workdir: Path) -> None:
        ensure_history_sample(workdir)
        (workdir / "history" / f"{daily}.duckdb").unlink(missing_ok=True)
        history_dbt(workdir, daily, ["seed"])
        history_dbt(workdir, daily, ["run", "--vars", dbt_vars(start_ds=HISTORY_START, end_ds=history_day(length - 1))])

    def run_daily(workdir: Path) -> int:
        history_dbt(workdir, daily, ["run", "--vars", dbt_vars(ds=day)])
        return partition_rows(workdir / "history" / f"{daily}.duckdb", day)

    def run_full_refresh(workdir: Path) -> int:
        # Runs on the daily scenario's database: the same day, every partition rebuilt.
        history_dbt(workdir, daily, ["run", "--full-refresh", "--vars", dbt_vars(start_ds=HISTORY_START, end_ds=day)])
        return partition_rows(workdir / "history" / f"{daily}.duckdb", day)

    SCENARIOS[daily] = Scenario(f"one daily run (ds {day}) on {length - 1} days of history, 3k events/day", run_daily, setup_daily)
    SCENARIOS[f"full_refresh_history_{length}"] = Scenario(f"the same day rebuilt by --full-refresh of all {length} days", run_full_refresh, setup_daily)


for _length in HISTORY_LENGTHS:
    register_history_scenarios(_length)


# --- issue: what stage-check-exchange costs --------------------------------------

PUBLISH_WEEK_DAYS = 7


def register_publish_scenario(mode: str, description: str) -> None:
    name = f"publish_week_{mode}"

    def setup(workdir: Path) -> None:
        ensure_default_sample(workdir)
        raw_root = default_sample(workdir)
        start_ds, end_ds = landed_range(raw_root)
        duckdb_path = workdir / "default" / f"{name}.duckdb"
        duckdb_path.unlink(missing_ok=True)
        target = workdir / "default" / f"target_{name}"
        run_dbt(["seed"], raw_root, duckdb_path, target_path=target)
        run_dbt(["run", "--vars", json.dumps({"start_ds": start_ds, "end_ds": end_ds, "publish_mode": mode})], raw_root, duckdb_path, target_path=target)

    def run(workdir: Path) -> int:
        raw_root = default_sample(workdir)
        _, end_ds = landed_range(raw_root)
        start_ds = (date.fromisoformat(end_ds) - timedelta(days=PUBLISH_WEEK_DAYS - 1)).isoformat()
        duckdb_path = workdir / "default" / f"{name}.duckdb"
        window = {"start_ds": start_ds, "end_ds": end_ds, "publish_mode": mode}
        run_dbt(["run", "--vars", json.dumps(window)], raw_root, duckdb_path, target_path=workdir / "default" / f"target_{name}")
        return sum(partition_rows(duckdb_path, (date.fromisoformat(start_ds) + timedelta(days=n)).isoformat()) for n in range(PUBLISH_WEEK_DAYS))

    SCENARIOS[name] = Scenario(description, run, setup)


register_publish_scenario("stage_check_exchange", "republish the default sample's last 7 days: stage, check, exchange")
register_publish_scenario("direct", "the same 7 days published directly (dbt delete+insert, no checks)")

# --- issue: cumulative tables against a scan of the fact history -------------------


CUMULATIVE_DB = "cumulative_history"


def cumulative_db(workdir: Path) -> Path:
    return workdir / "history" / f"{CUMULATIVE_DB}.duckdb"


def setup_cumulative(workdir: Path) -> None:
    ensure_history_sample(workdir)
    if not cumulative_db(workdir).exists():
        history_dbt(workdir, CUMULATIVE_DB, ["seed"])
        history_dbt(workdir, CUMULATIVE_DB, ["run", "--vars", dbt_vars(start_ds=HISTORY_START, end_ds=history_day(max(HISTORY_LENGTHS)))])


def run_cumulative_daily(workdir: Path) -> int:
    day = history_day(max(HISTORY_LENGTHS))
    # The daily path alone: yesterday's partition joined with today's facts.
    history_dbt(workdir, CUMULATIVE_DB, ["run", "--select", "cum_user_activity", "--vars", json.dumps({"ds": day, "lookback_days": 0})])
    with duckdb.connect(str(cumulative_db(workdir)), read_only=True) as connection:
        return connection.execute(f"select count(*) from cumulative.cum_user_activity where ds = '{day}'").fetchall()[0][0]


def run_cumulative_full_scan(workdir: Path) -> int:
    day = history_day(max(HISTORY_LENGTHS))
    with duckdb.connect(str(cumulative_db(workdir)), read_only=True) as connection:
        return len(connection.execute(user_activity_full_scan_sql(f"select date '{day}' as ds")).fetchall())


def compiled_cumulative_sql(workdir: Path) -> Path:
    return workdir / "history" / f"target_{CUMULATIVE_DB}" / "compiled" / "stayhub_warehouse" / "models" / "cumulative" / "cum_user_activity.sql"


def setup_cumulative_sql(workdir: Path) -> None:
    setup_cumulative(workdir)
    day = history_day(max(HISTORY_LENGTHS))
    history_dbt(workdir, CUMULATIVE_DB, ["compile", "--select", "cum_user_activity", "--vars", json.dumps({"ds": day, "lookback_days": 0})])


def run_cumulative_sql(workdir: Path) -> int:
    with duckdb.connect(str(cumulative_db(workdir)), read_only=True) as connection:
        return len(connection.execute(compiled_cumulative_sql(workdir).read_text()).fetchall())


SCENARIOS["cumulative_daily_update_365"] = Scenario(
    "cum_user_activity: one daily update (daily path) after 365 days of history", run_cumulative_daily, setup_cumulative
)
SCENARIOS["cumulative_full_scan_365"] = Scenario(
    "the same day's numbers by scanning all 365 days of facts (DuckDB, no dbt start-up)", run_cumulative_full_scan, setup_cumulative
)

SCENARIOS["cumulative_daily_sql_365"] = Scenario(
    "the daily update's compiled SQL alone (DuckDB, no dbt start-up, no write)", run_cumulative_sql, setup_cumulative_sql
)

# --- issue: backfills, six ways over the same range ---------------------------------

BACKFILL_DAYS = 28
BACKFILL_CHUNK_DAYS = 7
# job name -> dbt selection arguments. The whole project cannot run as dbt microbatch (facts
# and cumulative tables rewrite late partitions), so microbatch is compared on the selector
# of the models it can build, and every other way runs that job too.
# The ways compared with one range run of the same job.
BACKFILL_WAYS = ("day_loop", "runner_serial", "runner_parallel", "runner_weekly")
BACKFILL_JOBS = {"project": ["--select", "fqn:*"], "mb_job": ["--selector", "microbatch_compatible"]}


def scenario_db(workdir: Path, name: str) -> Path:
    """A scenario's own warehouse, in a folder of its own beside its dbt target. Always warehouse.duckdb:
    DuckDB names the catalog after the file, and the semantic manifest MetricFlow reads names it too."""
    return workdir / "history" / name / "warehouse.duckdb"


def backfill_range() -> tuple[str, str]:
    return HISTORY_START, history_day(BACKFILL_DAYS)


def register_backfill_scenario(job: str, way: str, description: str, run_way: Callable[[Path, Path, list[str]], None]) -> None:
    name = f"backfill_{job}_{way}"
    selection = BACKFILL_JOBS[job]

    def setup(workdir: Path) -> None:
        ensure_history_sample(workdir)
        shutil.rmtree(scenario_db(workdir, name).parent, ignore_errors=True)
        scenario_db(workdir, name).parent.mkdir(parents=True)
        run_dbt(["seed"], history_raw_root(workdir), scenario_db(workdir, name), target_path=workdir / "history" / f"target_{name}")

    def run(workdir: Path) -> int:
        run_way(workdir, scenario_db(workdir, name), selection)
        return partition_rows(scenario_db(workdir, name), *backfill_range(), schemas=("base", "staging", "marts", "cumulative"))

    SCENARIOS[name] = Scenario(description, run, setup)


def scenario_dbt(workdir: Path, duckdb_path: Path, args: list[str]) -> None:
    run_dbt(args, history_raw_root(workdir), duckdb_path, target_path=duckdb_path.parent / "target")


def backfill_one_range_run(workdir: Path, duckdb_path: Path, selection: list[str]) -> None:
    start_ds, end_ds = backfill_range()
    scenario_dbt(workdir, duckdb_path, ["run", *selection, "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)])


def backfill_day_loop(workdir: Path, duckdb_path: Path, selection: list[str]) -> None:
    for offset in range(BACKFILL_DAYS):
        scenario_dbt(workdir, duckdb_path, ["run", *selection, "--vars", dbt_vars(ds=history_day(offset + 1))])


def backfill_microbatch(workdir: Path, duckdb_path: Path, selection: list[str]) -> None:
    start_ds, end_ds = backfill_range()
    end_exclusive = (date.fromisoformat(end_ds) + timedelta(days=1)).isoformat()
    scenario_dbt(
        workdir,
        duckdb_path,
        ["run", *selection, "--vars", json.dumps({"publish_mode": "microbatch"}), "--event-time-start", start_ds, "--event-time-end", end_exclusive],
    )


def backfill_runner(parallelism: int, days_per_chunk: int | None = None) -> Callable[[Path, Path, list[str]], None]:
    """The backfill runner over the range; days_per_chunk None lets it choose (the whole 28 days in one chunk)."""

    def run_way(workdir: Path, duckdb_path: Path, selection: list[str]) -> None:
        start_ds, end_ds = backfill_range()
        args = ["run", *selection, "--start-ds", start_ds, "--end-ds", end_ds]
        args += ["--days-per-chunk", str(days_per_chunk)] if days_per_chunk else []
        args += ["--parallelism", str(parallelism), "--raw-root", str(history_raw_root(workdir)), "--duckdb-path", str(duckdb_path)]
        subprocess.run([sys.executable, "-m", "stayhub", "backfill", *args], cwd=PROJECT_ROOT, check=True, stdout=subprocess.DEVNULL)

    return run_way


for _job in BACKFILL_JOBS:
    _what = "every model" if _job == "project" else "the microbatch_compatible selector"
    register_backfill_scenario(_job, "range_run", f"backfill {BACKFILL_DAYS} days of {_what}: one --vars range run", backfill_one_range_run)
    register_backfill_scenario(_job, "day_loop", "the same, one dbt run per day", backfill_day_loop)
    register_backfill_scenario(_job, "runner_serial", "the same, backfill runner, chunks it chooses (one), parallelism 1", backfill_runner(1))
    register_backfill_scenario(_job, "runner_parallel", "the same, backfill runner, chunks it chooses (one), parallelism 2", backfill_runner(2))
    register_backfill_scenario(
        _job,
        "runner_weekly",
        f"the same, backfill runner, {BACKFILL_CHUNK_DAYS}-day chunks, parallelism 2",
        backfill_runner(2, BACKFILL_CHUNK_DAYS),
    )
register_backfill_scenario("mb_job", "microbatch", "the same, dbt's microbatch strategy (one batch per day)", backfill_microbatch)

# --- Metric tables, built and answered by MetricFlow, over 90 days ---------------

METRICS_DAYS = 90
# The warehouse the metric scenarios start from: 90 days built, all but the metric tables.
METRICS_BASE = "metrics_base"


def metrics_range() -> tuple[str, str]:
    return HISTORY_START, history_day(METRICS_DAYS)


def ensure_built_base(workdir: Path, base: str, build: Callable[[Path], None]) -> None:
    """A base warehouse, built once by `build(duckdb_path)` into its own folder and kept in the workdir (a .built marker)."""
    built = scenario_db(workdir, base).parent / ".built"
    if built.exists():
        return
    shutil.rmtree(built.parent, ignore_errors=True)
    built.parent.mkdir(parents=True)
    build(scenario_db(workdir, base))
    built.touch()


def copy_base(workdir: Path, base: str, name: str) -> None:
    """A copy of a built base warehouse, in a fresh folder of its own."""
    shutil.rmtree(scenario_db(workdir, name).parent, ignore_errors=True)
    scenario_db(workdir, name).parent.mkdir(parents=True)
    shutil.copyfile(scenario_db(workdir, base), scenario_db(workdir, name))


def setup_metrics_base(workdir: Path) -> None:
    """The history sample's first 90 days built but for the metric tables (the time spine included); kept in the workdir."""
    ensure_history_sample(workdir)
    start_ds, end_ds = metrics_range()

    def build(duckdb_path: Path) -> None:
        scenario_dbt(workdir, duckdb_path, ["seed"])
        scenario_dbt(workdir, duckdb_path, ["run", "--exclude", "path:models/metrics/tables", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)])

    ensure_built_base(workdir, METRICS_BASE, build)


def copy_metrics_base(workdir: Path, name: str) -> None:
    """A copy of the base warehouse, in a fresh folder of its own: no metric table yet."""
    setup_metrics_base(workdir)
    copy_base(workdir, METRICS_BASE, name)


def setup_metrics_build(workdir: Path) -> None:
    copy_metrics_base(workdir, "metrics_build")


def run_metrics_build(workdir: Path) -> int:
    start_ds, end_ds = metrics_range()
    scenario_dbt(workdir, scenario_db(workdir, "metrics_build"), ["run", "--select", "tag:metrics", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)])
    return partition_rows(scenario_db(workdir, "metrics_build"), start_ds, end_ds, schemas=("metrics",))


def setup_metrics_daily(workdir: Path) -> None:
    copy_metrics_base(workdir, "metrics_daily")
    scenario_dbt(
        workdir,
        scenario_db(workdir, "metrics_daily"),
        ["run", "--select", "tag:metrics", "--vars", dbt_vars(start_ds=HISTORY_START, end_ds=history_day(METRICS_DAYS - 1))],
    )


def run_metrics_daily(workdir: Path) -> int:
    day = history_day(METRICS_DAYS)
    scenario_dbt(workdir, scenario_db(workdir, "metrics_daily"), ["run", "--select", "tag:metrics", "--vars", dbt_vars(ds=day)])
    return partition_rows(scenario_db(workdir, "metrics_daily"), day, schemas=("metrics",))


def mf_project(workdir: Path) -> Path:
    return workdir / "history" / "mf_project"


def setup_metrics_mf(workdir: Path) -> None:
    """The base warehouse's semantic manifest, where mf looks for it."""
    setup_metrics_base(workdir)
    scenario_dbt(workdir, scenario_db(workdir, METRICS_BASE), ["parse"])
    # mf reads <project>/target/semantic_manifest.json, whatever --target-path or DBT_TARGET_PATH
    # say (dbt-metricflow 0.15): it is pointed (DBT_PROJECT_DIR) at a folder holding the
    # project's dbt_project.yml and the base warehouse's target.
    shutil.rmtree(mf_project(workdir), ignore_errors=True)
    mf_project(workdir).mkdir(parents=True)
    (mf_project(workdir) / "dbt_project.yml").symlink_to(PROJECT_ROOT / "dbt_project.yml")
    (mf_project(workdir) / "target").symlink_to(scenario_db(workdir, METRICS_BASE).parent / "target")


def run_metrics_mf(workdir: Path) -> int:
    start_ds, end_ds = metrics_range()
    raw_root, duckdb_path = history_raw_root(workdir), scenario_db(workdir, METRICS_BASE)
    return sum(len(mf_query(query.name, start_ds, end_ds, raw_root, duckdb_path, mf_project(workdir))) for query in load_definitions().saved_queries)


SCENARIOS["metrics_build_90"] = Scenario(
    f"build every metric table (tag:metrics) for {METRICS_DAYS} days of the history sample, one range run", run_metrics_build, setup_metrics_build
)
SCENARIOS["metrics_daily_update_90"] = Scenario(
    f"one daily run of the metric tables (ds {history_day(METRICS_DAYS)}, rewrites ds-{lookback_days_default()} .. ds) after {METRICS_DAYS - 1} days",
    run_metrics_daily,
    setup_metrics_daily,
)
SCENARIOS["metrics_mf_query_90"] = Scenario(
    f"the same {METRICS_DAYS} days from the facts by mf query, one per saved query, to CSV", run_metrics_mf, setup_metrics_mf
)

# --- Experiments: 10 experiments x 10 metrics, built and updated over 30 days ----------

EXPERIMENTS_DAYS = 30
EXPERIMENTS_BASE = "experiments_base"
# bench_k copies the history sample's exposures of the generator's experiment k % 3, with its variants.
EXPERIMENTS_SOURCES = (
    ("search_ranking_v2", ["control", "treatment"]),
    ("checkout_flow_2025", ["control", "treatment_a", "treatment_b"]),
    ("photo_grid_mobile", ["control", "treatment"]),
)
EXPERIMENTS_COUNT = 10
EXPERIMENTS_METRICS = [
    "page_views",
    "listing_page_views",
    "likes",
    "shares",
    "booking_events",
    "bookings_created",
    "bookings_confirmed",
    "nights_booked",
    "gross_booking_value",
]
EXPERIMENTS_GUARDRAIL = {"name": "bookings_cancelled", "higher_is_better": False}
# What the benchmark project copies of the project: what dbt reads (dbt_project.yml's paths), not its experiments.
EXPERIMENTS_PROJECT_FILES = ("dbt_project.yml", "selectors.yml")
EXPERIMENTS_PROJECT_FOLDERS = ("models", "macros", "seeds", "tests", "analyses")


def experiments_range() -> tuple[str, str]:
    return HISTORY_START, history_day(EXPERIMENTS_DAYS)


def experiments_project(workdir: Path) -> Path:
    return workdir / "history" / "experiments_project"


def experiments_raw_root(workdir: Path) -> Path:
    return workdir / "history" / "experiments_raw"


def bench_experiment(k: int) -> dict:
    source, variants = EXPERIMENTS_SOURCES[k % len(EXPERIMENTS_SOURCES)]
    return {
        "key": f"bench_{k}",
        "description": f"Benchmark experiment {k}: the exposures of {source}.",
        "owner": "benchmark",
        "variants": variants,
        "control": "control",
        "start_ds": HISTORY_START,
        "metrics": EXPERIMENTS_METRICS,
        "guardrail_metrics": [EXPERIMENTS_GUARDRAIL],
        "cuts": ["platform", "user__country"],
        "capping": {"method": "percentile", "value": 0.99},
        "cuped": True,
        "sequential": k % 3 == 1,
    }


def write_experiments_project(workdir: Path) -> None:
    """A copy of the dbt project whose experiments/ declares bench_0 .. bench_9 instead, with its generated models.
    Rewritten by every setup (the project's own experiments/ and generated models stay as they are)."""
    from stayhub.experiments import generate as experiments_generate

    project = experiments_project(workdir)
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    for name in EXPERIMENTS_PROJECT_FILES:
        shutil.copyfile(PROJECT_ROOT / name, project / name)
    for name in EXPERIMENTS_PROJECT_FOLDERS:
        # tests/ also holds the pytest suite: dbt reads only its SQL and YAML there (models/ has a Python model).
        skipped = ("*.py", "*.pyc", "__pycache__") if name == "tests" else ("__pycache__",)
        shutil.copytree(PROJECT_ROOT / name, project / name, ignore=shutil.ignore_patterns(*skipped))
    (project / "experiments").mkdir()
    for k in range(EXPERIMENTS_COUNT):
        (project / "experiments" / f"bench_{k}.yml").write_text(yaml.safe_dump({"experiments": [bench_experiment(k)]}, sort_keys=False))
    experiments_generate.write(project)


def write_experiments_landing(workdir: Path) -> None:
    """The history sample's landing zone with an assignments source of bench_0 .. bench_9: bench_k's lines are the
    sample's exposure lines of experiment k % 3 with only experiment_key rewritten; lines that are not JSON or name
    no known experiment are copied once, as they are. Every landed day, _SUCCESS included; written once."""
    raw_root = experiments_raw_root(workdir)
    written = raw_root / ".written"
    if written.exists():
        return
    shutil.rmtree(raw_root, ignore_errors=True)
    raw_root.mkdir(parents=True)
    for source in generate.SOURCES:
        if source != "assignments":
            (raw_root / source).symlink_to(history_raw_root(workdir) / source)
    keys = {source: [k for k in range(EXPERIMENTS_COUNT) if k % len(EXPERIMENTS_SOURCES) == index] for index, (source, _) in enumerate(EXPERIMENTS_SOURCES)}
    for folder in sorted((history_raw_root(workdir) / "assignments").glob("ds=*")):
        lines: list[str] = []
        for part in sorted(folder.glob("part-*")):
            with gzip.open(part, "rt") as landed:
                for line in landed.read().splitlines():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        record = None
                    experiment = record.get("experiment_key") if isinstance(record, dict) else None
                    if experiment not in keys:
                        lines.append(line)
                        continue
                    old = f'"experiment_key": {json.dumps(experiment)}'
                    lines += [line.replace(old, f'"experiment_key": "bench_{k}"', 1) for k in keys[experiment]]
        target = raw_root / "assignments" / folder.name
        target.mkdir(parents=True)
        if lines:
            with gzip.open(target / "part-00000.jsonl.gz", "wt") as part_file:
                part_file.write("\n".join(lines) + "\n")
        if (folder / "_SUCCESS").exists():
            (target / "_SUCCESS").touch()
    written.touch()


def experiments_dbt(workdir: Path, duckdb_path: Path, args: list[str]) -> None:
    """dbt on the benchmark project copy and landing zone (profiles and the DuckDB plugins of the project)."""
    run_dbt([*args, "--project-dir", str(experiments_project(workdir))], experiments_raw_root(workdir), duckdb_path, target_path=duckdb_path.parent / "target")


def setup_experiments_base(workdir: Path) -> None:
    """The first 30 days built on the benchmark copy but for the experiment models; kept in the workdir."""
    ensure_history_sample(workdir)
    write_experiments_project(workdir)
    write_experiments_landing(workdir)
    start_ds, end_ds = experiments_range()

    def build(duckdb_path: Path) -> None:
        experiments_dbt(workdir, duckdb_path, ["seed"])
        experiments_dbt(workdir, duckdb_path, ["run", "--exclude", "tag:experiments", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)])

    ensure_built_base(workdir, EXPERIMENTS_BASE, build)


def copy_experiments_base(workdir: Path, name: str) -> None:
    setup_experiments_base(workdir)
    copy_base(workdir, EXPERIMENTS_BASE, name)


def setup_experiments_build(workdir: Path) -> None:
    copy_experiments_base(workdir, "experiments_build")


def run_experiments_build(workdir: Path) -> int:
    start_ds, end_ds = experiments_range()
    duckdb_path = scenario_db(workdir, "experiments_build")
    experiments_dbt(workdir, duckdb_path, ["run", "--select", "tag:experiments", "--vars", dbt_vars(start_ds=start_ds, end_ds=end_ds)])
    return partition_rows(duckdb_path, start_ds, end_ds, schemas=("experiments",))


def setup_experiments_daily(workdir: Path) -> None:
    copy_experiments_base(workdir, "experiments_daily")
    window = dbt_vars(start_ds=HISTORY_START, end_ds=history_day(EXPERIMENTS_DAYS - 1))
    experiments_dbt(workdir, scenario_db(workdir, "experiments_daily"), ["run", "--select", "tag:experiments", "--vars", window])


def run_experiments_daily(workdir: Path) -> int:
    day = history_day(EXPERIMENTS_DAYS)
    experiments_dbt(workdir, scenario_db(workdir, "experiments_daily"), ["run", "--select", "tag:experiments", "--vars", dbt_vars(ds=day)])
    return partition_rows(scenario_db(workdir, "experiments_daily"), day, schemas=("experiments",))


_EXPERIMENTS_SHAPE = f"{EXPERIMENTS_COUNT} experiments x {len(EXPERIMENTS_METRICS) + 1} metrics"
SCENARIOS["experiments_build_30"] = Scenario(
    f"build every experiment model (tag:experiments) for {EXPERIMENTS_DAYS} days, {_EXPERIMENTS_SHAPE}, one range run",
    run_experiments_build,
    setup_experiments_build,
)
SCENARIOS["experiments_daily_update_30"] = Scenario(
    f"one daily run of the experiment models (ds {history_day(EXPERIMENTS_DAYS)}) after {EXPERIMENTS_DAYS - 1} days, {_EXPERIMENTS_SHAPE}",
    run_experiments_daily,
    setup_experiments_daily,
)

# (numerator, denominator): printed as ratios under the table.
RATIOS = [
    ("full_refresh_history_30", "daily_run_history_30"),
    ("full_refresh_history_180", "daily_run_history_180"),
    ("full_refresh_history_365", "daily_run_history_365"),
    ("daily_run_history_365", "daily_run_history_30"),
    ("publish_week_stage_check_exchange", "publish_week_direct"),
    ("cumulative_full_scan_365", "cumulative_daily_update_365"),
    ("cumulative_full_scan_365", "cumulative_daily_sql_365"),
    *[(f"backfill_{job}_{way}", f"backfill_{job}_range_run") for job in BACKFILL_JOBS for way in BACKFILL_WAYS],
    ("backfill_project_runner_serial", "backfill_project_runner_parallel"),
    ("backfill_mb_job_microbatch", "backfill_mb_job_range_run"),
    ("backfill_mb_job_runner_parallel", "backfill_mb_job_microbatch"),
    ("backfill_mb_job_runner_serial", "backfill_mb_job_runner_parallel"),
    ("metrics_mf_query_90", "metrics_build_90"),
    ("metrics_build_90", "metrics_daily_update_90"),
    ("experiments_build_30", "experiments_daily_update_30"),
]


# --- At scale: a marketplace-sized landing zone (group "scale") ----------------------
#
# `stayhub benchmark --group scale`: sizes by --scale-events-per-day (the 30-day sample:
# parsing, the facts' range backfill and its floor) and --scale-history-events-per-day (one
# or more 365-day samples: daily runs after 30 and 365 days, the cumulative crossover). The
# flags reach the child processes as environment variables; every sample and built base
# warehouse is kept in the work folder under scale/, named by its size.

SCALE_EVENTS_ENV = "STAYHUB_BENCHMARK_SCALE_EVENTS_PER_DAY"
SCALE_HISTORY_ENV = "STAYHUB_BENCHMARK_SCALE_HISTORY_EVENTS_PER_DAY"
SCALE_EVENTS_PER_DAY = 1_000_000
SCALE_HISTORY_EVENTS_PER_DAY = (10_000, 100_000)
SCALE_DAYS = 30
SCALE_HISTORY_DAYS = 365
SCALE_BACKFILL_DAYS = 28
SCALE_CHUNK_EVENTS = 2_000_000  # the history bases are built in range runs of about this many events (7 days at least)
# The small run for a new ds, by --vars and by the window channel: a model that reads one landing partition.
SCALE_SMALL_MODEL = "base_listings__lines"
GOALS: dict[tuple[str, str], float] = {}  # (numerator, denominator) -> the ratio's goal, at most


def size_label(events_per_day: int) -> str:
    if events_per_day >= 1_000_000 and events_per_day % 1_000_000 == 0:
        return f"{events_per_day // 1_000_000}m"
    return f"{events_per_day // 1000}k" if events_per_day >= 1000 and events_per_day % 1000 == 0 else str(events_per_day)


def scale_sample_args(events_per_day: int, days: int) -> dict:
    """A sample of the given size: users and listings grow with the traffic (200k and 20k at 1 M events a day)."""
    users = min(200_000, max(5_000, events_per_day // 5))
    return {"start_ds": HISTORY_START, "days": days, "events_per_day": events_per_day, "users": users, "listings": max(600, users // 10)}


def ensure_scale_sample(workdir: Path, events_per_day: int, days: int) -> Path:
    """The sample's landing zone, generated once: a .json beside it records the arguments of a finished one."""
    raw_root = workdir / "scale" / f"raw_{events_per_day}x{days}"
    marker = raw_root.with_name(f"{raw_root.name}.json")
    args = scale_sample_args(events_per_day, days)
    if not (marker.exists() and json.loads(marker.read_text()) == args):
        marker.unlink(missing_ok=True)
        generate.generate(raw_root, overwrite=True, **args)
        marker.write_text(json.dumps(args))
    return raw_root


def scale_folder(workdir: Path, name: str) -> Path:
    return workdir / "scale" / name


def scale_dbt(raw_root: Path, folder: Path, args: list[str], window: dict | None = None) -> str:
    """dbt on the warehouse in `folder`, its target beside it; the window by the environment (no re-parse)."""
    return run_dbt(args, raw_root, folder / "warehouse.duckdb", target_path=folder / "target", window=window).stdout or ""


def fresh_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def count_rows(duckdb_path: Path, query: str) -> int:
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        return int(connection.execute(query).fetchall()[0][0])


def duckdb_settings(temp_directory: Path) -> dict[str, str | bool | int | float | list[str]]:
    """The limits profiles/profiles.yml gives dbt's DuckDB, for the statements the benchmark runs itself."""
    threads = os.environ.get("WAREHOUSE_DUCKDB_THREADS") or os.environ.get("WAREHOUSE_THREADS") or "2"
    memory = os.environ.get("WAREHOUSE_DUCKDB_MEMORY_LIMIT") or "50%"
    return {"memory_limit": memory, "threads": threads, "temp_directory": str(temp_directory)}


def scale_sizes() -> tuple[int, tuple[int, ...]]:
    events = int(os.environ.get(SCALE_EVENTS_ENV) or SCALE_EVENTS_PER_DAY)
    history = os.environ.get(SCALE_HISTORY_ENV)
    return events, tuple(int(value) for value in history.split(",")) if history else SCALE_HISTORY_EVENTS_PER_DAY


def register_scale_scenarios() -> None:
    """(Re)registers the scale group for the sizes the environment names."""
    for name in [name for name, item in SCENARIOS.items() if item.group == "scale"]:
        del SCENARIOS[name]
    RATIOS[:] = [ratio for ratio in RATIOS if not ratio[0].startswith("scale_")]
    GOALS.clear()
    events_per_day, history_sizes = scale_sizes()
    register_parse_scenarios(events_per_day)
    register_range_backfill_scenarios(events_per_day)
    for history_events in history_sizes:
        register_history_scale_scenarios(history_events)


def register_parse_scenarios(events_per_day: int) -> None:
    """What dbt costs around the work: a full parse, a partial parse, a no-op, a new ds by --vars or by the window."""
    first_day = date.fromisoformat(HISTORY_START)
    vars_ds, window_ds = ((first_day + timedelta(days=offset)).isoformat() for offset in (9, 10))

    def raw_root(workdir: Path) -> Path:
        return workdir / "scale" / f"raw_{events_per_day}x{SCALE_DAYS}"

    def folder(workdir: Path) -> Path:
        return scale_folder(workdir, f"parse_{size_label(events_per_day)}")

    def setup(workdir: Path) -> None:
        ensure_scale_sample(workdir, events_per_day, SCALE_DAYS)
        if not (folder(workdir) / "warehouse.duckdb").exists():
            fresh_folder(folder(workdir))
            scale_dbt(raw_root(workdir), folder(workdir), ["seed"])
        # A parse without --vars: the partial-parse file the next run starts from.
        scale_dbt(raw_root(workdir), folder(workdir), ["parse"])

    def nodes(workdir: Path) -> int:
        manifest = json.loads((folder(workdir) / "target" / "manifest.json").read_text())
        return len(manifest["nodes"]) + len(manifest["macros"])

    def run_full(workdir: Path) -> int:
        scale_dbt(raw_root(workdir), folder(workdir), ["parse", "--no-partial-parse"])
        return nodes(workdir)

    def run_partial(workdir: Path) -> int:
        scale_dbt(raw_root(workdir), folder(workdir), ["parse"])
        return nodes(workdir)

    def run_ls(workdir: Path) -> int:
        return len(scale_dbt(raw_root(workdir), folder(workdir), ["ls", "--select", "+fct_page_views", "--quiet"]).split())

    def small_run_rows(workdir: Path, ds: str) -> int:
        return count_rows(folder(workdir) / "warehouse.duckdb", f"select count(*) from base.{SCALE_SMALL_MODEL} where ds = '{ds}'")

    def run_vars(workdir: Path) -> int:
        scale_dbt(raw_root(workdir), folder(workdir), ["run", "--select", SCALE_SMALL_MODEL, "--vars", dbt_vars(ds=vars_ds)])
        return small_run_rows(workdir, vars_ds)

    def run_window(workdir: Path) -> int:
        scale_dbt(raw_root(workdir), folder(workdir), ["run", "--select", SCALE_SMALL_MODEL], window={"ds": window_ds})
        return small_run_rows(workdir, window_ds)

    def add(name: str, description: str, run: Callable[[Path], int]) -> None:
        SCENARIOS[name] = Scenario(description, run, setup, group="scale")

    add("scale_parse_full", "dbt parse --no-partial-parse: the whole project parsed (rows: nodes and macros)", run_full)
    add("scale_parse_partial", "dbt parse again, nothing changed: partial parsing", run_partial)
    add("scale_noop_ls", "dbt ls --select +fct_page_views: start-up and partial parse, no SQL (rows: nodes listed)", run_ls)
    add("scale_new_ds_vars", f"dbt run of {SCALE_SMALL_MODEL} for a new ds passed by --vars (re-parses)", run_vars)
    add("scale_new_ds_window", "the same for another new ds passed by the window channel (run_dbt window=, no re-parse)", run_window)
    RATIOS.extend([("scale_parse_full", "scale_parse_partial"), ("scale_new_ds_vars", "scale_new_ds_window")])


def register_range_backfill_scenarios(events_per_day: int) -> None:
    """The facts' 28-day range backfill from an empty warehouse, and the same page views by one DuckDB statement."""
    label = size_label(events_per_day)
    start_ds = HISTORY_START
    end_ds = (date.fromisoformat(start_ds) + timedelta(days=SCALE_BACKFILL_DAYS - 1)).isoformat()
    range_name, floor_name = f"scale_range_backfill_{label}_{SCALE_BACKFILL_DAYS}", f"scale_floor_{label}_{SCALE_BACKFILL_DAYS}"

    def raw_root(workdir: Path) -> Path:
        return ensure_scale_sample(workdir, events_per_day, SCALE_DAYS)

    def range_db(workdir: Path) -> Path:
        return scale_folder(workdir, range_name) / "warehouse.duckdb"

    def floor_db(workdir: Path) -> Path:
        return scale_folder(workdir, floor_name) / "floor.duckdb"

    def setup_range(workdir: Path) -> None:
        fresh_folder(range_db(workdir).parent)
        scale_dbt(raw_root(workdir), range_db(workdir).parent, ["seed"])

    def run_range(workdir: Path) -> int:
        scale_dbt(raw_root(workdir), range_db(workdir).parent, ["run", "--select", "+fct_page_views"], window={"start_ds": start_ds, "end_ds": end_ds})
        return count_rows(range_db(workdir), "select count(*) from marts.fct_page_views")

    def setup_floor(workdir: Path) -> None:
        raw_root(workdir)
        fresh_folder(floor_db(workdir).parent)

    def run_floor(workdir: Path) -> int:
        sql = page_views_floor_sql(landing_files(raw_root(workdir), start_ds, end_ds), start_ds, end_ds)
        config = duckdb_settings(floor_db(workdir).parent / "floor.duckdb.tmp")
        with duckdb.connect(str(floor_db(workdir)), config=config) as connection:
            connection.execute(f"create or replace table page_views as {sql}")
            return int(connection.execute("select count(*) from page_views").fetchall()[0][0])

    def check_floor(workdir: Path) -> str:
        """The floor's rows are fct_page_views' rows: the same count, and none in one and not the other."""
        if not range_db(workdir).exists():
            return f"not compared: {range_name} has not run in this work folder"
        columns = ", ".join(PAGE_VIEW_COLUMNS)
        with duckdb.connect(config=duckdb_settings(floor_db(workdir).parent / "check.tmp")) as connection:
            connection.execute(f"attach '{range_db(workdir)}' as model (read_only)")
            connection.execute(f"attach '{floor_db(workdir)}' as floor (read_only)")
            counts = connection.execute("select (select count(*) from model.marts.fct_page_views), (select count(*) from floor.page_views)").fetchall()[0]
            only_model = connection.execute(
                f"select count(*) from (select {columns} from model.marts.fct_page_views except all select {columns} from floor.page_views)"
            ).fetchall()[0][0]
            only_floor = connection.execute(
                f"select count(*) from (select {columns} from floor.page_views except all select {columns} from model.marts.fct_page_views)"
            ).fetchall()[0][0]
        if counts[0] != counts[1] or only_model or only_floor:
            raise SystemExit(
                f"{floor_name}: the floor differs from fct_page_views: {counts[0]:,} rows against {counts[1]:,},"
                f" {only_model:,} only in the model, {only_floor:,} only in the floor"
            )
        return f"{floor_name}: the same {counts[0]:,} rows as {range_name}'s fct_page_views, column by column"

    days = f"{start_ds} .. {end_ds}, {label} events/day"
    SCENARIOS[range_name] = Scenario(
        f"one range run of +fct_page_views (the events' lines, staged events, page views) for {days}, from an empty warehouse (rows: page views)",
        run_range,
        setup_range,
        group="scale",
    )
    SCENARIOS[floor_name] = Scenario(
        "the floor: the same page views with dwell from the same landing files by one hand-written DuckDB statement (stayhub/page_views_floor.py)",
        run_floor,
        setup_floor,
        group="scale",
        check=check_floor,
    )
    RATIOS.append((range_name, floor_name))
    GOALS[(range_name, floor_name)] = 1.3


def register_history_scale_scenarios(events_per_day: int) -> None:
    """Daily runs after 30 and 365 days of history, and cum_user_activity's daily update against a scan, at one size."""
    label = size_label(events_per_day)
    first_day = date.fromisoformat(HISTORY_START)

    def day(length: int) -> str:
        return (first_day + timedelta(days=length - 1)).isoformat()

    def raw_root(workdir: Path) -> Path:
        return ensure_scale_sample(workdir, events_per_day, SCALE_HISTORY_DAYS)

    def base(workdir: Path, length: int) -> Path:
        """The sample built for its first `length` days, once (a .built marker); each length is built on the one before."""
        folder = scale_folder(workdir, f"history_{label}_{length}")
        if (folder / ".built").exists():
            return folder
        previous = {SCALE_HISTORY_DAYS: SCALE_HISTORY_DAYS - 1, SCALE_HISTORY_DAYS - 1: 29}.get(length)
        fresh_folder(folder)
        if previous is None:
            scale_dbt(raw_root(workdir), folder, ["seed"])
            done = 0
        else:
            shutil.copyfile(base(workdir, previous) / "warehouse.duckdb", folder / "warehouse.duckdb")
            done = previous
        while done < length:
            chunk_end = min(length, done + max(7, SCALE_CHUNK_EVENTS // max(1, events_per_day)))
            scale_dbt(raw_root(workdir), folder, ["run"], window={"start_ds": day(done + 1), "end_ds": day(chunk_end)})
            done = chunk_end
        (folder / ".built").touch()
        return folder

    def copy_of(workdir: Path, length: int, name: str, parse_args: list[str]) -> Path:
        source = base(workdir, length)
        folder = scale_folder(workdir, name)
        fresh_folder(folder)
        shutil.copyfile(source / "warehouse.duckdb", folder / "warehouse.duckdb")
        scale_dbt(raw_root(workdir), folder, ["parse", *parse_args])
        return folder

    def register_daily(history: int) -> str:
        name = f"scale_daily_run_{label}_{history}"
        ds = day(history)

        def setup(workdir: Path) -> None:
            copy_of(workdir, history - 1, name, [])

        def run(workdir: Path) -> int:
            folder = scale_folder(workdir, name)
            scale_dbt(raw_root(workdir), folder, ["run"], window={"ds": ds})
            return partition_rows(folder / "warehouse.duckdb", ds, schemas=("base", "staging", "marts", "cumulative"))

        SCENARIOS[name] = Scenario(f"one daily run (dbt run, ds {ds}) after {history - 1} days of history, {label} events/day", run, setup, group="scale")
        return name

    daily_30, daily_365 = register_daily(30), register_daily(SCALE_HISTORY_DAYS)
    RATIOS.append((daily_365, daily_30))
    GOALS[(daily_365, daily_30)] = 1.1

    last = day(SCALE_HISTORY_DAYS)
    update, update_sql, scan = (f"scale_cumulative_{what}_{label}_{SCALE_HISTORY_DAYS}" for what in ("update", "sql", "full_scan"))
    daily_path = ["--vars", json.dumps({"lookback_days": 0})]  # the daily path alone: yesterday's partition and today's facts

    def setup_update(workdir: Path) -> None:
        copy_of(workdir, SCALE_HISTORY_DAYS, update, daily_path)

    def run_update(workdir: Path) -> int:
        folder = scale_folder(workdir, update)
        scale_dbt(raw_root(workdir), folder, ["run", "--select", "cum_user_activity", *daily_path], window={"ds": last})
        return count_rows(folder / "warehouse.duckdb", f"select count(*) from cumulative.cum_user_activity where ds = '{last}'")

    def setup_sql(workdir: Path) -> None:
        folder = copy_of(workdir, SCALE_HISTORY_DAYS, update_sql, daily_path)
        scale_dbt(raw_root(workdir), folder, ["compile", "--select", "cum_user_activity", *daily_path], window={"ds": last})

    def run_sql(workdir: Path) -> int:
        folder = scale_folder(workdir, update_sql)
        compiled = folder / "target" / "compiled" / "stayhub_warehouse" / "models" / "cumulative" / "cum_user_activity.sql"
        with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True, config=duckdb_settings(folder / "sql.tmp")) as connection:
            return len(connection.execute(compiled.read_text()).fetchall())

    def setup_scan(workdir: Path) -> None:
        base(workdir, SCALE_HISTORY_DAYS)

    def run_scan(workdir: Path) -> int:
        folder = base(workdir, SCALE_HISTORY_DAYS)
        with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True, config=duckdb_settings(folder / "scan.tmp")) as connection:
            return len(connection.execute(user_activity_full_scan_sql(f"select date '{last}' as ds")).fetchall())

    size = f"{label} events/day"
    SCENARIOS[update] = Scenario(
        f"cum_user_activity: one daily update (dbt, daily path) of ds {last} after 364 days, {size}", run_update, setup_update, group="scale"
    )
    SCENARIOS[update_sql] = Scenario("the daily update's compiled SQL alone (DuckDB, no dbt start-up, no write)", run_sql, setup_sql, group="scale")
    SCENARIOS[scan] = Scenario(
        f"the same day's numbers by scanning all {SCALE_HISTORY_DAYS} days of facts (DuckDB, no dbt start-up)", run_scan, setup_scan, group="scale"
    )
    RATIOS.extend([(scan, update), (scan, update_sql)])


register_scale_scenarios()


# --- Spark: the same 7-day range run on DuckDB and on a local Spark session (group "spark") -----

ENGINES_SAMPLE: dict[str, int] = {"days": 7, "users": 5000, "listings": 600, "events_per_day": 3000}


def engines_raw_root(workdir: Path) -> Path:
    return workdir / "engines" / "raw"


def ensure_engines_sample(workdir: Path) -> None:
    ensure_generated_sample(engines_raw_root(workdir), ENGINES_SAMPLE, in_progress_days=0)


def engines_duckdb(workdir: Path, name: str) -> Path:
    return workdir / "engines" / name / "warehouse.duckdb"


def setup_engines_duckdb(workdir: Path, name: str = "duckdb") -> None:
    """The 7-day sample, and an empty DuckDB warehouse, seeded (seeding is not timed)."""
    ensure_engines_sample(workdir)
    shutil.rmtree(engines_duckdb(workdir, name).parent, ignore_errors=True)
    run_dbt(["seed"], engines_raw_root(workdir), engines_duckdb(workdir, name), target_path=engines_duckdb(workdir, name).parent / "target")


def setup_engines_spark(workdir: Path) -> None:
    """The 7-day sample, and an empty Spark warehouse, seeded."""
    ensure_engines_sample(workdir)
    shutil.rmtree(workdir / "engines" / "spark", ignore_errors=True)
    run_dbt_on_spark(["seed"], engines_raw_root(workdir), workdir / "engines" / "spark")


def engines_window() -> dict[str, str | None]:
    return {"start_ds": HISTORY_START, "end_ds": history_day(ENGINES_SAMPLE["days"])}


def run_engines_duckdb(workdir: Path, name: str = "duckdb") -> int:
    duckdb_path = engines_duckdb(workdir, name)
    run_dbt(["run"], engines_raw_root(workdir), duckdb_path, target_path=duckdb_path.parent / "target", window=engines_window())
    return partition_rows(duckdb_path, HISTORY_START, history_day(ENGINES_SAMPLE["days"]), schemas=("marts",))


def run_engines_spark(workdir: Path) -> int:
    spark_dir = workdir / "engines" / "spark"
    run_dbt_on_spark(["run"], engines_raw_root(workdir), spark_dir, window=engines_window())
    window = engines_window()
    with duckdb.connect() as connection:
        return connection.execute(
            f"select count(*) from read_parquet('{spark_table_folder(spark_dir, 'marts', '*')}/ds=*/*.parquet', hive_partitioning = true)"
            " where ds between ? and ?",
            [window["start_ds"], window["end_ds"]],
        ).fetchall()[0][0]


def check_engines_equal(workdir: Path) -> str:
    """The Spark build against a DuckDB build of the same window, made here (untimed)."""
    setup_engines_duckdb(workdir, "duckdb-reference")
    run_engines_duckdb(workdir, "duckdb-reference")
    reference = engines_duckdb(workdir, "duckdb-reference")
    tables = partitioned_tables(reference.parent / "target" / "manifest.json")
    sums, differences = compare_builds(reference, workdir / "engines" / "spark", tables)
    if differences:
        raise SystemExit("the Spark build differs from DuckDB's: " + "; ".join(str(difference) for difference in differences[:10]))
    partitions = sum(len(per_ds) for per_ds in sums.values())
    return f"engines_range_7_spark: its {len(sums)} partitioned tables equal DuckDB's, {partitions} partitions by count and checksum"


SCENARIOS["engines_range_7_duckdb"] = Scenario(
    "one range run (dbt run) of every model over 7 days, 3k events/day, on DuckDB",
    run_engines_duckdb,
    setup_engines_duckdb,
    group="spark",
)
SCENARIOS["engines_range_7_spark"] = Scenario(
    "the same range run on Spark (local session, python -m stayhub.spark)",
    run_engines_spark,
    setup_engines_spark,
    group="spark",
    check=check_engines_equal,
)
RATIOS.append(("engines_range_7_spark", "engines_range_7_duckdb"))


def run_in_child(phase: str, name: str, workdir: Path) -> dict:
    """Runs one phase of a scenario in a child process; returns its wall time, peak memory and rows."""
    result_file = workdir / f".{name}.{phase}.json"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "stayhub", "benchmark", "--child", phase, name, "--workdir", str(workdir), "--result-file", str(result_file)],
        cwd=PROJECT_ROOT,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark scenario {name} ({phase}) failed")
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    # On Linux ru_maxrss is in KiB and covers the child and the descendants it waited for.
    return {"seconds": elapsed, "peak_mib": usage.ru_maxrss / 1024, "rows": result.get("rows", 0), "check": result.get("check")}


def format_table(results: dict[str, dict]) -> str:
    lines = [
        "| scenario | wall time (s) | peak memory (MiB) | rows | what it does |",
        "|---|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        lines.append(f"| {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} | {result['rows']:,} | {SCENARIOS[name].description} |")
    ratios = [(a, b) for a, b in RATIOS if a in results and b in results]
    if ratios and any(ratio in GOALS for ratio in ratios):
        lines += ["", "| ratio | wall time | peak memory | goal (wall time) |", "|---|---:|---:|---|"]
        for a, b in ratios:
            value = results[a]["seconds"] / results[b]["seconds"]
            goal = GOALS.get((a, b))
            verdict = "" if goal is None else f"<= {goal}: {'met' if value <= goal else 'missed'}"
            lines.append(f"| {a} / {b} | {value:.2f} | {results[a]['peak_mib'] / results[b]['peak_mib']:.2f} | {verdict} |")
    elif ratios:
        lines += ["", "| ratio | wall time |", "|---|---:|"]
        lines += [f"| {a} / {b} | {results[a]['seconds'] / results[b]['seconds']:.2f} |" for a, b in ratios]
    checks = [result["check"] for result in results.values() if result.get("check")]
    if checks:
        lines += ["", *[f"Checked: {check}." for check in checks]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stayhub benchmark", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: every scenario of --group)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and their groups, and exit")
    parser.add_argument(
        "--group",
        choices=("quick", "scale", "spark"),
        default="quick",
        help="the scenarios run when none is named (default quick; scale takes hours at full size; spark needs .venv-spark)",
    )
    parser.add_argument(
        "--scale-events-per-day",
        type=int,
        help=f"the scale group's {SCALE_DAYS}-day sample: parsing, the range backfill and its floor (default {SCALE_EVENTS_PER_DAY:,})",
    )
    parser.add_argument(
        "--scale-history-events-per-day",
        help=(
            f"the scale group's {SCALE_HISTORY_DAYS}-day samples, comma-separated: daily runs after 30 and 365 days, the cumulative crossover"
            f" (default {','.join(str(size) for size in SCALE_HISTORY_EVENTS_PER_DAY)})"
        ),
    )
    parser.add_argument("--workdir", type=Path, help="work folder shared by the scenarios (default: a temporary one)")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--child", nargs=2, metavar=("PHASE", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # The sizes reach the child processes by the environment.
    if args.scale_events_per_day is not None:
        os.environ[SCALE_EVENTS_ENV] = str(args.scale_events_per_day)
    if args.scale_history_events_per_day is not None:
        os.environ[SCALE_HISTORY_ENV] = args.scale_history_events_per_day
    try:
        register_scale_scenarios()
    except ValueError:
        parser.error(f"--scale-history-events-per-day: whole numbers separated by commas, not {args.scale_history_events_per_day!r}")

    if args.list:
        for name, item in SCENARIOS.items():
            print(f"{name:<40} {item.group:<6} {item.description}")
        return 0
    if args.child:
        phase, name = args.child
        result: dict = {"rows": 0}
        if phase == "setup":
            SCENARIOS[name].setup(args.workdir)
        elif phase == "check":
            check = SCENARIOS[name].check
            result["check"] = check(args.workdir) if check else None
        else:
            result["rows"] = SCENARIOS[name].run(args.workdir) or 0
        args.result_file.write_text(json.dumps(result))
        return 0

    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; --list shows them")
    names = args.scenarios or [name for name, item in SCENARIOS.items() if item.group == args.group]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="warehouse-benchmark-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # The scenarios build generated samples: a sample key hashes their emails (the child processes inherit it).
    if not os.environ.get(PII_KEY_ENV, "").strip():
        os.environ[PII_KEY_ENV] = str(write_sample_pii_key(workdir / SAMPLE_PII_KEY_NAME).resolve())
    results = {}
    failed = []
    for name in names:
        try:
            print(f"-- {name}: setting up", flush=True)
            run_in_child("setup", name, workdir)
            print(f"-- {name}: running", flush=True)
            results[name] = run_in_child("run", name, workdir)
            if SCENARIOS[name].check is not None:
                print(f"-- {name}: checking", flush=True)
                results[name]["check"] = run_in_child("check", name, workdir)["check"]
        except SystemExit as error:
            print(f"-- {error}", flush=True)
            failed.append(name)
            continue
        result = results[name]
        print(f"-- {name}: {result['seconds']:.1f} s, {result['peak_mib']:.0f} MiB, {result['rows']:,} rows", flush=True)
    table = format_table(results)
    print()
    print(table)
    if args.write:
        header = (
            f"# Benchmarks\n\nMeasured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, with `stayhub benchmark --write {args.write}`.\n\n"
        )
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(header + table + "\n")
        print(f"\nwritten to {args.write}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
