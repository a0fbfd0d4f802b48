"""Cumulative summaries: the daily path, the backfill path and a naive scan of the facts agree."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from stayhub import generate
from stayhub.cumulative_full_scan import SUMMARIES, Summary, full_scan_sql, select_columns_sql
from tests.integration.conftest import Warehouse, seeded_warehouse
from tests.integration.test_incremental_loading import table_differences

START = date(2025, 1, 1)
DAYS = 35  # more than 28: L28 differs from lifetime, and the 28-day state wraps
DAILY_FROM = 31  # the last days run one ds at a time
SELECTION = ["--select", "+cum_user_activity", "+cum_listing_engagement"]
TABLES = [summary.table for summary in SUMMARIES]


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def cumulative_landing(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("cumulative_landing") / "raw"
    generate.generate(
        raw_root,
        start_ds=START.isoformat(),
        days=DAYS,
        users=300,
        listings=60,
        events_per_day=300,
        dirty_rate=0.01,
        seed=5,
        in_progress_days=0,
        empty_partitions=[],
    )
    return raw_root


def warehouse_on(tmp_path_factory, raw_root, name) -> Warehouse:
    return seeded_warehouse(tmp_path_factory.mktemp(name), raw_root)


def run(warehouse: Warehouse, lookback_days: int | None = None, **window: str) -> None:
    job_vars = ["--vars", json.dumps({"lookback_days": lookback_days})] if lookback_days is not None else []
    warehouse.dbt("run", *SELECTION, *job_vars, window=window)


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, cumulative_landing):
    """The whole range in one run, default lookback_days: the backfill path."""
    warehouse = warehouse_on(tmp_path_factory, cumulative_landing, "cumulative_backfill")
    run(warehouse, start_ds=day(0), end_ds=day(DAYS - 1))
    return warehouse


@pytest.fixture(scope="module")
def daily(tmp_path_factory, cumulative_landing):
    """A range, then one run per day with the default lookback_days: each rewrites its late partitions."""
    warehouse = warehouse_on(tmp_path_factory, cumulative_landing, "cumulative_daily")
    run(warehouse, start_ds=day(0), end_ds=day(DAILY_FROM - 1))
    for offset in range(DAILY_FROM, DAYS):
        run(warehouse, ds=day(offset))
    return warehouse


@pytest.fixture(scope="module")
def daily_path(tmp_path_factory, cumulative_landing):
    """lookback_days 0: each daily run owns one ds, the daily path (yesterday's partition plus today's facts)."""
    warehouse = warehouse_on(tmp_path_factory, cumulative_landing, "cumulative_daily_path")
    run(warehouse, start_ds=day(0), end_ds=day(DAILY_FROM - 1), lookback_days=0)
    for offset in range(DAILY_FROM, DAYS):
        run(warehouse, ds=day(offset), lookback_days=0)
    return warehouse


@pytest.mark.parametrize("table", TABLES)
def test_daily_runs_equal_one_range_run(daily, backfilled, table):
    assert backfilled.scalar(f"select count(distinct ds) from {table}") == DAYS
    assert table_differences(daily.duckdb_path, backfilled.duckdb_path, table) == 0


def normalised(value):
    if isinstance(value, (list, tuple)):
        return tuple(normalised(item) for item in value)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    return value


def table_and_scan(warehouse: Warehouse, summary: Summary) -> tuple[list, list]:
    table = [normalised(row) for row in warehouse.query(select_columns_sql(summary, f"select * from {summary.table}"))]
    days = f"select distinct ds from {summary.table}"
    scan = [normalised(row) for row in warehouse.query(select_columns_sql(summary, full_scan_sql(summary, days)))]
    return sorted(table, key=repr), sorted(scan, key=repr)


@pytest.mark.parametrize("summary", SUMMARIES, ids=lambda summary: summary.table)
@pytest.mark.parametrize("build", ["backfilled", "daily_path"])
def test_every_column_equals_a_naive_scan_of_the_fact_history(request, build, summary):
    warehouse = request.getfixturevalue(build)
    table, scan = table_and_scan(warehouse, summary)
    assert len(table) > 1000
    # L28 is not lifetime for everyone, and the state has wrapped: bits older than 28 days are gone.
    columns = summary.columns()
    first_metric = summary.metrics[0].name
    l28, lifetime = columns.index(f"m_{first_metric}_l28"), columns.index(f"m_{first_metric}_lifetime")
    assert any(row[l28] != row[lifetime] for row in table)
    for position, name in enumerate(columns):
        assert [row[:2] + (row[position],) for row in table] == [row[:2] + (row[position],) for row in scan], name


def test_subjects_that_disappear_and_come_back_carry_forward(backfilled):
    # Users inactive for a while and active again: their rows continue every day in between.
    returning = backfilled.query(
        """
        select id_user from cumulative.cum_user_activity
        where m_days_since_last_active >= 2
          and id_user in (select id_user from cumulative.cum_user_activity where m_days_since_last_active = 0 and ds > first_active_ds + 2)
        group by id_user
        """
    )
    assert len(returning) > 10
    gaps = backfilled.scalar(
        """
        select count(*) from (
            select id_user, count(*) as days, max(ds) - min(ds) + 1 as span
            from cumulative.cum_user_activity group by id_user
        ) where days <> span
        """
    )
    assert gaps == 0


def test_events_older_than_the_lookback_go_to_rejects_with_their_reason(daily_path):
    # Built with lookback_days 0: events a day or more late cannot reach a fact, so staging rejects them.
    late = daily_path.scalar("select count(*) from base.base_events__lines where reject_reason = 'event_older_than_lookback'")
    assert late > 0
    assert daily_path.scalar("select count(*) from staging.stg_events__events where event_date < ds") == 0
