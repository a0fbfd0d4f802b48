"""Facts and dimension snapshots on the hand-made landing zone: partitions, late data, history."""

from __future__ import annotations


def rows(warehouse, sql):
    return warehouse.query(sql)


def test_page_views_land_in_their_event_date_partition_once(crafted_warehouse):
    views = dict(rows(crafted_warehouse, "select id_event, cast(ds as varchar) from marts.fct_page_views"))
    # Crawlers, unknown types and non-view events never reach the fact; every page does
    # (home and another host's page too); the duplicate deliveries of e-listing count once;
    # e-offset (rejected on 03-01 as in the future, redelivered on 03-02) counts once, on its UTC date.
    assert views == {
        "e-home": "2025-03-01",
        "e-external": "2025-03-01",
        "e-listing": "2025-03-01",
        "e-skew": "2025-03-02",
        "e-offset": "2025-03-02",
        "e-bad-user": "2025-03-01",
        "e-logged-out": "2025-03-01",
        "e-view-dwell": "2025-03-01",
        "e-late-listing": "2025-03-01",
        "e-orphan-listing": "2025-03-01",
        "e-next-day": "2025-03-02",
    }


def test_page_view_dwell_comes_from_its_page_exit(crafted_warehouse):
    assert rows(crafted_warehouse, "select m_dwell_ms, id_listing, dim_page_type from marts.fct_page_views where id_event = 'e-view-dwell'") == [
        (300000, 13, "listing")
    ]
    assert rows(crafted_warehouse, "select m_dwell_ms from marts.fct_page_views where id_event = 'e-listing'") == [(None,)]


def test_every_page_type_is_a_page_view(crafted_warehouse):
    assert rows(
        crafted_warehouse,
        "select id_event, dim_page_type, id_listing, id_market from marts.fct_page_views "
        "where id_event in ('e-home', 'e-external', 'e-listing', 'e-skew') order by 1",
    ) == [
        ("e-external", "other", None, None),
        ("e-home", "home", None, None),
        ("e-listing", "listing", 12, None),
        ("e-skew", "listing", 12, None),
    ]


def test_late_engagements_land_in_their_own_partition(crafted_warehouse):
    assert rows(
        crafted_warehouse,
        "select id_event, cast(ds as varchar), dim_engagement_type, dim_share_channel from marts.fct_listing_engagements order by 1",
    ) == [
        ("e-late", "2025-02-26", "like", None),
        ("e-late-like", "2025-02-28", "like", None),
        ("e-share", "2025-03-01", "share", "email"),
    ]


def test_booking_lifecycle(crafted_warehouse):
    events = rows(
        crafted_warehouse,
        """
        select cast(ds as varchar), id_booking, dim_booking_event, m_nights,
               cast(m_gross_booking_value as double), cast(m_gross_booking_value_change as double)
        from marts.fct_booking_events order by change_id, dim_booking_event
        """,
    )
    assert events == [
        ("2025-03-01", 100, "created", 3, 0.0, 0.0),
        ("2025-03-01", 100, "confirmed", 3, 300.0, 0.0),
        ("2025-03-01", 101, "created", 3, 0.0, 0.0),
        ("2025-03-01", 102, "created", 3, 0.0, 0.0),
        ("2025-03-02", 100, "altered", 4, 0.0, 112.5),
        ("2025-03-01", 103, "created", 3, 0.0, 0.0),
        ("2025-03-02", 101, "cancelled", 3, 0.0, 0.0),
    ]


def test_user_deactivations(crafted_warehouse):
    assert rows(crafted_warehouse, "select cast(ds as varchar), id_user, change_id from marts.fct_user_deactivations") == [("2025-03-02", 1, 5)]


