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
from stayhub.metrics.definitions import load_definitions
from stayhub.metrics.metricflow import mf_query
from stayhub.project import lookback_days_default
from stayhub.warehouse import PII_KEY_ENV, PROJECT_ROOT, SAMPLE_PII_KEY_NAME, dbt_vars, landed_range, run_dbt, write_sample_pii_key


@dataclass(frozen=True)
class Scenario:
    description: str
    run: Callable[[Path], int]  # returns the rows it produced or processed
    setup: Callable[[Path], None] = lambda workdir: None


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


def ensure_history_sample(workdir: Path) -> None:
    if not (history_raw_root(workdir) / "events").exists():
        sample = HISTORY_SAMPLE
        generate.generate(
            history_raw_root(workdir),
            start_ds=HISTORY_START,
            overwrite=True,
            days=sample["days"],
            users=sample["users"],
            listings=sample["listings"],
            events_per_day=sample["events_per_day"],
        )


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
    rows = json.loads(result_file.read_text())["rows"] if result_file.exists() else 0
    # On Linux ru_maxrss is in KiB and covers the child and the descendants it waited for.
    return {"seconds": elapsed, "peak_mib": usage.ru_maxrss / 1024, "rows": rows}


def format_table(results: dict[str, dict]) -> str:
    lines = [
        "| scenario | wall time (s) | peak memory (MiB) | rows | what it does |",
        "|---|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        lines.append(f"| {name} | {result['seconds']:.1f} | {result['peak_mib']:.0f} | {result['rows']:,} | {SCENARIOS[name].description} |")
    ratios = [(a, b) for a, b in RATIOS if a in results and b in results]
    if ratios:
        lines += ["", "| ratio | wall time |", "|---|---:|"]
        lines += [f"| {a} / {b} | {results[a]['seconds'] / results[b]['seconds']:.2f} |" for a, b in ratios]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stayhub benchmark", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--workdir", type=Path, help="work folder shared by the scenarios (default: a temporary one)")
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    parser.add_argument("--child", nargs=2, metavar=("PHASE", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.list:
        for name, item in SCENARIOS.items():
            print(f"{name:<24} {item.description}")
        return 0
    if args.child:
        phase, name = args.child
        rows = 0
        if phase == "setup":
            SCENARIOS[name].setup(args.workdir)
        else:
            rows = SCENARIOS[name].run(args.workdir)
        args.result_file.write_text(json.dumps({"rows": rows or 0}))
        return 0

    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; --list shows them")
    names = args.scenarios or list(SCENARIOS)
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
