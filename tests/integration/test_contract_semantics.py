"""The contract's semantics that span days, on contract_landing: time on page,
active users, alterations, window edges, null capacity, the dedupe windows at
their edges, and re-running an older ds after later days have run."""

from __future__ import annotations

import pytest

from tests.integration import contract_landing
from tests.integration.conftest import (
    Warehouse,
    expected_line_fates,
    line_accounting_against_landed,
    line_fates,
    seeded_warehouse,
)
from tests.integration.test_incremental_loading import PARTITIONED_MODELS, checksum, table_differences


@pytest.fixture(scope="module")
def contract_root(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("contract_landing") / "raw"
    contract_landing.write(raw_root)
    return raw_root


@pytest.fixture(scope="module")
def range_built(tmp_path_factory, contract_root) -> Warehouse:
    warehouse = seeded_warehouse(tmp_path_factory.mktemp("contract_range"), contract_root)
    warehouse.build(start_ds=contract_landing.FIRST_DS, end_ds=contract_landing.LAST_DS)
    return warehouse


@pytest.fixture(scope="module")
def daily_built(tmp_path_factory, contract_root) -> Warehouse:
    warehouse = seeded_warehouse(tmp_path_factory.mktemp("contract_daily"), contract_root)
    for ds in contract_landing.DAYS:
        warehouse.dbt("run", window={"ds": ds})
    return warehouse


def test_every_line_gets_its_expected_status_and_reason(range_built):
    assert line_fates(range_built, contract_landing.SOURCES) == expected_line_fates(contract_landing.LINES)


def test_every_landed_line_is_accounted_for(range_built):
    accounted, expected = line_accounting_against_landed(range_built, contract_landing.LAST_DS)
    assert accounted == expected


def dwell(warehouse, event_id):
    return warehouse.scalar(f"select m_dwell_ms from marts.fct_page_views where id_event = '{event_id}'")


@pytest.mark.parametrize("build", ["range_built", "daily_built"])
def test_each_exit_closes_the_latest_earlier_view_of_its_page_once(request, build):
    warehouse = request.getfixturevalue(build)
    # Two views, one exit: the latest view only.
    assert (dwell(warehouse, "a-view-1"), dwell(warehouse, "a-view-2")) == (None, 60000)
    # View, exit, exit: the first exit; the second closes nothing.
    assert dwell(warehouse, "b-view") == 60000
    # An exit of another page closes nothing.
    assert dwell(warehouse, "c-view") is None
    # Closed after midnight by an exit that landed three days after its own date.
    assert dwell(warehouse, "e-view") == 300000
    # Each exit counts once: time on page never exceeds the exits' dwell.
    assert warehouse.scalar("select sum(m_dwell_ms) from marts.fct_page_views") == 60000 + 60000 + 300000


def test_a_user_is_active_on_any_page_view_like_unlike_or_share(range_built):
    active = {
        user: (str(last_active), days_l7)
        for user, last_active, days_l7 in range_built.query(
            "select id_user, last_active_ds, m_active_days_l7 from cumulative.cum_user_activity where ds = '2025-04-02' and id_user between 21 and 25"
        )
    }
    # 21 liked on a search page, 23 viewed the home page, 24 shared; 22 only left a page, 25 is a crawler.
    assert active == {21: ("2025-04-02", 1), 23: ("2025-04-02", 1), 24: ("2025-04-02", 1)}
    assert range_built.query("select id_event, dim_page_type, id_listing from marts.fct_listing_engagements where id_event = 'u21-like'") == [
        ("u21-like", "search", None)
    ]


@pytest.mark.parametrize("build", ["range_built", "daily_built"])
def test_alterations_are_new_dates_whatever_the_status(request, build):
    altered = request.getfixturevalue(build).query(
        "select id_booking, cast(ds as varchar), dim_booking_status, cast(m_gross_booking_value_change as double) "
        "from marts.fct_booking_events where dim_booking_event = 'altered' order by id_booking, ds"
    )
    # 200 while requested, 202 while confirmed (its price moves gross booking value) and again on
    # 04-05 (dates only), 203 as it is cancelled; 201's change of price alone is not one.
    assert altered == [
        (200, "2025-04-01", "requested", 0.0),
        (202, "2025-04-01", "confirmed", 100.0),
        (202, "2025-04-05", "confirmed", 0.0),
        (203, "2025-04-02", "cancelled", 0.0),
    ]


def test_window_edges_and_digit_strings(range_built):
    assert range_built.query(
        "select cast(event_at as varchar), cast(event_date as varchar) from staging.stg_events__events "
        "where event_id in ('w-edge', 'w-number', 'w-offset-18') order by event_id"
    ) == [
        ("2025-04-02 00:10:00", "2025-04-02"),
        ("2025-04-01 10:00:00", "2025-04-01"),
        ("2025-03-31 18:00:00", "2025-03-31"),
    ]


def test_a_null_or_absent_capacity_gets_a_data_quality_record(range_built):
    assert range_built.query(
        "select record_key, field_name, field_value, issue from base.base_landing__data_quality_issues "
        f"where ds = '{contract_landing.FIRST_DS}' and field_name = 'capacity' order by record_key"
    ) == [
        ("listing_id=31", "capacity", None, "null_or_absent"),
        ("listing_id=32", "capacity", None, "null_or_absent"),
    ]


def test_duplicates_at_the_edges_of_their_windows_in_daily_runs(daily_built):
    statuses = {
        (source, str(ds), key): status
        for source, ds, key, status in daily_built.query(
            "select 'events', ds, dedup_key, line_status from base.base_events__lines where event_id = 's-skew' "
            "union all select 'bookings', ds, dedup_key, line_status from base.base_bookings__lines where change_id = 11"
        )
    }
    # Dated 04-02 by clock skew and landed on 04-01: its delivery on 04-05 is within 3 days of its date.
    assert statuses == {
        ("events", "2025-04-01", "s-skew"): "accepted",
        ("events", "2025-04-05", "s-skew"): "duplicate",
        ("bookings", "2025-04-03", "11"): "accepted",
        ("bookings", "2025-04-04", "11"): "duplicate",
    }


@pytest.mark.parametrize("table", PARTITIONED_MODELS)
def test_daily_runs_equal_one_range_run(daily_built, range_built, table):
    assert table_differences(daily_built.duckdb_path, range_built.duckdb_path, table) == 0


# Last in the module: it runs more dbt on daily_built, which the tests above compare.
def test_rerunning_an_older_ds_after_later_days_changes_nothing(daily_built):
    """Late data from later landings (a like, a booking created, an exit) stays when 04-02 is re-run."""
    warehouse = daily_built
    before = {table: checksum(warehouse, table) for table in PARTITIONED_MODELS}
    assert warehouse.scalar("select count(*) from marts.fct_listing_engagements where id_event = 'l-late-like'") == 1
    assert warehouse.scalar("select count(*) from marts.fct_booking_events where id_booking = 204") == 1
    assert dwell(warehouse, "e-view") == 300000
    warehouse.dbt("run", "--vars", '{ds: "2025-04-02"}')
    after = {table: checksum(warehouse, table) for table in PARTITIONED_MODELS}
    assert after == before

    # An assignment delivered again weeks later is still a duplicate.
    warehouse.dbt("run", "--select", "base_assignments__lines", window={"ds": contract_landing.WEEKS_LATER_DS})
    assert warehouse.query("select cast(ds as varchar), line_status from base.base_assignments__lines order by ds") == [
        ("2025-04-01", "accepted"),
        ("2025-04-06", "duplicate"),
        (contract_landing.WEEKS_LATER_DS, "duplicate"),
    ]
