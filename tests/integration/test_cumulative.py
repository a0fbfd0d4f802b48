"""Cumulative summaries: the daily path, the backfill path and a naive scan of the facts agree."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from scripts import generate_landing_zone
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


NAIVE_USER_ACTIVITY = """
with
views as (
    select ds, id_user as subject, count(*) as rows_, sum(m_page_views) as page_views,
           sum(m_dwell_ms) as dwell, count(m_dwell_ms) as dwell_count, max(m_dwell_ms) as dwell_max
    from marts.fct_page_views where id_user is not null group by all
),
bookings as (
    select ds, id_guest as subject, sum(m_bookings_created) as bookings
    from marts.fct_booking_events where id_guest is not null group by all
),
subjects as (
    select subject, min(ds) as first_ds from (select subject, ds from views union all select subject, ds from bookings) group by all
),
grid as (
    select days.ds, subjects.subject
    from (select distinct ds from cumulative.cum_user_activity) as days
    inner join subjects on days.ds >= subjects.first_ds
)
select
    grid.ds, grid.subject,
    (select min(v.ds) from views v where v.subject = grid.subject and v.ds <= grid.ds) as first_active_ds,
    (select max(v.ds) from views v where v.subject = grid.subject and v.ds <= grid.ds) as last_active_ds,
    (select count(*) from views v where v.subject = grid.subject and v.ds between grid.ds - 6 and grid.ds) as active_l7,
    (select count(*) from views v where v.subject = grid.subject and v.ds between grid.ds - 27 and grid.ds) as active_l28,
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds) as page_views,
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds between grid.ds - 6 and grid.ds) as page_views_l7,
    (select coalesce(sum(page_views), 0) from views v where v.subject = grid.subject and v.ds between grid.ds - 27 and grid.ds) as page_views_l28,
    (select coalesce(sum(dwell), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds) as dwell,
    (select coalesce(sum(dwell_count), 0) from views v where v.subject = grid.subject and v.ds <= grid.ds) as dwell_count,
    (select max(dwell_max) from views v where v.subject = grid.subject and v.ds <= grid.ds) as dwell_max,
    (select coalesce(sum(bookings), 0) from bookings b where b.subject = grid.subject and b.ds <= grid.ds) as bookings,
    (select min(b.ds) from bookings b where b.subject = grid.subject and b.ds <= grid.ds and b.bookings > 0) as bookings_first_ds,
    (select max(b.ds) from bookings b where b.subject = grid.subject and b.ds <= grid.ds and b.bookings > 0) as bookings_last_ds
from grid
"""

SUMMARY_USER_ACTIVITY = """
select
    ds, id_user, first_active_ds, last_active_ds, m_active_days_l7, m_active_days_l28,
    m_page_views_lifetime, m_page_views_l7, m_page_views_l28, m_dwell_ms_lifetime, m_dwell_ms_lifetime_count,
    m_dwell_ms_max, m_bookings_lifetime, bookings_first_ds, bookings_last_ds
from cumulative.cum_user_activity
"""


def normalised(rows):
    return sorted(tuple(float(value) if isinstance(value, (int, float)) or hasattr(value, "as_tuple") else value for value in row) for row in rows)


def test_backfill_path_equals_a_naive_scan_of_the_fact_history(backfilled):
    summary = normalised(backfilled.query(SUMMARY_USER_ACTIVITY))
    naive = normalised(backfilled.query(NAIVE_USER_ACTIVITY))
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
