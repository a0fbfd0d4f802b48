"""A run that starts must be able to finish.

A hand-made landing zone: every source lands 2025-03-01 .. 2025-03-05; after
that, `users` has landed nothing (its ds=2025-03-06 and 2025-03-07 folders do
not exist) and `events` ds=2025-03-07 is still being written (no _SUCCESS),
while the other sources have landed both days. On it, one warehouse goes
through, in this order:

1. a range run 03-01 .. 03-07 on the new warehouse, which must stop before
   anything is built, with one message naming every partition not ready;
2. the first build of 03-01 .. 03-05, whose volume checks have no history to
   compare with on the first partitions (skipped) and do on the later ones;
3. the same failing range run on the built warehouse: production unchanged;
4. a run without vars, which must say which ds it chose and why;
5. a selection that reads no landing source, which needs no landing check;
then upstream catches up and the quick start's "next day" command is run as printed.
"""

from __future__ import annotations

import os
import subprocess
from types import SimpleNamespace

import duckdb
import pytest

from stayhub.backfill.plan import Chunk, Model, Plan
from stayhub.backfill.publish import sanity_problems
from stayhub.build import next_day_command
from stayhub.generate import write_partition
from stayhub.warehouse import ds_range
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse

# Its dbt runs write the project's target/ folder (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("project_target")

FIRST_DS = "2025-03-01"
LAST_LANDED_DS = "2025-03-05"  # the latest ds landed in every source
RANGE_END_DS = "2025-03-07"
SPIKE_DS = "2025-03-05"  # ten times the events of the days before
SOURCES = ("assignments", "bookings", "events", "listings", "users")
# (source, ds) partitions of FIRST_DS .. RANGE_END_DS that are not ready, and how.
NOT_LANDED = [("users", "2025-03-06"), ("users", "2025-03-07")]
INCOMPLETE = [("events", "2025-03-07")]

PRODUCTION_TABLES = [
    "base.base_events__lines",
    "base.base_listings__lines",
    "staging.stg_users__users",
    "marts.fct_page_views",
    "marts.dim_listings",
    "audit.partition_check_results",
    "audit.partition_ledger",
]


def events_of(ds: str) -> list[str]:
    count = 30 if ds == SPIKE_DS else 3
    return [crafted_landing.event(f"e-{ds}-{n}", f"{ds}T10:{n:02d}:00Z") for n in range(count)]


def land(raw_root, ds: str, sources=SOURCES, success: bool = True) -> None:
    """Lands `sources` for `ds`: a few clean lines each (the change logs only on the first day, then empty days)."""
    lines = {
        "events": events_of(ds),
        "listings": [crafted_landing.listing(12), crafted_landing.listing(13), crafted_landing.listing(99, market="Atlantis")],
        "users": [crafted_landing.user(1, "c", 1), crafted_landing.user(2, "c", 2)] if ds == FIRST_DS else [],
        "bookings": [crafted_landing.booking(1, "c", 100)] if ds == FIRST_DS else [],
        "assignments": [],
    }
    for source in sources:
        write_partition(raw_root, source, ds, lines[source], success=success)


def write_landing_zone(raw_root) -> None:
    for ds in ds_range(FIRST_DS, RANGE_END_DS):
        ready = [source for source in SOURCES if (source, ds) not in NOT_LANDED and (source, ds) not in INCOMPLETE]
        land(raw_root, ds, ready)
        for source, incomplete_ds in INCOMPLETE:
            if incomplete_ds == ds:
                land(raw_root, ds, [source], success=False)


def tables(warehouse: Warehouse) -> list[tuple[str, str]]:
    return warehouse.query("select table_schema, table_name from information_schema.tables where table_schema <> 'reference' order by all")


def production_state(warehouse: Warehouse) -> dict:
    return {table: warehouse.query(f"select count(*), sum(hash(t)), max(cast(ds as varchar)) from {table} as t") for table in PRODUCTION_TABLES}


def check_results(warehouse: Warehouse, model: str, check: str) -> dict[str, tuple]:
    """{ds: (status, observed_value, threshold)} of one check of one model (one run of each ds here)."""
    rows = warehouse.query(
        "select cast(ds as varchar), status, observed_value, threshold from audit.partition_check_results "
        f"where model_name = '{model}' and check_name = '{check}' order by ds, checked_at"
    )
    return {ds: (status, observed, threshold) for ds, status, observed, threshold in rows}


