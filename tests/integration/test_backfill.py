"""The backfill runner end to end: chunks in order, each one dbt run of the whole
job, killed and resumed, equal to one range run (and so to daily runs, which
test_incremental_loading shows equal one range run); a diff shown before a swap;
failed checks swap nothing; a swap never overwrites partitions production
republished after the build started; re-running an older ds makes the
partitions built on it stale, and --stale rebuilds them; every model declares
how many of its own earlier partitions it reads; the progress bar, --no-swap
then resume, diff.md, the lock and the row-count check before the swap."""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from stayhub import generate, ledger
from stayhub.backfill import publish
from stayhub.backfill.runner import Progress, task_count
from stayhub.backfill.state import BackfillState
from stayhub.generate import write_partition
from stayhub.project import project_vars
from stayhub.warehouse import PARSE_CACHE, PROJECT_ROOT, dbt_env, ds_range, ds_shift
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_incremental_loading import PARTITIONED_MODELS, table_differences

START, END = "2025-01-01", "2025-01-05"
# The project's default: a job var equal to it keeps the backfill comparable with range and daily runs.
LOOKBACK_DAYS = int(project_vars()["lookback_days"])
DAYS = ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]


def warehouse_on(root: Path, raw_root: Path) -> Warehouse:
    warehouse = Warehouse(root)
    warehouse.raw_root = raw_root
    return warehouse


def backfill_command(warehouse: Warehouse, *args: str) -> list[str]:
    command, *rest = args
    return [sys.executable, "-m", "stayhub", "backfill", command, "--raw-root", str(warehouse.raw_root), "--duckdb-path", str(warehouse.duckdb_path), *rest]


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
    return {ds: (rows, checksum) for ds, rows, checksum in warehouse.query(f"select cast(ds as varchar), count(*), sum(hash(t)) from {table} as t group by 1")}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    raw_root = tmp_path_factory.mktemp("backfill_landing") / "raw"
    generate.generate(raw_root, start_ds=START, days=len(DAYS), users=300, listings=60, events_per_day=300, seed=23, in_progress_days=0)
    return raw_root


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, landing) -> Path:
    """A warehouse file holding the seeds alone: where a first backfill starts."""
    warehouse = warehouse_on(tmp_path_factory.mktemp("backfill_seeded"), landing)
    warehouse.dbt("seed")
    return warehouse.duckdb_path


@pytest.fixture(scope="module")
def range_warehouse(tmp_path_factory, landing, seeded) -> Warehouse:
    """Production for most tests, which change copies of it (copy_of): one range run over the landed days."""
    warehouse = warehouse_on(tmp_path_factory.mktemp("backfill_range"), landing)
    warehouse.copy_file_from(seeded)
    warehouse.dbt("run", window={"start_ds": START, "end_ds": END})
    return warehouse


def copy_of(warehouse: Warehouse, root: Path) -> Warehouse:
    """Production and landing zone of `warehouse`, copied, to change freely."""
    copy = warehouse_on(root, root / "raw")
    shutil.copytree(warehouse.raw_root, copy.raw_root)
    copy.copy_file_from(warehouse.duckdb_path)
    return copy


def test_dry_run_explains_the_plan_and_builds_nothing(range_warehouse, tmp_path):
    warehouse = copy_of(range_warehouse, tmp_path)
    before = partition_fingerprints(warehouse, "cumulative.cum_user_activity")
    result = backfill(warehouse, "run", "--select", "fct_page_views+", "--start-ds", "2025-01-03", "--end-ds", END, "--days-per-chunk", "2", "--dry-run")
    out = result.stdout
    assert "3 chunk(s) of up to 2 days" not in out and "2 chunk(s) of up to 2 days" in out
    chunks = "1: 2025-01-03..2025-01-04, 2: 2025-01-05..2025-01-05"
    assert f"Chunks, in order, each one dbt run of the whole job in the backfill's build, away from production: {chunks}" in out
    assert "\n  1. fct_page_views\n" in out
    assert "each partition builds on the one before: cum_listing_engagement, cum_user_activity" in out
    lookback = int(project_vars()["lookback_days"])
    rewritten = ds_range(ds_shift("2025-01-03", -lookback), END)
    in_production = sum(1 for ds in rewritten if ds in partition_fingerprints(warehouse, "marts.fct_page_views"))
    assert (
        f"fct_page_views                  {len(rewritten)} partition(s) {rewritten[0]} .. {END}, {in_production} of them in production now (replaced)"
    ) in out
    assert "staging.stg_events__events" in out and f"rows (ds {ds_shift(rewritten[0], -1)} .. 2025-01-05)" in out
    assert "Dry run: nothing was built." in out
    assert not (tmp_path / "backfills").exists() or not list((tmp_path / "backfills").glob("bf_*"))
    assert partition_fingerprints(warehouse, "cumulative.cum_user_activity") == before


