"""The landing contract's semantics, line by line, on the hand-made landing zone."""

from __future__ import annotations

from collections import defaultdict

from scripts.generate_landing_zone import count_lines
from tests.integration import crafted_landing


def test_every_crafted_line_gets_its_expected_status_and_reason(crafted_warehouse):
    expected = defaultdict(list)
    for (source, ds), lines in crafted_landing.LINES.items():
        for _, line, status, reason in lines:
            expected[(source, ds, line)].append((status, reason))
    actual = defaultdict(list)
    for source in crafted_landing.SOURCES:
        for ds, raw_line, status, reason in crafted_warehouse.query(
            f"select cast(ds as varchar), raw_line, line_status, reject_reason from staging.stg_{source}__lines"
        ):
            actual[(source, ds, raw_line)].append((status, reason))
    assert {key: sorted(value, key=str) for key, value in actual.items()} == {
        key: sorted(value, key=str) for key, value in expected.items()
    }


def test_every_landed_line_is_accounted_for(crafted_warehouse):
    landed = count_lines(crafted_warehouse.raw_root)
    accounted = {
        (source, ds): (read, staged + duplicate + rejected)
        for source, ds, read, staged, duplicate, rejected in crafted_warehouse.query(
            "select source_name, cast(ds as varchar), lines_read, lines_staged, lines_duplicate, lines_rejected "
            "from staging.stg_landing__line_accounting"
        )
    }
    expected = {
        (source, ds): (count, count)
        for source, per_ds in landed.items()
        for ds, count in per_ds.items()
        if ds <= crafted_landing.LAST_DS and count > 0
    }
    assert accounted == expected
    # The empty day landed with _SUCCESS only: nothing read, nothing lost, the build went through.
    assert all(landed[source][crafted_landing.LAST_DS] == 0 for source in crafted_landing.SOURCES if source != "listings")


def test_rejects_model_keeps_source_ds_raw_line_and_reason(crafted_warehouse):
    rows = crafted_warehouse.query(
        "select source_name, cast(ds as varchar), source_file, raw_line, reject_reason from staging.stg_landing__rejects"
    )
    expected = sorted(
        (source, ds, reason)
        for source, ds, _, status, reason in crafted_landing.expected_lines()
        if status == "rejected"
    )
    assert sorted((source, ds, reason) for source, ds, _, _, reason in rows) == expected
    assert all(source_file == f"{source}/ds={ds}/part-00000.jsonl.gz" for source, ds, source_file, _, _ in rows)
    assert ("events", "2025-03-01", "[1, 2, 3]") in {(source, ds, line) for source, ds, _, line, _ in rows}


def test_events_are_parsed_as_the_contract_says(crafted_warehouse):
    events = {
        row[0]: row[1:]
        for row in crafted_warehouse.query(
            """
            select
                event_id, cast(event_at as varchar), cast(event_date as varchar), page_type, id_listing,
                market_slug, url_host, url_path, utm_source, utm_campaign, is_crawler, is_known_event_type,
                id_user, is_logged_in, dwell_ms, share_channel, cast(ds as varchar)
            from staging.stg_events__events
            """
        )
    }
    listing_view = events["e-listing"]
    assert listing_view[:9] == (
        "2025-03-01 10:00:00", "2025-03-01", "listing", 12, None, "www.stayhub.example", "/rooms/12/photos", "news", "spring sale"
    )
    assert events["e-epoch"][:5] == ("2025-03-01 12:00:00", "2025-03-01", "search", None, "new-york")
    assert events["e-epoch"][14] == 1500
    assert events["e-offset"][0] == "2025-03-02 01:30:00" and events["e-offset"][16] == "2025-03-02"
    assert events["e-skew"][1] == "2025-03-02" and events["e-skew"][16] == "2025-03-01"
    assert events["e-late"][1] == "2025-02-26"
    assert events["e-share"][0] == "2025-03-01 11:00:00" and events["e-share"][15] == "email"
    assert events["e-googlebot"][10] is True and events["e-requests"][10] is True
    assert events["e-listing"][10] is False
    assert events["e-unknown-type"][11] is False and events["e-listing"][11] is True
    assert events["e-bad-user"][12:14] == (None, False)
    assert events["e-logged-out"][12:14] == (None, False)
    assert events["e-home"][2:4] == ("other", None) and events["e-home"][6] == "/"
    assert events["e-external"][2:4] == ("other", None)
    assert events["e-next-day"][4] == "são-paulo"


