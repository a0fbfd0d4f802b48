"""The backfill runner end to end: chunks in parallel and in order, killed and
resumed, equal to one range run and to daily runs; a diff shown before a swap;
failed checks swap nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts import generate_landing_zone
from scripts.generate_landing_zone import write_partition
from scripts.warehouse import PROJECT_ROOT, dbt_env, dbt_vars
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_incremental_loading import PARTITIONED_MODELS, table_differences

START, END = "2025-01-01", "2025-01-05"
DAYS = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]


def warehouse_on(root: Path, raw_root: Path) -> Warehouse:
    warehouse = Warehouse(root)
    warehouse.raw_root = raw_root
    return warehouse


def backfill_command(warehouse: Warehouse, *args: str) -> list[str]:
    command, *rest = args
    return [sys.executable, "-m", "scripts.backfill", command, "--raw-root", str(warehouse.raw_root), "--duckdb-path", str(warehouse.duckdb_path), *rest]


def backfill(warehouse: Warehouse, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        backfill_command(warehouse, *args),
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if check:
        assert result.returncode == 0, result.stdout
    return result


def backfill_state(warehouse: Warehouse) -> tuple[Path, dict]:
    [folder] = sorted((warehouse.duckdb_path.parent / "backfills").glob("bf_*"))
    return folder, json.loads((folder / "state.json").read_text())


def partition_fingerprints(warehouse: Warehouse, table: str) -> dict[str, tuple]:
    return {
        ds: (rows, checksum)
        for ds, rows, checksum in warehouse.query(f"select cast(ds as varchar), count(*), sum(hash(t)) from {table} as t group by 1")
    }


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    raw_root = tmp_path_factory.mktemp("backfill_landing") / "raw"
    generate_landing_zone.generate(
        raw_root, start_ds=START, days=len(DAYS), users=300, listings=60, events_per_day=300, seed=23, in_progress_days=0
    )
    return raw_root


@pytest.fixture(scope="module")
def range_warehouse(tmp_path_factory, landing) -> Warehouse:
    warehouse = warehouse_on(tmp_path_factory.mktemp("backfill_range"), landing)
    warehouse.dbt("seed")
    warehouse.dbt("run", "--vars", dbt_vars(start_ds=START, end_ds=END))
    return warehouse


@pytest.fixture(scope="module")
def daily_warehouse(tmp_path_factory, landing) -> Warehouse:
    warehouse = warehouse_on(tmp_path_factory.mktemp("backfill_daily"), landing)
    warehouse.dbt("seed")
    for ds in DAYS:
        warehouse.dbt("run", "--vars", dbt_vars(ds=ds))
    return warehouse


def copy_of(warehouse: Warehouse, root: Path) -> Warehouse:
    """Production and landing zone of `warehouse`, copied, to change freely."""
    copy = warehouse_on(root, root / "raw")
    shutil.copytree(warehouse.raw_root, copy.raw_root)
    shutil.copyfile(warehouse.duckdb_path, copy.duckdb_path)
    return copy


def test_dry_run_explains_the_plan_and_builds_nothing(range_warehouse, tmp_path):
    warehouse = copy_of(range_warehouse, tmp_path)
    before = partition_fingerprints(warehouse, "cumulative.cum_user_activity")
    result = backfill(warehouse, "run", "--select", "fct_page_views+", "--start-ds", "2025-01-03", "--end-ds", END, "--days-per-chunk", "2", "--dry-run")
    out = result.stdout
    assert "3 chunk(s) of up to 2 days" not in out and "2 chunk(s) of up to 2 days" in out
    assert "1. chunks in parallel, in separate databases: fct_page_views" in out
    assert "2. chunks in order (each partition builds on the one before): cum_listing_engagement, cum_user_activity" in out
    # lookback_days (4) partitions before the range are rewritten too; the first days have no rows yet.
    assert "fct_page_views                  7 partition(s) 2024-12-30 .. 2025-01-05, 5 of them in production now (replaced)" in out
    assert "staging.stg_events__events" in out and "rows (ds 2024-12-29 .. 2025-01-05)" in out
    assert "Dry run: nothing was built." in out
    assert not (tmp_path / "backfills").exists() or not list((tmp_path / "backfills").glob("bf_*"))
    assert partition_fingerprints(warehouse, "cumulative.cum_user_activity") == before


def test_a_killed_backfill_resumes_and_equals_one_range_run_and_daily_runs(tmp_path, landing, range_warehouse, daily_warehouse):
    warehouse = warehouse_on(tmp_path, landing)
    warehouse.dbt("seed")
    process = subprocess.Popen(
        backfill_command(
            warehouse, "run", "--select", "fqn:*", "--start-ds", START, "--end-ds", END, "--days-per-chunk", "3", "--parallelism", "2",
            "--vars", "{lookback_days: 4}",
        ),
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 600
    done = {}
    while time.monotonic() < deadline and process.poll() is None:
        states = list((tmp_path / "backfills").glob("bf_*/state.json"))
        if states:
            tasks = json.loads(states[0].read_text())["tasks"]
            done = {task: entry for task, entry in tasks.items() if entry.get("status") == "done"}
            if len(done) >= 3:
                break
        time.sleep(0.2)
    assert process.poll() is None, "the backfill ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    folder, state = backfill_state(warehouse)
    done = {task: entry for task, entry in state["tasks"].items() if entry.get("status") == "done"}
    assert len(done) >= 3 and state["phase"] == "building"
    # A half-done backfill is never visible: production still holds the seed alone.
    assert warehouse.scalar("select count(*) from information_schema.tables where table_schema in ('staging', 'marts', 'cumulative')") == 0

    result = backfill(warehouse, "resume")
    # The retry keeps the original job: selection, dates and vars.
    assert f"Backfill {state['backfill_id']}: 'fqn:*', ds {START} .. {END}, vars {{\"lookback_days\": 4}}" in result.stdout
    assert f"Resuming backfill {state['backfill_id']}: {len(done)} of 12 chunks already done." in result.stdout
    resumed = json.loads((folder / "state.json").read_text())
    assert resumed["phase"] == "swapped"
    # The chunks done before the kill were not run again.
    for task, entry in done.items():
        assert resumed["tasks"][task]["attempts"] == 1
        assert resumed["tasks"][task]["finished_at"] == entry["finished_at"]
    assert all(entry["status"] == "done" for entry in resumed["tasks"].values()) and len(resumed["tasks"]) == 12

    for table in PARTITIONED_MODELS:
        assert warehouse.scalar(f"select count(*) from {table}") > 0, table
        assert table_differences(warehouse.duckdb_path, range_warehouse.duckdb_path, table) == 0, table
        assert table_differences(warehouse.duckdb_path, daily_warehouse.duckdb_path, table) == 0, table
    # Views production lacked were created after the swap.
    assert warehouse.scalar("select count(*) from staging.stg_landing__line_accounting") > 0

    # Every partition is in the ledger as published by the backfill, with its rows.
    assert warehouse.query("select distinct run_id, published_by from audit.partition_ledger") == [(state["backfill_id"], "backfill")]
    assert warehouse.scalar(
        "select count(*) from audit.partition_ledger as ledger where row_count <> "
        "(select count(*) from marts.fct_page_views as fact where fact.ds = ledger.ds) and model_name = 'fct_page_views'"
    ) == 0

    # Resuming a swapped backfill publishes nothing twice.
    again = backfill(warehouse, "resume", state["backfill_id"])
    assert "already swapped into production; nothing to do" in again.stdout
    assert warehouse.scalar("select count(*) from audit.backfill_runs") == 1


def test_a_backfill_that_changes_production_shows_the_diff_then_swaps(tmp_path, range_warehouse):
    warehouse = copy_of(range_warehouse, tmp_path)
    # Upstream re-delivers 2025-01-04 with 12 more page views of listing 12.
    extra = [crafted_landing.event(f"redelivered-{n}", f"2025-01-04T10:{n:02d}:00Z", anonymous_id=f"anon-extra-{n}") for n in range(12)]
    write_partition(warehouse.raw_root, "events", "2025-01-04", extra, part=9)
    untouched = partition_fingerprints(warehouse, "marts.dim_listings")
    before = partition_fingerprints(warehouse, "staging.stg_events__lines")

    result = backfill(warehouse, "run", "--select", "stg_events__lines fct_page_views", "--start-ds", "2025-01-03", "--end-ds", END, "--days-per-chunk", "3")
    out = result.stdout
    assert "## stg_events__lines: changed partitions" in out
    rows = before["2025-01-04"][0]
    assert f"| 2025-01-04 | {rows:,} → {rows + 12:,} | +12 |" in out
    assert "## fct_page_views: changed partitions" in out
    # The report comes before the swap, which then publishes it.
    assert out.index("changed partitions") < out.index("swapped into production")
    after = partition_fingerprints(warehouse, "staging.stg_events__lines")
    assert after["2025-01-04"][0] == rows + 12
    assert {ds: value for ds, value in after.items() if ds != "2025-01-04"} == {ds: value for ds, value in before.items() if ds != "2025-01-04"}
    assert warehouse.scalar("select count(*) from marts.fct_page_views where id_event like 'redelivered-%'") == 12
    assert partition_fingerprints(warehouse, "marts.dim_listings") == untouched


def test_a_backfill_whose_checks_fail_swaps_nothing(tmp_path, range_warehouse):
    warehouse = copy_of(range_warehouse, tmp_path)
    # Most lines of 2025-01-05 are garbage: the reject-rate check blocks the partition.
    write_partition(warehouse.raw_root, "events", "2025-01-05", ["not json"] * 1000, part=9)
    tables = ["staging.stg_events__lines", "marts.fct_page_views", "cumulative.cum_user_activity"]
    before = {table: partition_fingerprints(warehouse, table) for table in tables}
    ledger = warehouse.query("select * from audit.partition_ledger order by all")

    result = backfill(warehouse, "run", "--select", "stg_events__lines+", "--start-ds", "2025-01-03", "--end-ds", END, "--days-per-chunk", "2", check=False)
    assert result.returncode == 1
    assert "reject_rate_at_most_half_of_20_or_more_lines" in result.stdout
    assert "failed; production is unchanged" in result.stdout
    assert {table: partition_fingerprints(warehouse, table) for table in tables} == before
    assert warehouse.query("select * from audit.partition_ledger order by all") == ledger
    assert warehouse.scalar("select count(*) from information_schema.tables where table_name = 'backfill_runs'") == 0
    _, state = backfill_state(warehouse)
    assert state["phase"] == "failed"


def test_models_that_read_their_own_partitions_declare_depends_on_past(range_warehouse):
    """The runner trusts meta.depends_on_past to know which models run their chunks in order or
    with a warm-up: every model whose incremental SQL reads its own table must say so."""
    # lookback_days 0: the day before END, which the range built, is each summary's seed.
    range_warehouse.dbt("compile", "--vars", json.dumps({"ds": END, "lookback_days": 0}))
    manifest = json.loads((range_warehouse.target_path / "manifest.json").read_text())
    reading_themselves, declared = set(), set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "partitioned":
            continue
        compiled = next((range_warehouse.target_path / "compiled").rglob(f"{node['name']}.sql")).read_text()
        if node["relation_name"] in compiled:
            reading_themselves.add(node["name"])
        if node["config"]["meta"].get("depends_on_past"):
            declared.add(node["name"])
    assert {"cum_user_activity", "stg_users__users", "stg_events__lines"} <= reading_themselves
    assert "fct_page_views" not in reading_themselves
    assert reading_themselves == declared


def test_a_changed_model_lists_its_partitions_as_stale_and_stale_rebuilds_exactly_those(tmp_path, range_warehouse):
    warehouse = copy_of(range_warehouse, tmp_path / "warehouse")
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT, project, ignore=shutil.ignore_patterns(".venv", ".git", "target", "data", "logs", "docs", "__pycache__", ".pytest_cache")
    )
    # The model's logic changes: a share no longer counts as an engagement.
    model = project / "models" / "marts" / "listings" / "fct_listing_engagements.sql"
    changed = model.read_text().replace("    from engagements\n)", "    from engagements\n    where event_type <> 'share'\n)")
    assert changed != model.read_text()
    model.write_text(changed)
    assert range_warehouse.scalar("select count(*) from marts.fct_listing_engagements where dim_engagement_type = 'share'") > 0
    ledger_before = {row[:2]: row[2:] for row in warehouse.query("select model_name, cast(ds as varchar), run_id, fingerprint from audit.partition_ledger")}
    locations = ["--raw-root", str(warehouse.raw_root), "--duckdb-path", str(warehouse.duckdb_path)]

    def in_project(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", *args, *locations],
            cwd=project,
            env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert result.returncode == 0, result.stdout
        return result.stdout

    listing = in_project("scripts.ledger")
    # Both cumulative tables read the engagements (cum_user_activity for activity).
    stale = {"fct_listing_engagements", "cum_listing_engagement", "cum_user_activity"}
    assert "Total: 0 missing, 15 stale" in listing
    assert [line.split()[0] for line in listing.splitlines() if " stale " in line] == sorted(stale)

    out = in_project("scripts.backfill", "run", "--stale", "--days-per-chunk", "5")
    assert "Stale or missing partitions: 15 in 3 model(s)." in out
    backfill_id = warehouse.scalar("select backfill_id from audit.backfill_runs")
    ledger_after = {row[:2]: row[2:] for row in warehouse.query("select model_name, cast(ds as varchar), run_id, fingerprint from audit.partition_ledger")}
    rebuilt = {key for key, value in ledger_after.items() if value != ledger_before[key]}
    assert rebuilt == {(model, ds) for model in stale for ds in DAYS}
    assert {ledger_after[key][0] for key in rebuilt} == {backfill_id}
    assert warehouse.scalar(f"select count(*) from marts.fct_listing_engagements where dim_engagement_type = 'share' and ds >= '{START}'") == 0
    assert "Nothing to rebuild." in in_project("scripts.ledger")
