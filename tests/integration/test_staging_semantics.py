"""The landing contract's semantics, line by line, on the hand-made landing zone."""

from __future__ import annotations

from stayhub.generate import count_lines
from tests.integration import crafted_landing
from tests.integration.conftest import expected_line_fates, line_accounting_against_landed, line_fates


def test_every_crafted_line_gets_its_expected_status_and_reason(crafted_warehouse):
    assert line_fates(crafted_warehouse, crafted_landing.SOURCES) == expected_line_fates(crafted_landing.LINES)


def test_every_landed_line_is_accounted_for(crafted_warehouse):
    accounted, expected = line_accounting_against_landed(crafted_warehouse, crafted_landing.LAST_DS)
    assert accounted == expected
    landed = count_lines(crafted_warehouse.raw_root)
    # The empty day landed with _SUCCESS only: nothing read, nothing lost, the build went through.
    assert all(landed[source][crafted_landing.LAST_DS] == 0 for source in crafted_landing.SOURCES if source != "listings")


def test_rejects_model_keeps_source_ds_raw_line_and_reason(crafted_warehouse):
    rows = crafted_warehouse.query("select source_name, cast(ds as varchar), source_file, raw_line, reject_reason from base.base_landing__rejects")
    expected = sorted((source, ds, reason) for source, ds, _, status, reason in crafted_landing.expected_lines() if status == "rejected")
    assert sorted((source, ds, reason) for source, ds, _, _, reason in rows) == expected
    assert all(source_file == f"{source}/ds={ds}/part-00000.jsonl.gz" for source, ds, source_file, _, _ in rows)
    assert ("events", "2025-03-01", "[1, 2, 3]") in {(source, ds, line) for source, ds, _, line, _ in rows}


def test_events_are_parsed_as_the_contract_says(crafted_warehouse):
    columns = (
        "event_at",
        "event_date",
        "page_type",
        "id_listing",
        "market_slug",
        "url_host",
        "url_path",
        "utm_source",
        "utm_campaign",
        "is_crawler",
        "is_known_event_type",
        "id_user",
        "is_logged_in",
        "dwell_ms",
        "share_channel",
        "ds",
    )
    events = {
        row[0]: dict(zip(columns, row[1:], strict=True))
        for row in crafted_warehouse.query(
            f"select event_id, {', '.join(f'cast({c} as varchar)' if c in ('event_at', 'event_date', 'ds') else c for c in columns)} "
            "from staging.stg_events__events"
        )
    }
    assert events["e-listing"] == {
        "event_at": "2025-03-01 10:00:00",
        "event_date": "2025-03-01",
        "page_type": "listing",
        "id_listing": 12,
        "market_slug": None,
        "url_host": "www.stayhub.example",
        "url_path": "/rooms/12/photos",
        "utm_source": "news",
        "utm_campaign": "spring sale",
        "is_crawler": False,
        "is_known_event_type": True,
        "id_user": 1,
        "is_logged_in": True,
        "dwell_ms": None,
        "share_channel": None,
        "ds": "2025-03-01",
    }
    epoch = events["e-epoch"]
    assert (epoch["event_at"], epoch["page_type"], epoch["market_slug"], epoch["dwell_ms"]) == ("2025-03-01 12:00:00", "search", "new-york", 1500)
    assert (events["e-offset"]["event_at"], events["e-offset"]["ds"]) == ("2025-03-02 01:30:00", "2025-03-02")
    assert (events["e-skew"]["event_date"], events["e-skew"]["ds"]) == ("2025-03-02", "2025-03-01")
    assert events["e-late"]["event_date"] == "2025-02-26"
    assert (events["e-share"]["event_at"], events["e-share"]["share_channel"]) == ("2025-03-01 11:00:00", "email")
    assert events["e-googlebot"]["is_crawler"] and events["e-requests"]["is_crawler"]
    assert events["e-unknown-type"]["is_known_event_type"] is False
    assert (events["e-bad-user"]["id_user"], events["e-bad-user"]["is_logged_in"]) == (None, False)
    assert (events["e-logged-out"]["id_user"], events["e-logged-out"]["is_logged_in"]) == (None, False)
    assert (events["e-home"]["page_type"], events["e-home"]["url_path"]) == ("home", "/")
    assert (events["e-external"]["page_type"], events["e-external"]["id_listing"]) == ("other", None)
    assert events["e-next-day"]["market_slug"] == "são-paulo"


def test_bad_optional_values_are_nulled_and_recorded(crafted_warehouse):
    issues = set(
        crafted_warehouse.query("select source_name, cast(ds as varchar), record_key, field_name, field_value from base.base_landing__data_quality_issues")
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
    assert crafted_warehouse.query("select distinct dim_market, market_slug from staging.stg_listings__listings order by 1") == [
        ("Atlantis", "atlantis"),
        ("New York", "new-york"),
        ("Paris", "paris"),
        ("Sao Paulo", "sao-paulo"),
    ]


def test_change_logs_collapse_latest_change_wins_and_deletes_are_honoured(crafted_warehouse):
    bookings = crafted_warehouse.query(
        "select cast(ds as varchar), id_booking, booking_status, cast(checkin_date as varchar), price_usd, last_change_id "
        "from staging.stg_bookings__bookings order by 1, 2"
    )
    assert [
        (ds, booking, status, checkin, float(price) if price is not None else None, change) for ds, booking, status, checkin, price, change in bookings
    ] == [
        ("2025-03-01", 100, "confirmed", "2025-04-01", 300.0, 2),
        ("2025-03-01", 101, "requested", "2025-04-01", None, 3),
        ("2025-03-02", 100, "confirmed", "2025-04-02", 412.5, 9),
        ("2025-03-02", 101, "cancelled", "2025-04-01", None, 11),
        ("2025-03-02", 103, "requested", "2025-04-01", 300.0, 10),
        ("2025-03-03", 100, "confirmed", "2025-04-02", 412.5, 9),
        ("2025-03-03", 101, "cancelled", "2025-04-01", None, 11),
        ("2025-03-03", 103, "requested", "2025-04-01", 300.0, 10),
    ]
    users = crafted_warehouse.query("select cast(ds as varchar), id_user, user_status, dim_country from staging.stg_users__users order by 1, 2")
    assert users == [
        ("2025-03-01", 1, "active", "FR"),
        ("2025-03-01", 2, "active", None),
        ("2025-03-01", 7, "active", None),
        ("2025-03-02", 1, "deactivated", "FR"),
        ("2025-03-02", 7, "active", None),
        ("2025-03-03", 1, "deactivated", "FR"),
        ("2025-03-03", 7, "active", None),
    ]
