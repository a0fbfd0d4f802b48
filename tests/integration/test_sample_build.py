"""The generated sample, with every kind of dirty data, built end to end."""

from __future__ import annotations

import re

import pytest

from stayhub.generate import count_lines


def test_every_generated_line_is_accounted_for(sample_warehouse):
    landed = {
        (source, ds): count
        for source, per_ds in count_lines(sample_warehouse.raw_root).items()
        for ds, count in per_ds.items()
        if count > 0 and ds <= "2025-01-08"
    }
    accounted = {
        (source, ds): staged + duplicate + rejected
        for source, ds, staged, duplicate, rejected in sample_warehouse.query(
            "select source_name, cast(ds as varchar), lines_staged, lines_duplicate, lines_rejected from base.base_landing__line_accounting"
        )
    }
    assert accounted == landed


def test_every_dirty_kind_is_handled_with_its_reason(sample_warehouse):
    reasons = {
        (source, reason.split(":")[0])
        for source, reason in sample_warehouse.query("select distinct source_name, reject_reason from base.base_landing__rejects")
    }
    for source in ("assignments", "bookings", "events", "listings", "users"):
        assert (source, "invalid_json") in reasons
        assert (source, "missing_required_field") in reasons
    for source in ("assignments", "bookings", "events", "users"):
        assert (source, "unparseable_timestamp") in reasons
    # Far-off event timestamps: too late or in the future.
    assert {("events", "event_too_late"), ("events", "event_in_future")} <= reasons

    duplicates = dict(sample_warehouse.query("select source_name, sum(lines_duplicate) from base.base_landing__line_accounting group by 1"))
    assert duplicates["events"] > 0 and duplicates["assignments"] > 0

    flags = sample_warehouse.query("select count_if(is_crawler), count_if(not is_known_event_type) from staging.stg_events__events")[0]
    assert flags[0] > 0 and flags[1] > 0
    leaked = sample_warehouse.query(
        "select count(*) from marts.fct_page_views as views "
        "inner join staging.stg_events__events as events on views.id_event = events.event_id "
        "where events.is_crawler or not events.is_known_event_type"
    )
    assert leaked == [(0,)]

    issues = {row for row in sample_warehouse.query("select distinct source_name, field_name from base.base_landing__data_quality_issues")}
    assert {("listings", "capacity"), ("listings", "nightly_price_usd"), ("bookings", "price_usd")} <= issues

    room_types = {value for (value,) in sample_warehouse.query("select distinct dim_room_type from marts.dim_listings")}
    assert "treehouse" in room_types
    assert sample_warehouse.scalar("select count(*) from marts.dim_markets where not is_reference_market and id_market <> 'unknown'") > 0


def test_the_empty_partition_is_built_and_the_in_progress_one_is_not_read(sample_warehouse):
    assert sample_warehouse.scalar("select count(*) from base.base_assignments__lines where ds = '2025-01-05'") == 0
    assert sample_warehouse.scalar("select count(*) from base.base_events__lines where ds = '2025-01-09'") == 0
    assert sample_warehouse.scalar("select count(*) from base.base_events__lines where ds = '2025-01-08'") > 0


@pytest.mark.parametrize(
    ("flags", "window"),
    [([], {"ds": "2025-01-08"}), (["--full-refresh"], {"start_ds": "2025-01-01", "end_ds": "2025-01-08"})],
    ids=["daily", "full_refresh"],
)
def test_no_compiled_model_ends_its_ctes_with_a_comma(sample_warehouse, flags, window):
    """DuckDB accepts `with a as (...), select ...`; Spark and Trino do not. Checked on a daily run's SQL (the
    incremental branches, which read the published partitions) and on a full refresh's of every day."""
    sample_warehouse.dbt("compile", *flags, window=window)
    # The models' compiled SQL only: another test's `dbt show --inline` leaves a folder named "from remote system.sql".
    compiled = sorted(path for path in (sample_warehouse.target_path / "compiled" / "stayhub_warehouse" / "models").rglob("*.sql") if path.is_file())
    assert len(compiled) > 40
    trailing = [path.name for path in compiled if re.search(r"\)\s*,\s*select\b", path.read_text(), re.IGNORECASE)]
    assert trailing == []