def not_ready_lines(raw_root) -> list[str]:
    return [f"source '{source}' ds={ds} has not landed (nothing in {raw_root.resolve()}/{source}/ds={ds})" for source, ds in NOT_LANDED] + [
        f"source '{source}' ds={ds} has no _SUCCESS marker in {raw_root.resolve()}/{source}/ds={ds} (upstream is still writing it)" for source, ds in INCOMPLETE
    ]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Runs steps 1-5 of the module docstring on one warehouse, in order, and keeps what each saw."""
    warehouse = Warehouse(tmp_path_factory.mktemp("must_finish"))
    write_landing_zone(warehouse.raw_root)
    warehouse.seed()
    seen = SimpleNamespace(warehouse=warehouse, seeded_tables=tables(warehouse))

    seen.fresh_failure = warehouse.build(start_ds=FIRST_DS, end_ds=RANGE_END_DS, check=False)
    seen.fresh_tables = tables(warehouse)
    seen.fresh_check_results = warehouse.scalar("select count(*) from audit.partition_check_results")

    seen.first_build = warehouse.build(start_ds=FIRST_DS, end_ds=LAST_LANDED_DS)
    seen.built_state = production_state(warehouse)

    seen.built_failure = warehouse.build(start_ds=FIRST_DS, end_ds=RANGE_END_DS, check=False)
    seen.state_after_failure = production_state(warehouse)

    seen.no_vars_run = warehouse.dbt("run", "--select", "base_listings__lines")

    seen.marts_only = warehouse.dbt("test", "--select", "fct_page_views", "--vars", f'{{start_ds: "{FIRST_DS}", end_ds: "{RANGE_END_DS}"}}', check=False)
    return seen


def test_a_range_run_with_missing_partitions_names_them_all_and_builds_nothing(scenario):
    result = scenario.fresh_failure
    assert result.returncode != 0
    assert (
        f"Landing partitions not ready: the selected models read 3 landing partition(s) of ds {FIRST_DS} .. {RANGE_END_DS} "
        "that have not landed or have no _SUCCESS marker yet. Nothing was built; production is unchanged."
    ) in result.stdout
    # One message: every partition not ready, listed together, in the order of the message.
    message = result.stdout[result.stdout.index("Landing partitions not ready") :]
    expected = not_ready_lines(scenario.warehouse.raw_root)
    positions = [message.find(line) for line in sorted(expected)]
    assert -1 not in positions, [line for line in expected if line not in message]
    assert positions == sorted(positions)
    assert "Read by: events (" in message and "base_events__lines" in message and "users (" in message
    assert f"""--vars '{{start_ds: "{FIRST_DS}", end_ds: "{LAST_LANDED_DS}"}}'""" in message
    # The per-model error never ran: the preflight stopped the run before any model.
    assert "Landing partition not available" not in result.stdout
    assert "Landing partition not complete" not in result.stdout
    # Nothing built: no staging, mart or stage table; only what `dbt seed` left (its hooks create the audit tables).
    assert scenario.fresh_tables == scenario.seeded_tables
    assert {schema for schema, _ in scenario.fresh_tables} == {"audit"}
    assert scenario.fresh_check_results == 0
    assert scenario.warehouse.scalar("select count(*) from information_schema.tables where table_schema = 'reference'") > 0


def test_the_same_failure_on_a_built_warehouse_leaves_production_unchanged(scenario):
    result = scenario.built_failure
    assert result.returncode != 0
    for line in not_ready_lines(scenario.warehouse.raw_root):
        assert line in result.stdout
    assert scenario.state_after_failure == scenario.built_state
    assert scenario.built_state["marts.fct_page_views"][0][2] == LAST_LANDED_DS


def test_a_run_without_vars_says_which_ds_it_chose_and_why(scenario):
    output = scenario.no_vars_run.stdout
    assert f"Run window: ds {LAST_LANDED_DS} .. {LAST_LANDED_DS}" in output
    assert (
        "No ds vars: events ds=2025-03-07 has no _SUCCESS yet; users ds=2025-03-06 .. 2025-03-07 have not landed; "
        f"running {LAST_LANDED_DS}, the latest ds landed in every source"
    ) in output
    assert output.count("No ds vars: ") == 1


def test_a_selection_that_reads_no_landing_source_is_not_checked(scenario):
    result = scenario.marts_only
    assert "Landing partitions not ready" not in result.stdout
    assert "Landing preflight" not in result.stdout
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_first_partitions_of_a_new_warehouse_skip_history_checks(scenario):
    warehouse = scenario.warehouse
    for model, first_staged_ds in [("base_events__lines", FIRST_DS), ("fct_page_views", "2025-02-26")]:
        results = check_results(warehouse, model, "volume_anomaly")
        # No history: the empty lookback partitions before the first rows (fct_page_views), and fewer
        # than min_history (3) partitions with data before it.
        for ds in ds_range(first_staged_ds, "2025-03-03"):
            status, _, reason = results[ds]
            assert status == "skip", (model, ds, results[ds])
            assert reason.startswith("skipped: not enough history to compare with ("), reason
        assert results["2025-03-03"][2] == "skipped: not enough history to compare with (2 of the 3 trailing partitions needed hold data)"
        # With history, the check judges normally: 03-04 is like the days before, 03-05 a tenfold spike.
        assert results["2025-03-04"][0] == "pass" and results["2025-03-04"][2].startswith("within 3.0 .. 3.0 ")
        assert results["2025-03-05"][:2] == ("warn", 30.0) and results["2025-03-05"][2].startswith("within 3.0 .. 3.0 ")
    # A blocking check without history is skipped too: it neither failed nor blocked the build.
    listings = check_results(warehouse, "base_listings__lines", "snapshot_size_stable")
    assert [listings[ds][0] for ds in ds_range(FIRST_DS, LAST_LANDED_DS)] == ["skip", "skip", "skip", "pass", "pass"]
    rooms = check_results(warehouse, "dim_listings", "unseen_values__dim_room_type")
    assert rooms[FIRST_DS][0] == "skip" and rooms[FIRST_DS][1] is None
    assert rooms[FIRST_DS][2] == "skipped: no history to compare with (no dim_room_type in the 7 partitions before)"
    assert {rooms[ds][0] for ds in ds_range("2025-03-02", LAST_LANDED_DS)} == {"pass"}
    assert warehouse.scalar("select count(*) from audit.partition_check_results where status = 'fail'") == 0

    output = scenario.first_build.stdout
    assert ("[WARNING]: partition check warned, published anyway: base_events__lines ds=2025-03-05 check volume_anomaly (warn): observed 30.0") in output
    assert output.count("published anyway: base_events__lines") == 1
    assert (
        "base_listings__lines: partition check snapshot_size_stable skipped (not judged, e.g. no history to compare with yet) "
        "on 3 partition(s), 2025-03-01 .. 2025-03-03"
    ) in output

    # The ledger: warn over skip over pass.
    ledger = dict(warehouse.query("select cast(ds as varchar), check_status from audit.partition_ledger where model_name = 'base_events__lines'"))
    assert ledger == {"2025-03-01": "skip", "2025-03-02": "skip", "2025-03-03": "skip", "2025-03-04": "pass", "2025-03-05": "warn"}


def test_the_quick_start_next_day_command_works_as_printed(scenario, tmp_path):
    warehouse = scenario.warehouse
    next_ds = "2025-03-06"
    land(warehouse.raw_root, next_ds, ["users"])  # upstream catches up
    command = next_day_command(warehouse.raw_root, warehouse.duckdb_path, next_ds)
    assert f"""--vars '{{ds: "{next_ds}"}}'""" in command
    # Pasted into a shell elsewhere, with none of the environment the job ran with.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WAREHOUSE_", "DBT_")) and key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"Run window: ds {next_ds} .. {next_ds}" in result.stdout
    for table in ("staging.stg_users__users", "base.base_listings__lines", "marts.fct_page_views", "marts.dim_listings"):
        assert warehouse.scalar(f"select count(*) from {table} where ds = '{next_ds}'") > 0, table


def test_a_backfill_swaps_over_skipped_and_warned_checks_but_not_failed_ones(tmp_path):
    build_db = tmp_path / "build.duckdb"
    model = Model("fct_x", "model.stayhub_warehouse.fct_x", "marts.fct_x", (), 0, 0)
    plan = Plan(
        select="fct_x",
        start_ds=FIRST_DS,
        end_ds="2025-03-02",
        days_per_chunk=2,
        parallelism=1,
        vars={},
        chunks=[Chunk(0, FIRST_DS, "2025-03-02")],
        models={model.name: model},
        levels=[],
        final_views=[],
        downstream=[],
    )
    with duckdb.connect(str(build_db)) as connection:
        connection.execute("create schema marts; create schema audit")
        connection.execute("create table marts.fct_x as select * from (values (date '2025-03-01'), (date '2025-03-02')) as t(ds)")
        connection.execute(
            "create table audit.partition_ledger as select * from (values "
            "('fct_x', date '2025-03-01', 'run-1', 1), ('fct_x', date '2025-03-02', 'run-1', 1)) as t(model_name, ds, run_id, row_count)"
        )
        connection.execute(
            "create table audit.partition_check_results as select * from (values "
            "('run-1', 'fct_x', date '2025-03-01', 'volume_anomaly', 'skip'), "
            "('run-1', 'fct_x', date '2025-03-02', 'unseen_values__id', 'warn')) as t(run_id, model_name, ds, check_name, status)"
        )
    assert sanity_problems(build_db, plan, ["run-1"]) == []
    with duckdb.connect(str(build_db)) as connection:
        connection.execute("insert into audit.partition_check_results values ('run-1', 'fct_x', date '2025-03-02', 'not_null__id', 'fail')")
    assert sanity_problems(build_db, plan, ["run-1"]) == ["fct_x: blocking check not_null__id failed on ds=2025-03-02"]