def test_a_killed_backfill_resumes_and_equals_one_range_run(tmp_path, landing, seeded, range_warehouse):
    """Two chunks (3 and 2 days), killed after the first: resume runs the second, on the first's partitions."""
    warehouse = warehouse_on(tmp_path, landing)
    warehouse.copy_file_from(seeded)
    process = subprocess.Popen(
        backfill_command(
            warehouse,
            "run",
            "--select",
            "fqn:*",
            "--start-ds",
            START,
            "--end-ds",
            END,
            "--days-per-chunk",
            "3",
            "--parallelism",
            "2",
            "--vars",
            f"{{lookback_days: {LOOKBACK_DAYS}}}",
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
            if done:
                break
        time.sleep(0.2)
    assert process.poll() is None, "the backfill ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    folder, state = backfill_state(warehouse)
    done = {task: entry for task, entry in state["tasks"].items() if entry.get("status") == "done"}
    assert len(done) == 1 and state["phase"] == "building"
    # A half-done backfill is never visible: production still holds the seed alone.
    assert warehouse.scalar("select count(*) from information_schema.tables where table_schema in ('base', 'staging', 'marts', 'cumulative')") == 0

    result = backfill(warehouse, "resume")
    # The retry keeps the original job: selection, dates and vars.
    assert f"Backfill {state['backfill_id']}: 'fqn:*', ds {START} .. {END}, vars {{\"lookback_days\": {LOOKBACK_DAYS}}}" in result.stdout
    tasks = task_count(BackfillState.load(folder).plan)
    assert f"Resuming backfill {state['backfill_id']}: {len(done)} of {tasks} chunks already done." in result.stdout
    resumed = json.loads((folder / "state.json").read_text())
    assert resumed["phase"] == "swapped"
    # The chunks done before the kill were not run again.
    for task, entry in done.items():
        assert resumed["tasks"][task]["attempts"] == 1
        assert resumed["tasks"][task]["finished_at"] == entry["finished_at"]
    assert all(entry["status"] == "done" for entry in resumed["tasks"].values()) and len(resumed["tasks"]) == tasks == 2
    # One dbt invocation per chunk builds every model of the job for its days.
    assert len({entry["invocation_id"] for entry in resumed["tasks"].values()}) == 2

    for table in PARTITIONED_MODELS:
        assert warehouse.scalar(f"select count(*) from {table}") > 0, table
        assert table_differences(warehouse.duckdb_path, range_warehouse.duckdb_path, table) == 0, table
    # Views production lacked were created after the swap (copied from the build), and the time spine table by dbt.
    assert warehouse.scalar("select count(*) from base.base_landing__line_accounting") > 0
    kinds = warehouse.query(
        "select table_name, table_type from information_schema.tables where table_name in ('base_landing__line_accounting', 'metricflow_time_spine')"
    )
    assert dict(kinds) == {"base_landing__line_accounting": "VIEW", "metricflow_time_spine": "BASE TABLE"}

    # Every partition is in the ledger as published by the backfill, under the invocation id of the chunk that
    # built it (so it joins to that chunk's check results), with its rows.
    assert warehouse.query("select distinct backfill_id, published_by from audit.partition_ledger") == [(state["backfill_id"], "backfill")]
    chunk_runs = {entry["invocation_id"] for entry in resumed["tasks"].values()}
    assert {run_id for (run_id,) in warehouse.query("select distinct run_id from audit.partition_ledger")} == chunk_runs
    assert (
        warehouse.scalar(
            "select count(*) from audit.partition_ledger as ledger where row_count <> "
            "(select count(*) from marts.fct_page_views as fact where fact.ds = ledger.ds) and model_name = 'fct_page_views'"
        )
        == 0
    )

    # Resuming a swapped backfill publishes nothing twice.
    again = backfill(warehouse, "resume", state["backfill_id"])
    assert "already swapped into production; nothing to do" in again.stdout
    assert warehouse.scalar("select count(*) from audit.backfill_runs") == 1


def test_a_backfill_whose_checks_fail_swaps_nothing(tmp_path, range_warehouse):
    warehouse = copy_of(range_warehouse, tmp_path)
    # Most lines of 2025-01-05 are garbage: the reject-rate check blocks the partition.
    write_partition(warehouse.raw_root, "events", "2025-01-05", ["not json"] * 1000, part=9)
    tables = ["base.base_events__lines", "marts.fct_page_views", "cumulative.cum_user_activity"]
    before = {table: partition_fingerprints(warehouse, table) for table in tables}
    ledger = warehouse.query("select * from audit.partition_ledger order by all")

    result = backfill(warehouse, "run", "--select", "base_events__lines+", "--start-ds", "2025-01-03", "--end-ds", END, check=False)
    assert result.returncode == 1
    assert "reject_rate_at_most_half_of_20_or_more_lines" in result.stdout
    assert "failed; production is unchanged" in result.stdout
    assert {table: partition_fingerprints(warehouse, table) for table in tables} == before
    assert warehouse.query("select * from audit.partition_ledger order by all") == ledger
    assert warehouse.scalar("select count(*) from information_schema.tables where table_name = 'backfill_runs'") == 0
    _, state = backfill_state(warehouse)
    assert state["phase"] == "failed"


# A read of a table's ds in compiled SQL: one partition, a range, or every partition before one.
DS_PREDICATE = re.compile(
    r"\bds\s*(?:=\s*cast\('(?P<equal>[0-9-]{10})' as date\)"
    r"|between\s+cast\('(?P<first>[0-9-]{10})' as date\)\s+and\s+cast\('(?P<last>[0-9-]{10})' as date\)"
    r"|<\s*cast\('(?P<before>[0-9-]{10})' as date\))"
)


def partitions_read(compiled: str, relation: str) -> tuple[str | None, str] | None:
    """(earliest, latest) ds of `relation` the compiled SQL reads, earliest None when it reads every partition
    before the latest; None when it does not read the relation."""
    reads = []
    for found in re.finditer(re.escape(relation), compiled):
        predicate = DS_PREDICATE.search(compiled, found.end(), found.end() + 400)
        assert predicate, f"{relation} is read without a ds predicate: {compiled[found.start() : found.end() + 400]}"
        if predicate["equal"]:
            reads.append((predicate["equal"], predicate["equal"]))
        elif predicate["first"]:
            reads.append((predicate["first"], predicate["last"]))
        else:
            reads.append((None, ds_shift(predicate["before"], -1)))
    if not reads:
        return None
    earliest = None if any(first is None for first, _ in reads) else min(first for first, _ in reads)
    return earliest, max(last for _, last in reads)


def test_models_that_read_their_own_partitions_declare_how_many(range_warehouse):
    """The runner plans with meta.depends_on_past (a parallel chunk rebuilds N days before it, `true` runs
    chunks in order) and the ledger derives each partition's inputs from it, so it must be what the model
    reads: N = the earliest of its own partitions it reads is N days before the first one it writes;
    true = it builds on the partition just before its window, or reads every earlier one."""
    # A short lookback, so that in this 5-day warehouse the partition before every model's window holds rows
    # (a model that builds on its previous partition reads it only when it has rows).
    lookback = 1
    range_warehouse.dbt("compile", "--vars", json.dumps({"lookback_days": lookback}), window={"ds": END})
    manifest = json.loads((range_warehouse.target_path / "manifest.json").read_text())
    reads, wrong = {}, {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "partitioned":
            continue
        name, meta = node["name"], node["config"]["meta"]
        first_written = ds_shift(END, -lookback if meta.get("rewrites_late_partitions") else 0)
        if node["language"] == "python":
            # A Python model reads its refs through dbt.ref (its own relation is only dbt's `this` helper): none of its own partitions.
            assert "dbt.this" not in node["raw_code"], f"{name} reads its own table"
            read = None
        else:
            compiled = next((range_warehouse.target_path / "compiled").rglob(f"{name}.sql")).read_text()
            read = partitions_read(compiled, node["relation_name"])
        if read is None:
            reads[name] = 0
        else:
            earliest, latest = read
            assert latest < first_written, f"{name} reads its own ds={latest}, not before its window ({first_written})"
            reads[name] = True if earliest is None else (date.fromisoformat(first_written) - date.fromisoformat(earliest)).days
        declared = meta.get("depends_on_past") or 0
        if declared is True:
            matches = reads[name] is True or reads[name] == 1
        else:
            matches = reads[name] is not True and reads[name] == declared
        if not matches:
            wrong[name] = f"declares depends_on_past: {declared}, reads {reads[name]} partition(s) of its own before its window"
    assert reads["base_events__lines"] == int(project_vars()["landing_max_lateness_days"]) + 1
    assert reads["base_users__lines"] == reads["base_bookings__lines"] == 1
    assert reads["base_assignments__lines"] is True
    assert reads["cum_user_activity"] == reads["stg_users__users"] == reads["cum_total_bookings"] == 1
    assert reads["fct_page_views"] == reads["base_listings__lines"] == 0
    assert wrong == {}


def test_a_changed_model_lists_its_partitions_as_stale_and_stale_rebuilds_exactly_those(tmp_path, range_warehouse):
    warehouse = copy_of(range_warehouse, tmp_path / "warehouse")
    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=shutil.ignore_patterns(".venv", ".git", "target", "data", "logs", "docs", "__pycache__", ".pytest_cache"))
    # The copy starts from the project's partial parse: dbt reparses the changed model, not the whole project.
    if PARSE_CACHE.exists():
        (project / PARSE_CACHE.relative_to(PROJECT_ROOT)).parent.mkdir(parents=True)
        shutil.copyfile(PARSE_CACHE, project / PARSE_CACHE.relative_to(PROJECT_ROOT))
    # The model's logic changes: a share no longer counts as an engagement.
    model = project / "models" / "marts" / "listings" / "fct_listing_engagements.sql"
    assert model.read_text().count("['like', 'unlike', 'share']") == 1
    model.write_text(model.read_text().replace("['like', 'unlike', 'share']", "['like', 'unlike']"))
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

    listing = in_project("stayhub", "ledger")
    # It, the cumulative tables built on it, the metric tables built on either, and the experiment models reading it.
    stale = {
        "fct_listing_engagements", "cum_listing_engagement", "cum_user_activity",
        "mtr_engagement_by_platform", "mtr_shares_by_channel", "mtr_marketplace_daily",
        "exp_user_daily_metrics", "exp_user_metrics", "exp_sufficient_stats", "exp_results", "exp_alerts",
    }  # fmt: skip
    # All rewrite lookback_days partitions before the landed days: those are stale too.
    days = ds_range(ds_shift(START, -int(project_vars()["lookback_days"])), END)
    assert f"Total: 0 missing, {len(stale) * len(days)} stale" in listing
    assert [line.split()[0] for line in listing.splitlines() if " stale " in line] == sorted(stale)
    assert all(line.endswith(": its definition changed") for line in listing.splitlines() if " stale " in line)

    out = in_project("stayhub", "backfill", "run", "--stale")
    assert f"Stale or missing partitions: {len(stale) * len(days)} in {len(stale)} model(s)." in out
    backfill_id = warehouse.scalar("select backfill_id from audit.backfill_runs")
    ledger_after = {row[:2]: row[2:] for row in warehouse.query("select model_name, cast(ds as varchar), run_id, fingerprint from audit.partition_ledger")}
    rebuilt = {key for key, value in ledger_after.items() if value != ledger_before[key]}
    assert rebuilt == {(model, ds) for model in stale for ds in days}
    assert set(warehouse.query(f"select model_name, cast(ds as varchar) from audit.partition_ledger where backfill_id = '{backfill_id}'")) == rebuilt
    assert warehouse.scalar(f"select count(*) from marts.fct_listing_engagements where dim_engagement_type = 'share' and ds >= '{START}'") == 0
    assert "Nothing to rebuild." in in_project("stayhub", "ledger")


# --- One backfill built with --no-swap, shared by the tests of the swap and of the runner ---------------

NO_SWAP_JOB = ["--select", "base_events__lines fct_page_views", "--start-ds", "2025-01-03", "--end-ds", END]


def copy_backfill(source: Warehouse, root: Path) -> tuple[Warehouse, Path]:
    """Production, landing zone and backfills of `source`, copied to `root`, state files pointing at the copies."""
    copy = copy_of(source, root)
    shutil.copytree(source.duckdb_path.parent / "backfills", root / "backfills", ignore=shutil.ignore_patterns(".lock"))
    [folder] = sorted((root / "backfills").glob("bf_*"))
    state = json.loads((folder / "state.json").read_text())
    state.update(duckdb_path=str(copy.duckdb_path.resolve()), raw_root=str(copy.raw_root.resolve()))
    (folder / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
    return copy, folder


@pytest.fixture(scope="module")
def unswapped(tmp_path_factory, range_warehouse) -> tuple[Warehouse, subprocess.CompletedProcess]:
    """A copy of the range-built warehouse whose landing zone got 12 more page views in 2025-01-04, and a
    backfill of base_events__lines and fct_page_views over 2025-01-03 .. 2025-01-05 in two chunks, built,
    checked and compared with --no-swap. Tests change copies of it (copy_backfill), or only read it."""
    warehouse = copy_of(range_warehouse, tmp_path_factory.mktemp("unswapped"))
    extra = [crafted_landing.event(f"redelivered-{n}", f"2025-01-04T10:{n:02d}:00Z", anonymous_id=f"anon-extra-{n}") for n in range(12)]
    write_partition(warehouse.raw_root, "events", "2025-01-04", extra, part=9)
    result = backfill(warehouse, "run", *NO_SWAP_JOB, "--days-per-chunk", "2", "--parallelism", "2", "--no-swap")
    return warehouse, result


def production_snapshot(warehouse: Warehouse) -> tuple:
    """What a swap would change: the backfilled tables' partitions, the ledger, the backfills recorded."""
    return (
        partition_fingerprints(warehouse, "base.base_events__lines"),
        partition_fingerprints(warehouse, "marts.fct_page_views"),
        warehouse.query("select * from audit.partition_ledger order by all"),
        warehouse.scalar("select count(*) from information_schema.tables where table_name = 'backfill_runs'"),
    )


def test_a_swap_never_overwrites_partitions_production_republished_after_the_build(unswapped, tmp_path):
    """Issue 11: a backfill built with --no-swap, then a daily run publishes newer data into the same
    partitions; `resume` must not replace them with the older build. It publishes nothing, names the
    partitions that moved, and `resume --rebuild` publishes a build that has both."""
    warehouse, built = unswapped
    warehouse, folder = copy_backfill(warehouse, tmp_path)
    backfill_id = folder.name
    # Upstream delivers 7 more page views in 2025-01-05, and the daily run publishes them.
    late = [crafted_landing.event(f"late-{n}", f"2025-01-05T11:{n:02d}:00Z", anonymous_id=f"anon-late-{n}") for n in range(7)]
    write_partition(warehouse.raw_root, "events", END, late, part=8)
    warehouse.dbt("run", "--select", "base_events__lines+", window={"ds": END})
    assert warehouse.scalar("select count(*) from marts.fct_page_views where id_event like 'late-%'") == 7
    before = production_snapshot(warehouse)

    result = backfill(warehouse, "resume", check=False)
    out = result.stdout
    assert result.returncode == 1, out
    assert f"Backfill {backfill_id}: production moved since this backfill copied it" in out
    assert "Nothing was swapped; production is unchanged." in out
    moved = re.findall(
        r"^  (\w+) ds=(\S+): the build started from run \S+ \(published [^)]*, ([\d,]+) rows\); "
        r"production now holds run \S+ \(published [^)]*, ([\d,]+) rows\)$",
        out,
        re.M,
    )
    # The daily run of 2025-01-05 republished base_events__lines 2025-01-05 and fct_page_views 2024-12-31 .. 2025-01-05.
    lookback = int(project_vars()["lookback_days"])
    assert {(model, ds) for model, ds, _, _ in moved} == {("base_events__lines", END)} | {
        ("fct_page_views", ds) for ds in ds_range(ds_shift(END, -lookback), END)
    }
    assert {(model, ds, rows_then, rows_now) for model, ds, rows_then, rows_now in moved if rows_then != rows_now} == {
        ("fct_page_views", END, f"{before[1][END][0] - 7:,}", f"{before[1][END][0]:,}"),
        ("base_events__lines", END, f"{before[0][END][0] - 7:,}", f"{before[0][END][0]:,}"),
    }
    assert f"stayhub backfill resume {backfill_id} --rebuild" in out
    assert "## Production moved: 6 partition(s) republished after this backfill's build started" in (folder / "diff.md").read_text()
    assert production_snapshot(warehouse) == before
    assert json.loads((folder / "state.json").read_text())["phase"] == "failed"

    # Production moving between the comparison and the swap: the swap's own transaction refuses.
    state = BackfillState.load(folder)
    run_ids = sorted({task["invocation_id"] for task in state.data["tasks"].values()})
    with pytest.raises(publish.ProductionMoved) as refused:
        publish.swap_into_production(warehouse.duckdb_path, state.build_db, state.plan, backfill_id, run_ids, state.data["production_versions"])
    assert len(refused.value.moved) == 6
    assert production_snapshot(warehouse) == before

    # Built again from production as it is now, the backfill publishes the late page views and its own.
    rebuilt = backfill(warehouse, "resume", backfill_id, "--rebuild")
    assert f"Rebuilding backfill {backfill_id} from a new copy of production." in rebuilt.stdout
    assert f"Backfill {backfill_id} swapped into production" in rebuilt.stdout
    assert warehouse.scalar("select count(*) from marts.fct_page_views where id_event like 'late-%'") == 7
    assert warehouse.scalar("select count(*) from marts.fct_page_views where id_event like 'redelivered-%'") == 12
    assert warehouse.scalar(f"select backfill_id from audit.partition_ledger where model_name = 'fct_page_views' and ds = '{END}'") == backfill_id
    # What it published is current (its lineage points at what it published); what reads it outside the job is not.
    [stale] = [line for line in rebuilt.stdout.splitlines() if "are stale now:" in line]
    assert "cum_user_activity" in stale and "fct_page_views" not in stale and "base_events__lines" not in stale


def test_a_swap_that_stopped_part_way_finishes_when_run_again(unswapped, tmp_path):
    """Where the swap is not one transaction (Spark), a failure can leave partitions published and the backfill
    not yet recorded. Running the swap again must finish it: the partitions this backfill published do not count
    as production having moved, and the check results and run history already copied are not copied twice."""
    warehouse, _ = unswapped
    warehouse, folder = copy_backfill(warehouse, tmp_path)
    state = BackfillState.load(folder)
    run_ids = sorted({task["invocation_id"] for task in state.data["tasks"].values()})
    runs = ", ".join(f"'{run_id}'" for run_id in run_ids)

    def swap() -> dict[str, int]:
        return publish.swap_into_production(warehouse.duckdb_path, state.build_db, state.plan, folder.name, run_ids, state.data["production_versions"])

    def published_state() -> tuple:
        """The chunks' rows copied into production, the ledger (the time of publication aside) and the partitions."""
        return (
            [warehouse.scalar(f"select count(*) from {table} where run_id in ({runs})") for table in (publish.CHECK_RESULTS, publish.RUN_HISTORY)],
            warehouse.query(f"select * exclude (published_at) from {publish.LEDGER} order by all"),
            partition_fingerprints(warehouse, "marts.fct_page_views"),
        )

    published = swap()
    swapped = published_state()
    assert swapped[0][0] > 0 and swapped[0][1] > 0
    # Stopped before its last step: the backfill's row in audit.backfill_runs was never written.
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute(f"delete from {publish.BACKFILL_RUNS} where backfill_id = ?", [folder.name])

    assert swap() == published
    assert published_state() == swapped
    assert warehouse.scalar(f"select count(*) from {publish.BACKFILL_RUNS} where backfill_id = '{folder.name}'") == 1


def test_the_progress_bar_shows_chunks_rows_and_time(unswapped):
    """One line per chunk done (the output is not a terminal): the bar, chunks done of all, rows written so
    far, elapsed time and the chunk; on a terminal one line redrawn in place, ended when all are done."""
    warehouse, built = unswapped
    _, state = backfill_state(warehouse)
    bars = re.findall(r"^\[([#.]{30})\] (\d+)/(\d+) chunks \| ([\d,]+) rows \| (\d\d):(\d\d) elapsed \| (.+)$", built.stdout, re.M)
    # Two chunks, in order, each one dbt run of base_events__lines and fct_page_views.
    assert [(int(done), int(total)) for _, done, total, *_ in bars] == [(1, 2), (2, 2)]
    assert [bar.count("#") for bar, *_ in bars] == [15, 30]
    rows = [int(row.replace(",", "")) for _, _, _, row, *_ in bars]
    assert rows == sorted(rows) and rows[-1] == sum(task["rows"] for task in state["tasks"].values()) > 0
    assert [what for *_, what in bars] == ["chunk 2025-01-03..2025-01-04", "chunk 2025-01-05..2025-01-05"]
    assert all(int(minutes) * 60 + int(seconds) < 600 for _, _, _, _, minutes, seconds, _ in bars)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    progress = Progress(total=2, done=0, rows=0, stream=terminal)
    progress.advance(1500, "chunk A")
    progress.advance(500, "chunk B")
    assert terminal.getvalue().startswith("\r\033[K[###############...............] 1/2 chunks | 1,500 rows | 00:00 elapsed | chunk A")
    assert terminal.getvalue().endswith("\r\033[K[##############################] 2/2 chunks | 2,000 rows | 00:00 elapsed | chunk B\n")


def test_no_swap_leaves_production_alone_and_resume_shows_the_diff_then_swaps(unswapped, range_warehouse, tmp_path):
    warehouse, built = unswapped
    folder, state = backfill_state(warehouse)
    assert f"Checks passed; not swapped (--no-swap). Swap with: stayhub backfill resume {state['backfill_id']}" in built.stdout
    assert state["phase"] == "compared" and "swapped into production" not in built.stdout
    assert production_snapshot(warehouse) == production_snapshot(range_warehouse)
    # Each chunk's dbt invocation built both models: the build's ledger names one run per chunk.
    build_runs = BackfillState.load(folder).build_db
    with duckdb.connect(str(build_runs), read_only=True) as connection:
        runs = connection.execute(
            "select model_name, cast(ds as varchar), run_id from audit.partition_ledger "
            "where ds >= '2025-01-03' and model_name in ('base_events__lines', 'fct_page_views')"
        ).fetchall()
    first, second = state["tasks"]["C1"]["invocation_id"], state["tasks"]["C2"]["invocation_id"]
    # The second chunk rewrote the fact's late partitions before it, as one range run would.
    assert sorted(runs) == [
        ("base_events__lines", "2025-01-03", first),
        ("base_events__lines", "2025-01-04", first),
        ("base_events__lines", END, second),
        ("fct_page_views", "2025-01-03", second),
        ("fct_page_views", "2025-01-04", second),
        ("fct_page_views", END, second),
    ]
    untouched = partition_fingerprints(warehouse, "marts.dim_listings")
    before = partition_fingerprints(warehouse, "base.base_events__lines")

    warehouse, folder = copy_backfill(warehouse, tmp_path)
    resumed = backfill(warehouse, "resume")
    out = resumed.stdout
    assert f"Backfill {folder.name}: 'base_events__lines fct_page_views', ds 2025-01-03 .. {END}" in out
    assert f"Resuming backfill {folder.name}: 2 of 2 chunks already done." in out
    assert f"Backfill {folder.name} swapped into production" in out
    # The report of what changes comes before the swap, which then publishes it.
    assert "## base_events__lines: changed partitions" in out and "## fct_page_views: changed partitions" in out
    rows = before["2025-01-04"][0]
    assert f"| 2025-01-04 | {rows:,} → {rows + 12:,} | +12 |" in out
    assert out.index("changed partitions") < out.index("swapped into production")
    after = partition_fingerprints(warehouse, "base.base_events__lines")
    assert after["2025-01-04"][0] == rows + 12
    assert {ds: value for ds, value in after.items() if ds != "2025-01-04"} == {ds: value for ds, value in before.items() if ds != "2025-01-04"}
    assert partition_fingerprints(warehouse, "marts.dim_listings") == untouched
    assert json.loads((folder / "state.json").read_text())["phase"] == "swapped"
    assert warehouse.scalar("select count(*) from marts.fct_page_views where id_event like 'redelivered-%'") == 12
    assert warehouse.query("select backfill_id, job from audit.backfill_runs") == [(folder.name, "base_events__lines fct_page_views")]
    assert warehouse.query("select distinct backfill_id from audit.partition_ledger where model_name = 'fct_page_views' and ds >= '2025-01-03'") == [
        (folder.name,)
    ]
    assert not (folder / "build").exists()


def test_diff_md_holds_the_whole_comparison_the_run_printed(unswapped, range_warehouse):
    warehouse, built = unswapped
    folder, _ = backfill_state(warehouse)
    report = (folder / "diff.md").read_text()
    # Under 10 changed partitions per model: the printed report is the whole file.
    printed = built.stdout[built.stdout.index("# Backfill ") : built.stdout.index("\nFull comparison: ")].strip()
    assert report.strip() == printed
    assert f"Full comparison: {folder / 'diff.md'}" in built.stdout
    lines_rows = partition_fingerprints(range_warehouse, "base.base_events__lines")["2025-01-04"][0]
    views_before = partition_fingerprints(range_warehouse, "marts.fct_page_views")
    lookback = int(project_vars()["lookback_days"])
    fact_days = ds_range(ds_shift("2025-01-03", -lookback), END)
    fact_rows = sum(views_before.get(ds, (0,))[0] for ds in fact_days)
    existing = sum(1 for ds in fact_days if ds in views_before)
    assert (
        f"| base_events__lines | 3 | 0 | 1 | 2 | {sum(partition_fingerprints(range_warehouse, 'base.base_events__lines')[ds][0] for ds in DAYS[2:]):,} |"
        in report
    )
    assert f"| fct_page_views | {len(fact_days)} | {len(fact_days) - existing} | 1 | {existing - 1} | {fact_rows:,} | {fact_rows + 12:,} |" in report
    assert f"| 2025-01-04 | {lines_rows:,} → {lines_rows + 12:,} | +12 |" in report
    views = views_before["2025-01-04"][0]
    assert f"| 2025-01-04 | {views:,} → {views + 12:,} | +12 | m_page_views {views:,} → {views + 12:,}" in report

    # With more changed partitions than the printed report shows, the file still lists every one.
    many = [publish.ModelDiff("fct_page_views", [publish.PartitionDiff(f"2025-02-{day:02d}", 10, 11, content_changed=True) for day in range(1, 13)])]
    assert "… 2 more in the report file" in publish.diff_report("bf_x", many, limit=10)
    assert publish.diff_report("bf_x", many).count("| 10 → 11 | +1 |") == 12


def test_one_runner_per_backfill(unswapped, tmp_path):
    warehouse, _ = unswapped
    warehouse, folder = copy_backfill(warehouse, tmp_path)
    before = production_snapshot(warehouse)
    with open(folder / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = backfill(warehouse, "resume", folder.name, check=False)
    assert result.returncode != 0
    assert f"Backfill {folder.name} is being run by another process." in result.stdout
    assert json.loads((folder / "state.json").read_text())["phase"] == "compared"
    assert production_snapshot(warehouse) == before


def test_the_row_counts_are_checked_against_the_ledger_before_the_swap(unswapped, tmp_path):
    warehouse, _ = unswapped
    warehouse, folder = copy_backfill(warehouse, tmp_path)
    before = production_snapshot(warehouse)
    build_db = BackfillState.load(folder).build_db
    with duckdb.connect(str(build_db)) as connection:
        ledger_rows = connection.execute("select row_count from audit.partition_ledger where model_name = 'fct_page_views' and ds = '2025-01-04'").fetchone()[0]
        # Rows lost from the build after it was checked (a bad merge, a hand edit): 5 of the partition's.
        connection.execute("delete from marts.fct_page_views where id_event in (select id_event from marts.fct_page_views where ds = '2025-01-04' limit 5)")
    result = backfill(warehouse, "resume", folder.name, check=False)
    assert result.returncode == 1
    assert f"Backfill {folder.name}: sanity checks failed, production is unchanged:" in result.stdout
    assert f"fct_page_views: rows of ds=2025-01-04 ({ledger_rows - 5}) differ from its ledger ({ledger_rows})" in result.stdout
    assert production_snapshot(warehouse) == before
    assert json.loads((folder / "state.json").read_text())["phase"] == "failed"


# --- Re-running an older ds: the partitions built on it are stale, and --stale rebuilds them ----------------


def listed_ranges(listing: str) -> list[tuple[str, str, str, str | None]]:
    """(model, state, 'first .. last' or 'ds', reason) of every range `stayhub ledger` lists."""
    entries: list[tuple[str, str, str, str | None]] = []
    model: str | None = None
    for line in listing.splitlines():
        found = re.match(r"^  (\S+)?\s+(missing|stale|current)\s+(\S+(?: \.\. \S+)?)  \(\d+ partitions?\)(?:: (.*))?$", line)
        if found:
            model = found[1] or model
            assert model is not None, f"a range before any model's name: {line!r}"
            entries.append((model, found[2], found[3], found[4]))
    return entries


def test_rerunning_an_older_ds_makes_what_was_built_on_it_stale_and_stale_rebuilds_it(range_warehouse, seeded, tmp_path, monkeypatch, capsys):
    """Issue 11: re-deliver events into an older landing ds and re-run that ds: its facts change, and every
    later partition built on them (cum_user_activity's, day after day) must be known stale, listed with the
    reason, counted by the run, and rebuilt by --stale to what one range run over the new data gives."""
    warehouse = copy_of(range_warehouse, tmp_path / "warehouse")
    rerun_ds = "2025-01-02"
    views = [crafted_landing.event(f"redelivered-{n}", f"{rerun_ds}T09:{n:02d}:00Z", user_id=990001, anonymous_id="anon-redelivered") for n in range(5)]
    write_partition(warehouse.raw_root, "events", rerun_ds, views, part=9)

    run = warehouse.dbt("run", window={"ds": rerun_ds})
    counted = re.search(r"Partition lineage: (\d+) partition\(s\) are stale now, built on partitions this run republished", run.stdout)
    assert counted, run.stdout[-3000:]
    assert "rebuild them: stayhub backfill run --stale" in run.stdout

    # The lineage each partition recorded: a fact reads the landing partitions its events can arrive in.
    lookback = int(project_vars()["lookback_days"])
    assert warehouse.query(
        "select input_model, cast(input_ds as varchar) from audit.partition_inputs where model_name = 'fct_page_views' and ds = '2025-01-03' order by all"
    ) == [("base_events__lines", ds) for ds in ds_range("2025-01-02", ds_shift("2025-01-03", lookback))]
    assert warehouse.query(
        "select input_model, cast(input_ds as varchar) from audit.partition_inputs where model_name = 'cum_user_activity' and ds = '2025-01-03' order by all"
    ) == [
        ("cum_user_activity", "2025-01-02"),
        ("fct_booking_events", "2025-01-03"),
        ("fct_listing_engagements", "2025-01-03"),
        ("fct_page_views", "2025-01-03"),
    ]

    fingerprints = ledger.current_fingerprints(warehouse.raw_root, warehouse.duckdb_path)
    everywhere = ledger.partition_status(warehouse.duckdb_path, fingerprints, "2024-12-01", "2025-01-31")
    assert sum(status.state == "stale" for status in everywhere) == int(counted[1])
    monkeypatch.setattr(ledger, "current_fingerprints", lambda raw_root, duckdb_path, **_: fingerprints)
    locations = ["--raw-root", str(warehouse.raw_root), "--duckdb-path", str(warehouse.duckdb_path)]
    assert ledger.main(locations) == 0
    listed = listed_ranges(capsys.readouterr().out)
    republished = r"republished at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d after it"
    assert any(
        entry[:3] == ("cum_user_activity", "stale", "2025-01-03") and re.fullmatch(f"input cum_user_activity ds=2025-01-02 {republished}", entry[3] or "")
        for entry in listed
    ), listed
    # Built on two partitions stale themselves on 2025-01-03 (its own, and the landed events its facts read):
    # the reason names the earliest by (ds, model).
    assert ("cum_user_activity", "stale", "2025-01-04 .. 2025-01-05", "built on stale base_events__lines ds=2025-01-03") in listed
    assert any(
        entry[:3] == ("fct_page_views", "stale", "2025-01-03") and re.fullmatch(f"input base_events__lines ds=2025-01-02 {republished}", entry[3] or "")
        for entry in listed
    ), listed
    assert {"base_events__lines", "fct_page_views", "cum_user_activity"} <= {model for model, state, _, _ in listed if state == "stale"}
    # Landing re-read without new rows changes nothing: the bookings and users lineages are not stale.
    assert not {status.model for status in everywhere if status.state == "stale"} & {
        "stg_users__users",
        "stg_bookings__bookings",
        "dim_users",
        "fct_booking_events",
        "cum_total_bookings",
    }

    out = backfill(warehouse, "run", "--stale").stdout
    assert "each partition builds on the one before: cum_listing_engagement, cum_user_activity" in out
    assert "swapped into production" in out
    assert ledger.main(locations) == 0
    assert "Nothing to rebuild." in capsys.readouterr().out
    assert warehouse.query("select cast(ds as varchar), m_page_views_lifetime from cumulative.cum_user_activity where id_user = 990001 order by ds") == [
        (ds, 5) for ds in ds_range(rerun_ds, END)
    ]

    # Nothing lost: the same tables as one range run over the re-delivered landing zone.
    fresh = warehouse_on(tmp_path / "fresh", warehouse.raw_root)
    fresh.copy_file_from(seeded)
    fresh.dbt("run", window={"start_ds": START, "end_ds": END})
    for table in PARTITIONED_MODELS:
        assert table_differences(warehouse.duckdb_path, fresh.duckdb_path, table) == 0, table
