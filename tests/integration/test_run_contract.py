"""The run-time contract: --vars windows, their validation, and landing partitions that are not there yet."""

from __future__ import annotations

import duckdb
import pytest

from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse, seeded_warehouse


@pytest.fixture(scope="module")
def fresh_warehouse(tmp_path_factory, crafted_landing_root):
    return seeded_warehouse(tmp_path_factory.mktemp("contract"), crafted_landing_root)


def relations(warehouse) -> list[str]:
    return [
        name for (name,) in warehouse.query("select table_schema || '.' || table_name from information_schema.tables where table_schema in ('base', 'staging')")
    ]


@pytest.mark.parametrize(
    ("vars_text", "message"),
    [
        ('{ds: "2025-02-30"}', "var `ds` is not a real calendar date: '2025-02-30'"),
        ('{ds: "2025-3-1"}', "var `ds` must be a date written YYYY-MM-DD, got '2025-3-1'"),
        ('{ds: "2025-03-01\'; drop table x; --"}', "var `ds` must be a date written YYYY-MM-DD"),
        ("{start_ds: 2025-03-03, end_ds: 2025-03-01}", "start_ds 2025-03-03 is after end_ds 2025-03-01"),
        ("{start_ds: 2025-03-01}", "`start_ds` and `end_ds` go together"),
        ("{ds: 2025-03-01, start_ds: 2025-03-01, end_ds: 2025-03-02}", "pass either `ds` or `start_ds` with `end_ds`, not both"),
        ('{end_ds: "13/01/2025", start_ds: 2025-01-01}', "var `end_ds` must be a date written YYYY-MM-DD, got '13/01/2025'"),
        # The backfill runner's build schemas (Spark): a prefix that could name production's schemas is refused.
        ("{backfill_build: {schema_prefix: mar, models: [fct_page_views]}}", "var `backfill_build` must be {schema_prefix: bf_<id>_, models: [...]}"),
    ],
)
def test_bad_vars_fail_before_any_sql_runs(fresh_warehouse, vars_text, message):
    result = fresh_warehouse.dbt("build", "--vars", vars_text, check=False)
    assert result.returncode != 0
    assert "Invalid run vars: " + message in result.stdout
    assert relations(fresh_warehouse) == []


def test_unquoted_impossible_date_is_refused_by_dbt_before_any_sql(fresh_warehouse):
    # YAML turns an unquoted 2025-02-30 into a date and fails while dbt reads --vars.
    result = fresh_warehouse.dbt("build", "--vars", "{ds: 2025-02-30}", check=False)
    assert result.returncode != 0
    assert "day is out of range for month" in result.stdout
    assert relations(fresh_warehouse) == []


def test_partition_without_success_marker_stops_the_run_naming_it(fresh_warehouse):
    result = fresh_warehouse.build(ds=crafted_landing.IN_PROGRESS_DS, check=False)
    assert result.returncode != 0
    assert f"source 'events' ds={crafted_landing.IN_PROGRESS_DS} has no _SUCCESS marker" in result.stdout
    assert "base_events__lines" not in " ".join(relations(fresh_warehouse))


def test_partition_that_never_landed_stops_the_run_naming_it(fresh_warehouse):
    result = fresh_warehouse.build(start_ds="2025-03-02", end_ds="2025-03-09", check=False)
    assert result.returncode != 0
    assert "ds=2025-03-05 has not landed" in result.stdout


def test_no_vars_builds_the_latest_partition_landed_in_every_source(crafted_warehouse):
    tables = ["staging.stg_users__users", "base.base_events__lines", "marts.dim_listings", "marts.fct_page_views"]

    def state():
        return {table: crafted_warehouse.query(f"select count(*), sum(hash(t)) from {table} as t") for table in tables}

    before = state()
    result = crafted_warehouse.dbt("run")
    assert f"Run window: ds {crafted_landing.LAST_DS} .. {crafted_landing.LAST_DS}" in result.stdout
    assert (
        f"No ds vars: events ds={crafted_landing.IN_PROGRESS_DS} has no _SUCCESS yet; running {crafted_landing.LAST_DS}, the latest ds landed in every source"
    ) in result.stdout
    assert state() == before


def test_a_snapshot_without_its_history_stops_instead_of_publishing_a_wrong_state(fresh_warehouse):
    # A fresh warehouse asked for the latest ds only: the users snapshot has no yesterday to build on.
    result = fresh_warehouse.dbt("run", check=False)
    assert result.returncode != 0
    assert (
        'stg_users__users builds on the partition before 2025-03-03, but "warehouse"."staging"."stg_users__user_changes" '
        "holds nothing before it while 'users' landed from 2025-03-01. Backfill from there first"
    ) in result.stdout
    assert fresh_warehouse.query("select count(*) from information_schema.tables where table_name = 'stg_users__users'") == [(0,)]


def test_a_seed_needs_no_landed_data(fresh_warehouse):
    # The session's seeded template (Warehouse.seed) was seeded on a landing zone with nothing in it.
    template = Warehouse.seeded_template
    assert template is not None and not (template.parent / "raw").exists()
    with duckdb.connect(str(template), read_only=True) as connection:
        rows = connection.sql("select command, window_start_ds, window_end_ds, node_name, status from audit.run_history").fetchall()
    assert rows == [("seed", None, None, "markets", "success")]