def test_bad_optional_values_are_nulled_and_recorded(crafted_warehouse):
    issues = set(
        crafted_warehouse.query(
            "select source_name, cast(ds as varchar), record_key, field_name, field_value "
            "from staging.stg_landing__data_quality_issues"
        )
    )
    assert issues == {
        ("events", "2025-03-01", "event_id=e-bad-user", "user_id", "abc"),
        ("bookings", "2025-03-01", "change_id=3", "price_usd", "abc"),
        ("bookings", "2025-03-02", "change_id=11", "price_usd", "abc"),
        ("listings", "2025-03-01", "listing_id=13", "capacity", "0"),
        ("listings", "2025-03-01", "listing_id=13", "nightly_price_usd", "N/A"),
        ("listings", "2025-03-01", "listing_id=15", "capacity", "-2"),
        ("listings", "2025-03-02", "listing_id=13", "capacity", "17"),
        ("users", "2025-03-01", "change_id=2", "country", "USA"),
    }
    assert crafted_warehouse.query(
        "select capacity, nightly_price_usd, dim_room_type, dim_market, market_slug from staging.stg_listings__listings "
        "where id_listing = 13 and ds = '2025-03-01'"
    ) == [(None, None, "treehouse", "New York", "new-york")]


def test_markets_are_canonical(crafted_warehouse):
    assert crafted_warehouse.query(
        "select distinct dim_market, market_slug from staging.stg_listings__listings order by 1"
    ) == [("Atlantis", "atlantis"), ("New York", "new-york"), ("Paris", "paris"), ("Sao Paulo", "sao-paulo")]


def test_change_logs_collapse_latest_change_wins_and_deletes_are_honoured(crafted_warehouse):
    bookings = crafted_warehouse.query(
        "select cast(ds as varchar), id_booking, booking_status, cast(checkin_date as varchar), price_usd, last_change_id "
        "from staging.stg_bookings__bookings order by 1, 2"
    )
    assert [(ds, booking, status, checkin, float(price) if price is not None else None, change) for ds, booking, status, checkin, price, change in bookings] == [
        ("2025-03-01", 100, "confirmed", "2025-04-01", 300.0, 2),
        ("2025-03-01", 101, "requested", "2025-04-01", None, 3),
        ("2025-03-02", 100, "confirmed", "2025-04-02", 412.5, 9),
        ("2025-03-02", 101, "cancelled", "2025-04-01", None, 11),
        ("2025-03-02", 103, "requested", "2025-04-01", 300.0, 10),
        ("2025-03-03", 100, "confirmed", "2025-04-02", 412.5, 9),
        ("2025-03-03", 101, "cancelled", "2025-04-01", None, 11),
        ("2025-03-03", 103, "requested", "2025-04-01", 300.0, 10),
    ]
    users = crafted_warehouse.query(
        "select cast(ds as varchar), id_user, user_status, dim_country from staging.stg_users__users order by 1, 2"
    )
    assert users == [
        ("2025-03-01", 1, "active", "FR"),
        ("2025-03-01", 2, "active", None),
        ("2025-03-01", 7, "active", None),
        ("2025-03-02", 1, "deactivated", "FR"),
        ("2025-03-02", 7, "active", None),
        ("2025-03-03", 1, "deactivated", "FR"),
        ("2025-03-03", 7, "active", None),
    ]


def test_email_is_hashed_in_parsed_columns(crafted_warehouse):
    hashes = crafted_warehouse.query("select distinct email_hash from staging.stg_users__users where id_user = 1")
    assert len(hashes) == 1 and len(hashes[0][0]) == 32
    assert crafted_landing.CLEAR_EMAIL.lower() not in hashes[0][0]
