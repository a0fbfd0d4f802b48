"""Cumulative summaries: the daily path, the backfill path and a naive scan of the facts agree."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from scripts import generate_landing_zone
from scripts.cumulative_full_scan import COLUMNS, user_activity_full_scan_sql
from tests.integration.conftest import Warehouse
from tests.integration.test_incremental_loading import table_differences

START = date(2025, 1, 1)
DAYS = 15
SELECTION = ["--select", "+cum_user_activity", "+cum_listing_engagement"]


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
def cumulative_landing(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("cumulative_landing") / "raw"
    generate_landing_zone.generate(
        raw_root, start_ds=START.isoformat(), days=DAYS, users=300, listings=60, events_per_day=400,
        dirty_rate=0.01, seed=5, in_progress_days=0, empty_partitions=[],
    )
    return raw_root


def warehouse_on(tmp_path_factory, raw_root, name) -> Warehouse:
    warehouse = Warehouse(tmp_path_factory.mktemp(name))
    warehouse.raw_root = raw_root
    warehouse.dbt("seed")
    return warehouse


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, cumulative_landing):
    """The whole range in one run: the backfill path (no late rewrites, so the window is exactly the range)."""
    warehouse = warehouse_on(tmp_path_factory, cumulative_landing, "cumulative_backfill")
    warehouse.dbt("run", *SELECTION, "--vars", json.dumps({"start_ds": day(0), "end_ds": day(DAYS - 1), "lookback_days": 0}))
    return warehouse


@pytest.fixture(scope="module")
def daily(tmp_path_factory, cumulative_landing):
    """One run per day: the daily path, yesterday's partition joined with today's facts."""
    warehouse = warehouse_on(tmp_path_factory, cumulative_landing, "cumulative_daily")
    for offset in range(DAYS):
        warehouse.dbt("run", *SELECTION, "--vars", json.dumps({"ds": day(offset), "lookback_days": 0}))
    return warehouse


@pytest.mark.parametrize("table", ["cumulative.cum_user_activity", "cumulative.cum_listing_engagement"])
def test_daily_path_equals_backfill_path(daily, backfilled, table):
    assert backfilled.scalar(f"select count(distinct ds) from {table}") == DAYS
    assert table_differences(daily.duckdb_path, backfilled.duckdb_path, table) == 0


def normalised(rows):
    return sorted(tuple(float(value) if isinstance(value, (int, float)) or hasattr(value, "as_tuple") else value for value in row) for row in rows)


def test_backfill_path_equals_a_naive_scan_of_the_fact_history(backfilled):
    summary = normalised(backfilled.query(f"select {COLUMNS} from cumulative.cum_user_activity"))
    naive = normalised(backfilled.query(user_activity_full_scan_sql("select distinct ds from cumulative.cum_user_activity")))
    assert len(summary) > 1000
    assert summary == naive


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
        f"""
        select count(*) from (
            select id_user, count(*) as days, max(ds) - min(ds) + 1 as span
            from cumulative.cum_user_activity group by id_user
        ) where days <> span
        """
    )
    assert gaps == 0


def test_events_older_than_the_lookback_go_to_rejects_with_their_reason(backfilled):
    # Built with lookback_days 0: events a day or more late cannot reach a fact, so staging rejects them.
    late = backfilled.scalar(
        "select count(*) from staging.stg_events__lines where reject_reason = 'event_older_than_lookback'"
    )
    assert late > 0
    assert backfilled.scalar(
        "select count(*) from staging.stg_events__events where event_date < ds"
    ) == 0