def test_listing_attribute_change_shows_in_next_snapshot_and_history(crafted_warehouse):
    assert rows(
        crafted_warehouse,
        "select cast(ds as varchar), cast(dim_nightly_price_usd as double), dim_price_band, dim_market "
        "from marts.dim_listings where id_listing = 12 order by ds",
    ) == [
        ("2025-03-01", 120.0, "100_to_200", "Paris"),
        ("2025-03-02", 130.0, "100_to_200", "Paris"),
        ("2025-03-03", 130.0, "100_to_200", "Paris"),
    ]
    assert rows(
        crafted_warehouse,
        "select version_number, cast(dim_nightly_price_usd as double), cast(valid_from as varchar), cast(valid_to as varchar), is_current "
        "from marts.dim_listings_history where id_listing = 12 order by valid_from",
    ) == [(1, 120.0, "2025-03-01", "2025-03-02", False), (2, 130.0, "2025-03-02", None, True)]
    # Listing 15 changed is_active on 03-02: two versions as well.
    assert rows(crafted_warehouse, "select is_active from marts.dim_listings_history where id_listing = 15 order by valid_from") == [(True,), (False,)]


def test_late_dimension_row_joins_the_unknown_member_until_it_lands(crafted_warehouse):
    # The view of listing 99 on 03-01 keeps its key; listing 99 lands on 03-02.
    assert rows(
        crafted_warehouse,
        """
        select views.id_listing, coalesce(listing.dim_market, unknown_listing.dim_market)
        from marts.fct_page_views as views
        left join marts.dim_listings as listing on views.ds = listing.ds and views.id_listing = listing.id_listing
        left join marts.dim_listings as unknown_listing on views.ds = unknown_listing.ds and unknown_listing.id_listing = -1
        where views.id_event = 'e-late-listing'
        """,
    ) == [(99, "Unknown")]
    assert rows(crafted_warehouse, "select distinct dim_market, dim_region from marts.dim_listings where id_listing = 99") == [("Atlantis", "unknown")]


def test_unseen_market_is_kept_and_flagged(crafted_warehouse):
    assert rows(crafted_warehouse, "select distinct is_reference_market from marts.dim_markets where id_market = 'atlantis'") == [(False,)]


def test_users_dimension_tracks_status_host_and_booking_stage(crafted_warehouse):
    assert rows(
        crafted_warehouse,
        "select cast(ds as varchar), id_user, dim_user_status, dim_country, is_host, bookings_to_date, dim_booking_stage "
        "from marts.dim_users where id_user > 0 order by 1, 2",
    ) == [
        ("2025-03-01", 1, "active", "FR", False, 2, "repeat_booker"),
        ("2025-03-01", 2, "active", "unknown", True, 0, "never_booked"),
        ("2025-03-01", 7, "active", "unknown", False, 0, "never_booked"),
        ("2025-03-02", 1, "deactivated", "FR", False, 3, "repeat_booker"),
        ("2025-03-02", 7, "active", "unknown", False, 0, "never_booked"),
        ("2025-03-03", 1, "deactivated", "FR", False, 3, "repeat_booker"),
        ("2025-03-03", 7, "active", "unknown", False, 0, "never_booked"),
    ]


def test_running_total_equals_a_full_scan(crafted_warehouse):
    totals = rows(
        crafted_warehouse,
        "select cast(ds as varchar), m_total_bookings_confirmed from cumulative.cum_total_bookings order by ds",
    )
    scanned = rows(
        crafted_warehouse,
        """
        select cast(days.ds as varchar), coalesce(sum(events.m_bookings_confirmed), 0)
        from (select distinct ds from cumulative.cum_total_bookings) as days
        left join marts.fct_booking_events as events on events.ds <= days.ds
        group by days.ds order by days.ds
        """,
    )
    assert totals == scanned
    assert totals[-1] == ("2025-03-03", 1)


def test_relationship_tests_flag_orphan_keys_and_tolerate_late_members(crafted_warehouse):
    # Listing 99 lands a day after its page view (tolerated); listing 777 never lands (an orphan, warned).
    result = crafted_warehouse.dbt("test", "--select", "test_name:in_dimension_snapshot")
    outcomes = [line for line in result.stdout.splitlines() if "in_dimension_snapshot_" in line and (" PASS " in line or " WARN " in line)]
    warned = [line for line in outcomes if " WARN 1 " in line]
    assert len(outcomes) == 6
    assert len(warned) == 1 and "fct_page_views_id_listing" in warned[0]
