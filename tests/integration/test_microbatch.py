"""--vars '{publish_mode: microbatch}': dbt's own microbatch strategy builds
selector microbatch_compatible one ds per batch, with the same rows as one
range run; models it cannot build right stop the run with the reason."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_incremental_loading import table_differences

MICROBATCH = ["--vars", "{publish_mode: microbatch}"]
# --event-time-end is exclusive: the day after the last ds (the crafted zone's
# next ds, IN_PROGRESS_DS, has no _SUCCESS and would stop the run).
EVENT_TIME = [
    "--event-time-start",
    crafted_landing.FIRST_DS,
    "--event-time-end",
    (date.fromisoformat(crafted_landing.LAST_DS) + timedelta(days=1)).isoformat(),
]
BATCHES = ["2025-03-01", "2025-03-02", "2025-03-03"]
MICROBATCH_MODELS = [
    "base.base_assignments__lines",
    "base.base_bookings__lines",
    "base.base_events__lines",
    "base.base_listings__lines",
    "base.base_users__lines",
    "staging.stg_bookings__bookings",
    "staging.stg_users__users",
    "marts.dim_markets",
    "marts.dim_listings",
    "marts.dim_users",
]


@pytest.fixture(scope="module")
def microbatch_build(tmp_path_factory, crafted_landing_root):
    """The crafted zone built by one microbatch run of the selector, with its run results."""
    warehouse = Warehouse(tmp_path_factory.mktemp("microbatch"))
    warehouse.raw_root = crafted_landing_root
    # The same vars as the runs below, so dbt parses the project once.
    warehouse.dbt("seed", *MICROBATCH)
    warehouse.dbt("run", "--selector", "microbatch_compatible", *MICROBATCH, *EVENT_TIME)
    run_results = json.loads((warehouse.target_path / "run_results.json").read_text())
    return warehouse, run_results["results"]


def test_the_selector_builds_its_partitioned_models_one_batch_per_ds(microbatch_build):
    _, results = microbatch_build
    batches = {
        result["unique_id"].split(".")[-1]: sorted(start[:10] for start, _ in result["batch_results"]["successful"])
        for result in results
        if result.get("batch_results") is not None
    }
    assert batches == {table.split(".")[1]: BATCHES for table in MICROBATCH_MODELS}
    assert {result["status"] for result in results} == {"success"}


@pytest.mark.parametrize("table", MICROBATCH_MODELS)
def test_microbatch_build_equals_one_range_run(microbatch_build, crafted_warehouse, table):
    warehouse, _ = microbatch_build
    assert warehouse.scalar(f"select count(*) from {table}") > 0
    assert table_differences(warehouse.duckdb_path, crafted_warehouse.duckdb_path, table) == 0


def test_models_that_rewrite_late_partitions_refuse_microbatch(microbatch_build):
    warehouse, _ = microbatch_build
    result = warehouse.dbt("run", "--select", "fct_page_views", "cum_total_bookings", "cum_user_activity", *MICROBATCH, *EVENT_TIME, check=False)
    assert result.returncode != 0
    assert (
        "Cannot build cum_total_bookings, cum_user_activity, fct_page_views with publish_mode microbatch:"
        " they set meta.rewrites_late_partitions" in result.stdout
    )
    assert "a dbt microbatch batch reads data only up to its own ds" in result.stdout
    assert "--selector microbatch_compatible" in result.stdout
    assert (
        warehouse.scalar(
            "select count(*) from information_schema.tables where table_schema in ('marts', 'cumulative')"
            " and table_name in ('fct_page_views', 'cum_total_bookings', 'cum_user_activity')"
        )
        == 0
    )


def test_compiling_a_model_that_rewrites_late_partitions_fails_in_microbatch_mode(microbatch_build):
    warehouse, _ = microbatch_build
    result = warehouse.dbt("compile", "--select", "fct_user_deactivations", *MICROBATCH, check=False)
    assert result.returncode != 0
    assert "Cannot build fct_user_deactivations with publish_mode microbatch" in result.stdout


def test_full_refresh_of_models_that_read_their_past_is_refused(microbatch_build):
    warehouse, _ = microbatch_build
    before = warehouse.scalar("select count(*) from base.base_events__lines")
    result = warehouse.dbt("run", "--selector", "microbatch_compatible", "--full-refresh", *MICROBATCH, *EVENT_TIME, check=False)
    assert result.returncode != 0
    assert "Cannot --full-refresh base_assignments__lines, base_bookings__lines, base_events__lines, base_users__lines, stg_bookings__bookings" in result.stdout
    assert warehouse.scalar("select count(*) from base.base_events__lines") == before
