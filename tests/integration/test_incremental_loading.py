"""Every partitioned model: daily runs equal one range run, and re-running a ds changes nothing."""

from __future__ import annotations

import duckdb
import pytest

from stayhub.metrics.definitions import load_definitions
from tests.integration import crafted_landing
from tests.integration.conftest import seeded_warehouse

PARTITIONED_MODELS = [
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
    "marts.fct_page_views",
    "marts.fct_listing_engagements",
    "marts.fct_booking_events",
    "marts.fct_user_deactivations",
    "cumulative.cum_total_bookings",
    "cumulative.cum_user_activity",
    "cumulative.cum_listing_engagement",
    # Every metric table (a saved query in models/metrics).
    *sorted(f"metrics.mtr_{query.name}" for query in load_definitions().saved_queries),
]
DAYS = ["2025-03-01", "2025-03-02", "2025-03-03"]


def table_differences(left_path, right_path, table: str) -> int:
    """Rows in one table and not the other, either way (multiset difference)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{left_path}' as left_db (read_only)")
        connection.execute(f"attach '{right_path}' as right_db (read_only)")
        left, right = f"left_db.{table}", f"right_db.{table}"
        return connection.execute(
            f"select (select count(*) from (from {left} except all from {right})) + (select count(*) from (from {right} except all from {left}))"
        ).fetchall()[0][0]


def checksum(warehouse, table: str):
    return warehouse.scalar(f"select count(*) || ':' || coalesce(sum(hash(t)), 0) from {table} as t")


@pytest.fixture(scope="module")
def daily_warehouse(tmp_path_factory, crafted_landing_root):
    warehouse = seeded_warehouse(tmp_path_factory.mktemp("daily"), crafted_landing_root)
    for ds in DAYS:
        warehouse.dbt("run", window={"ds": ds})
    return warehouse


@pytest.mark.parametrize("table", PARTITIONED_MODELS)
def test_daily_runs_equal_one_range_run(daily_warehouse, crafted_warehouse, table):
    assert crafted_warehouse.scalar(f"select count(*) from {table}") > 0
    assert table_differences(daily_warehouse.duckdb_path, crafted_warehouse.duckdb_path, table) == 0


def test_rerunning_a_ds_leaves_every_partitioned_model_identical(daily_warehouse):
    before = {table: checksum(daily_warehouse, table) for table in PARTITIONED_MODELS}
    daily_warehouse.dbt("run", "--vars", '{ds: "2025-03-02"}')
    after = {table: checksum(daily_warehouse, table) for table in PARTITIONED_MODELS}
    assert after == before


def test_rerunning_a_range_replaces_exactly_its_partitions(daily_warehouse):
    before = daily_warehouse.query("select cast(ds as varchar), count(*) from base.base_events__lines group by 1 order by 1")
    daily_warehouse.dbt("run", "--select", "base_events__lines", window={"start_ds": "2025-03-02", "end_ds": "2025-03-03"})
    assert daily_warehouse.query("select cast(ds as varchar), count(*) from base.base_events__lines group by 1 order by 1") == before
    assert [ds for ds, _ in before] == ["2025-03-01", "2025-03-02"]
    assert crafted_landing.LAST_DS == "2025-03-03"
