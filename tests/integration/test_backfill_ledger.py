"""The backfill's swap writes production's ledger through the materialization's
own macros (dbt run-operation swap_backfill): every swapped partition keeps the
run_id of the chunk that built it, which joins to its check results and run
history, and says which backfill published it (backfill_id); a partition
published for the first time gets its audit.partition_first_published row; a
ledger written before backfill_id existed gets the column; a production that
moved after the build started makes the swap refuse, unchanged; and the
lineage records the input versions the chunks read, so a partition built on
an input production republished meanwhile is stale after the swap."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from stayhub import generate, ledger
from stayhub.backfill import publish
from stayhub.backfill.state import BackfillState
from stayhub.generate import write_partition
from stayhub.warehouse import PROJECT_ROOT, dbt_env, ds_range
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse

# Production holds 2025-01-01 .. 2025-01-03; the backfill rebuilds 2025-01-02 .. 2025-01-04, so
# base_events__lines 2025-01-04 is published for the first time by the swap.
FIRST_DS, PRODUCTION_END, BACKFILL_START, BACKFILL_END = "2025-01-01", "2025-01-03", "2025-01-02", "2025-01-04"
JOB = ["--select", "base_events__lines fct_page_views", "--start-ds", BACKFILL_START, "--end-ds", BACKFILL_END, "--days-per-chunk", "2"]


def backfill(warehouse: Warehouse, *args: str) -> str:
    command, *rest = args
    result = subprocess.run(
        [sys.executable, "-m", "stayhub", "backfill", command, "--raw-root", str(warehouse.raw_root), "--duckdb-path", str(warehouse.duckdb_path), *rest],
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    return result.stdout


def snapshot(warehouse: Warehouse) -> tuple:
    """Everything a swap writes in production."""
    tables = ["base.base_events__lines", "marts.fct_page_views", "audit.partition_ledger", "audit.partition_inputs"]
    tables += ["audit.partition_first_published", "audit.partition_check_results", "audit.run_history"]
    return (
        {table: warehouse.query(f"select * from {table} order by all") for table in tables},
        warehouse.scalar("select count(*) from information_schema.tables where table_name = 'backfill_runs'"),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Warehouse, BackfillState]:
    """Production built over 2025-01-01 .. 2025-01-03 by the previous code's ledger (no backfill_id column),
    and a backfill of base_events__lines and fct_page_views over 2025-01-02 .. 2025-01-04 in two chunks,
    built and compared with --no-swap."""
    warehouse = Warehouse(tmp_path_factory.mktemp("backfill_ledger"))
    generate.generate(warehouse.raw_root, start_ds=FIRST_DS, days=4, users=200, listings=40, events_per_day=200, seed=5, in_progress_days=0)
    warehouse.dbt("seed")
    warehouse.dbt("run", "--select", "+fct_page_views", window={"start_ds": FIRST_DS, "end_ds": PRODUCTION_END})
    with duckdb.connect(str(warehouse.duckdb_path)) as connection:
        connection.execute("alter table audit.partition_ledger drop column backfill_id")
    out = backfill(warehouse, "run", *JOB, "--parallelism", "2", "--no-swap")
    assert "not swapped (--no-swap)" in out
    [folder] = (warehouse.duckdb_path.parent / "backfills").glob("bf_*")
    state = BackfillState.load(folder)
    # The swap deletes the build; the refused swap works on a copy of it, in whichever order the tests run.
    shutil.copyfile(state.build_db, warehouse.root / "build_copy.duckdb")
    return warehouse, state


def test_a_swap_refuses_when_production_moved_and_leaves_it_unchanged(built, tmp_path):
    warehouse, state = built
    moved = Warehouse(tmp_path)
    moved.raw_root = warehouse.raw_root
    moved.copy_file_from(warehouse.duckdb_path)
    # A daily run republishes base_events__lines 2025-01-03 after the build copied production.
    moved.dbt("run", "--select", "base_events__lines", window={"ds": PRODUCTION_END})
    before = snapshot(moved)
    run_ids = sorted(task["invocation_id"] for task in state.data["tasks"].values())

    with pytest.raises(publish.ProductionMoved) as refused:
        publish.swap_into_production(
            moved.duckdb_path, warehouse.root / "build_copy.duckdb", state.plan, state.backfill_id, run_ids, state.data["production_versions"]
        )
    assert [(partition.model, partition.ds) for partition in refused.value.moved] == [("base_events__lines", PRODUCTION_END)]
    assert snapshot(moved) == before


def test_a_partition_built_on_an_input_republished_meanwhile_is_stale_after_the_swap(built, tmp_path):
    """base_events__lines 2025-01-01 is outside the job, and fct_page_views 2025-01-01 (in it) reads it. Production
    republishes it with more rows after the build copied production: the swap goes ahead (it replaces no partition
    that moved), and the fact partition the chunks built on the old version is stale, not current."""
    warehouse, state = built
    copy = Warehouse(tmp_path)
    shutil.copytree(warehouse.raw_root, copy.raw_root)
    copy.copy_file_from(warehouse.duckdb_path)
    late = [crafted_landing.event(f"late-{n}", f"{FIRST_DS}T10:{n:02d}:00Z", anonymous_id=f"anon-late-{n}") for n in range(3)]
    write_partition(copy.raw_root, "events", FIRST_DS, late, part=9)
    copy.dbt("run", "--select", "base_events__lines", window={"ds": FIRST_DS})
    run_ids = sorted(task["invocation_id"] for task in state.data["tasks"].values())

    publish.swap_into_production(
        copy.duckdb_path, warehouse.root / "build_copy.duckdb", state.plan, state.backfill_id, run_ids, state.data["production_versions"]
    )
    stale = ledger.stale_by_inputs_in(copy.duckdb_path)
    assert FIRST_DS in stale.get("fct_page_views", []), stale
    assert copy.scalar(f"select count(*) from audit.partition_ledger where backfill_id = '{state.backfill_id}' and ds = '{FIRST_DS}'") == 1


def test_swapped_partitions_keep_the_chunks_run_id_that_joins_their_checks_and_name_the_backfill(built):
    warehouse, state = built
    first_published_before = dict(warehouse.query("select model_name || ' ' || cast(ds as varchar), first_published_at from audit.partition_first_published"))
    assert "base_events__lines 2025-01-04" not in first_published_before
    out = backfill(warehouse, "resume", state.backfill_id)
    assert f"Backfill {state.backfill_id} swapped into production" in out
    tasks = json.loads((state.folder / "state.json").read_text())["tasks"]
    chunk_runs = {task: entry["invocation_id"] for task, entry in tasks.items()}

    swapped = {
        (model, ds): (run_id, published_by, rows)
        for model, ds, run_id, published_by, rows in warehouse.query(
            f"select model_name, cast(ds as varchar), run_id, published_by, row_count from audit.partition_ledger where backfill_id = '{state.backfill_id}'"
        )
    }
    # Every partition the job rebuilt, and only those, name the backfill; the others kept a null backfill_id.
    assert {model for model, _ in swapped} == {"base_events__lines", "fct_page_views"}
    assert {ds for model, ds in swapped if model == "base_events__lines"} == set(ds_range(BACKFILL_START, BACKFILL_END))
    assert warehouse.scalar("select count(*) from audit.partition_ledger where backfill_id is null and model_name = 'base_events__lines'") == 1
    assert {published_by for _, published_by, _ in swapped.values()} == {"backfill"}
    # The run of the chunk that built each partition: the first chunk built 2025-01-02 .. 03, the second 2025-01-04.
    assert swapped[("base_events__lines", "2025-01-02")][0] == swapped[("base_events__lines", "2025-01-03")][0] == chunk_runs["C1"]
    assert swapped[("base_events__lines", "2025-01-04")][0] == chunk_runs["C2"]
    assert {run_id for (model, _), (run_id, _, _) in swapped.items() if model == "fct_page_views"} <= {
        chunk_runs["C1"],
        chunk_runs["C2"],
    }

    # ... which joins each partition to the check results of that chunk, and to what that chunk's dbt invocation ran.
    unchecked = warehouse.query(
        f"""select model_name, cast(ds as varchar) from audit.partition_ledger as ledger
        where backfill_id = '{state.backfill_id}' and not exists (
            select 1 from audit.partition_check_results as checks
            where checks.run_id = ledger.run_id and checks.model_name = ledger.model_name and checks.ds = ledger.ds
        )"""
    )
    assert unchecked == []
    checks = warehouse.query(
        "select distinct checks.run_id from audit.partition_check_results as checks inner join audit.partition_ledger as ledger "
        "using (run_id, model_name, ds) where ledger.model_name = 'base_events__lines' and ledger.ds = '2025-01-04'"
    )
    assert checks == [(chunk_runs["C2"],)]
    assert set(warehouse.query("select distinct run_id from audit.run_history")) >= {(run_id,) for run_id in chunk_runs.values()}
    # The ledger's row counts are the rows published.
    for (model, ds), (_, _, rows) in swapped.items():
        table = {"base_events__lines": "base.base_events__lines", "fct_page_views": "marts.fct_page_views"}[model]
        assert warehouse.scalar(f"select count(*) from {table} where ds = '{ds}'") == rows, (model, ds)

    # A partition published for the first time records when and by which chunk; earlier ones keep their first time.
    first = warehouse.query(
        "select first.run_id, first.first_published_at = runs.swapped_at from audit.partition_first_published as first, audit.backfill_runs as runs "
        "where first.model_name = 'base_events__lines' and first.ds = '2025-01-04'"
    )
    assert first == [(chunk_runs["C2"], True)]
    first_published_after = dict(warehouse.query("select model_name || ' ' || cast(ds as varchar), first_published_at from audit.partition_first_published"))
    assert {key: value for key, value in first_published_after.items() if key in first_published_before} == first_published_before

    assert warehouse.query("select backfill_id, job, partitions from audit.backfill_runs") == [
        (state.backfill_id, "base_events__lines fct_page_views", len(swapped))
    ]
