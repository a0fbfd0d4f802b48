"""A small hand-made landing zone whose every line has a known fate.

ds 2025-03-01 and 2025-03-02 hold lines for every source, 2025-03-03 is an
empty day (only _SUCCESS) in every source but listings (an empty listings
snapshot is blocked by its checks), and events also has 2025-03-04
still being written (no _SUCCESS), so the latest landed ds is 2025-03-03.
EXPECTED maps (source, ds, marker) to the line_status and reject_reason the
warehouse must give the line, where marker is a string unique to that line.
"""

from __future__ import annotations

import json
from pathlib import Path

from stayhub.generate import write_partition

FIRST_DS = "2025-03-01"
LAST_DS = "2025-03-03"
IN_PROGRESS_DS = "2025-03-04"
CLEAR_EMAIL = "Jane.Doe@Example.com"


def event(event_id, event_ts, event_type="page_view", drop=(), **fields):
    record = {
        "event_id": event_id,
        "event_ts": event_ts,
        "event_type": event_type,
        "user_id": 1,
        "anonymous_id": "anon-1",
        "platform": "web",
        "url": "https://www.stayhub.example/rooms/12",
        "referrer": None,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "properties": {},
    }
    record.update(fields)
    for key in drop:
        record.pop(key)
    return json.dumps(record)


def booking(change_id, op, booking_id, drop=(), **fields):
    record = {"change_id": change_id, "op": op, "changed_at": "2025-03-01T09:00:00+00:00", "booking_id": booking_id}
    if op != "d":
        record.update(listing_id=12, guest_id=1, status="requested", checkin="2025-04-01", checkout="2025-04-04", price_usd="300.00")
    record.update(fields)
    for key in drop:
        record.pop(key)
    return json.dumps(record)


def listing(listing_id, drop=(), **fields):
    record = {
        "listing_id": listing_id,
        "host_id": 2,
        "market": "Paris",
        "room_type": "entire_home",
        "capacity": 4,
        "nightly_price_usd": "120.00",
        "created_at": "2024-06-01T10:00:00Z",
        "is_active": True,
    }
    record.update(fields)
    for key in drop:
        record.pop(key)
    return json.dumps(record)


def user(change_id, op, user_id, drop=(), **fields):
    record = {"change_id": change_id, "op": op, "changed_at": "2025-03-01T08:00:00Z", "user_id": user_id}
    if op != "d":
        record.update(email=f"user{user_id}@example.com", country="FR", signup_at="2025-03-01T08:00:00Z", status="active")
    record.update(fields)
    for key in drop:
        record.pop(key)
    return json.dumps(record)


def assignment(user_id, assigned_at, variant="control", drop=()):
    record = {"experiment_key": "exp_a", "variant": variant, "user_id": user_id, "assigned_at": assigned_at, "platform": "web"}
    for key in drop:
        record.pop(key)
    return json.dumps(record)


# (source, ds) -> [(marker, line, expected line_status, expected reject_reason)]
# (source, ds) -> (marker, line, line_status, reject_reason) of every line of that partition.
LINES: dict[tuple[str, str], list[tuple[str, str, str, str | None]]] = {
    ("events", "2025-03-01"): [
        (
            "e-listing",
            event(
                "e-listing",
                "2025-03-01T10:00:00Z",
                url="https://WWW.StayHub.example/rooms/%31%32/photos/?b=2&utm_source=news&utm_campaign=spring%20sale#top",
            ),
            "accepted",
            None,
        ),
        (
            "e-listing",
            event(
                "e-listing", "2025-03-01T10:00:00Z", url="https://WWW.StayHub.example/rooms/%31%32/photos/?b=2&utm_source=news&utm_campaign=spring%20sale#top"
            ),
            "duplicate",
            None,
        ),
        (
            "e-epoch",
            event("e-epoch", 1740830400000, "page_exit", url="https://stayhub.example/s/new-york/", properties={"dwell_ms": 1500, "new_key": 1}),
            "accepted",
            None,
        ),
        ("e-offset", event("e-offset", "2025-03-01T23:30:00-02:00"), "rejected", "event_in_future"),
        ("e-skew", event("e-skew", "2025-03-02T00:05:00Z"), "accepted", None),
        ("e-late", event("e-late", "2025-02-26T10:00:00+00:00", "like"), "accepted", None),
        ("e-too-late", event("e-too-late", "2025-02-25T23:00:00Z"), "rejected", "event_too_late"),
        ("e-no-offset", event("e-no-offset", "2025-03-01T10:00:00"), "rejected", "unparseable_timestamp:event_ts"),
        ("e-not-a-date", event("e-not-a-date", "not-a-date"), "rejected", "unparseable_timestamp:event_ts"),
        ("e-far-future", event("e-far-future", "2035-01-01T00:00:00Z"), "rejected", "event_in_future"),
        ("e-far-past", event("e-far-past", "2015-01-01T00:00:00Z"), "rejected", "event_too_late"),
        ("e-no-url", event("e-no-url", "2025-03-01T10:00:00Z", drop=("url",)), "rejected", "missing_required_field:url"),
        ("e-null-anon", event("e-null-anon", "2025-03-01T10:00:00Z", anonymous_id=None), "rejected", "missing_required_field:anonymous_id"),
        ("e-truncated", '{"event_id": "e-truncated", "event_ts": "2025-03-01T1', "rejected", "invalid_json"),
        ("[1, 2, 3]", "[1, 2, 3]", "rejected", "invalid_json"),
        ("e-googlebot", event("e-googlebot", "2025-03-01T11:00:00Z", user_agent="Mozilla/5.0 (compatible; GoogleBot/2.1)"), "accepted", None),
        ("e-requests", event("e-requests", "2025-03-01T11:00:00Z", user_agent="python-requests/2.31.0"), "accepted", None),
        ("e-unknown-type", event("e-unknown-type", "2025-03-01T11:00:00Z", "video_play"), "accepted", None),
        ("e-bad-user", event("e-bad-user", "2025-03-01T11:00:00Z", user_id="abc"), "accepted", None),
        ("e-share", event("e-share", "2025-03-01T12:00:00+01:00", "share", properties={"channel": "email"}), "accepted", None),
        ("e-logged-out", event("e-logged-out", "2025-03-01T12:00:00Z", drop=("user_id", "referrer", "properties")), "accepted", None),
        ("e-home", event("e-home", "2025-03-01T12:00:00Z", url="https://stayhub.example/"), "accepted", None),
        ("e-external", event("e-external", "2025-03-01T12:00:00Z", url="https://other.example/rooms/5"), "accepted", None),
        ("e-view-dwell", event("e-view-dwell", "2025-03-01T20:00:00Z", anonymous_id="anon-2", url="https://stayhub.example/rooms/13"), "accepted", None),
        (
            "e-exit-dwell",
            event(
                "e-exit-dwell",
                "2025-03-01T20:05:00Z",
                "page_exit",
                anonymous_id="anon-2",
                url="https://stayhub.example/rooms/13/",
                properties={"dwell_ms": 300000},
            ),
            "accepted",
            None,
        ),
        ("e-late-listing", event("e-late-listing", "2025-03-01T21:00:00Z", url="https://stayhub.example/rooms/99"), "accepted", None),
        ("e-orphan-listing", event("e-orphan-listing", "2025-03-01T22:00:00Z", url="https://stayhub.example/rooms/777"), "accepted", None),
    ],
    ("events", "2025-03-02"): [
        (
            "e-listing",
            event(
                "e-listing", "2025-03-01T10:00:00Z", url="https://WWW.StayHub.example/rooms/%31%32/photos/?b=2&utm_source=news&utm_campaign=spring%20sale#top"
            ),
            "duplicate",
            None,
        ),
        ("e-offset", event("e-offset", "2025-03-01T23:30:00-02:00"), "accepted", None),
        ("e-next-day", event("e-next-day", "2025-03-02T08:00:00Z", url="https://stayhub.example/s/s%C3%A3o-paulo"), "accepted", None),
        ("e-late-like", event("e-late-like", "2025-02-28T22:00:00Z", "like"), "accepted", None),
    ],
    ("bookings", "2025-03-01"): [
        ('"change_id": 1,', booking(1, "c", 100), "accepted", None),
        ('"change_id": 2,', booking(2, "u", 100, status="confirmed"), "accepted", None),
        ('"change_id": 3,', booking(3, "c", 101, price_usd="abc"), "accepted", None),
        ('"change_id": 4,', booking(4, "c", 102), "accepted", None),
        ('"change_id": 5,', booking(5, "c", 104, drop=("checkin",)), "rejected", "missing_required_field:checkin"),
        ('"change_id": 6,', booking(6, "d", 102), "accepted", None),
        ('"change_id": 7,', booking(7, "c", 105, changed_at="2025-03-01 09:00:00"), "rejected", "unparseable_timestamp:changed_at"),
        ('"change_id": 8,', booking(8, "x", 106), "rejected", "invalid_value:op"),
    ],
    ("bookings", "2025-03-02"): [
        (
            '"change_id": 9,',
            booking(9, "u", 100, status="confirmed", checkin="2025-04-02", checkout="2025-04-06", price_usd="412.50", changed_at="2025-03-02T10:00:00Z"),
            "accepted",
            None,
        ),
        ('"change_id": 10,', booking(10, "c", 103, changed_at="2025-03-01T23:59:00Z"), "accepted", None),
        ('"change_id": 11,', booking(11, "u", 101, status="cancelled", price_usd="abc", changed_at="2025-03-02T11:00:00Z"), "accepted", None),
    ],
    ("listings", "2025-03-01"): [
        ('"listing_id": 12,', listing(12, market=" paris "), "accepted", None),
        ('"listing_id": 12,', listing(12, market=" paris "), "duplicate", None),
        ('"listing_id": 13,', listing(13, market="NEW  YORK", room_type="treehouse", capacity=0, nightly_price_usd="N/A"), "accepted", None),
        ('"listing_id": 14,', listing(14, drop=("host_id",)), "rejected", "missing_required_field:host_id"),
        ('"listing_id": 15,', listing(15, capacity=-2, market="sao paulo"), "accepted", None),
    ],
    ("listings", "2025-03-02"): [
        ('"listing_id": 12,', listing(12, market="Paris", nightly_price_usd="130.00"), "accepted", None),
        ('"listing_id": 13,', listing(13, market="new york", room_type="treehouse", capacity=17), "accepted", None),
        ('"listing_id": 15,', listing(15, market="Sao Paulo", is_active=False), "accepted", None),
        ('"listing_id": 99,', listing(99, market="Atlantis"), "accepted", None),
    ],
    ("listings", "2025-03-03"): [
        ('"listing_id": 12,', listing(12, market="Paris", nightly_price_usd="130.00"), "accepted", None),
        ('"listing_id": 99,', listing(99, market="Atlantis"), "accepted", None),
    ],
    ("users", "2025-03-01"): [
        ('"change_id": 1,', user(1, "c", 1, email=CLEAR_EMAIL, country="fr"), "accepted", None),
        ('"change_id": 2,', user(2, "c", 2, country="USA"), "accepted", None),
        ('"change_id": 3,', user(3, "c", 3, drop=("signup_at",)), "rejected", "missing_required_field:signup_at"),
        ('"change_id": 4,', user(4, "c", 4, changed_at="yesterday"), "rejected", "unparseable_timestamp:changed_at"),
        ('"change_id": 7,', user(7, "c", 7, country=None), "accepted", None),
    ],
    ("users", "2025-03-02"): [
        ('"change_id": 5,', user(5, "u", 1, email=CLEAR_EMAIL, country="fr", status="deactivated", changed_at="2025-03-02T07:00:00Z"), "accepted", None),
        ('"change_id": 6,', user(6, "d", 2), "accepted", None),
    ],
    ("assignments", "2025-03-01"): [
        ('"user_id": 1, "assigned_at": "2025-03-01T10:00:00Z"', assignment(1, "2025-03-01T10:00:00Z"), "accepted", None),
        ('"user_id": 1, "assigned_at": "2025-03-01T10:00:00Z"', assignment(1, "2025-03-01T10:00:00Z"), "duplicate", None),
        ('"user_id": 1, "assigned_at": "2025-03-01T11:00:00Z"', assignment(1, "2025-03-01T11:00:00Z"), "accepted", None),
        ('"user_id": 2, "assigned_at"', assignment(2, "2025-03-01T10:00:00Z", variant="treatment"), "accepted", None),
        ('"user_id": 3, "assigned_at"', assignment(3, "2025-03-01T10:00:00Z", drop=("platform",)), "rejected", "missing_required_field:platform"),
    ],
    ("assignments", "2025-03-02"): [
        ('"user_id": 1, "assigned_at": "2025-03-01T10:00:00+00:00"', assignment(1, "2025-03-01T10:00:00+00:00"), "duplicate", None),
    ],
}

SOURCES = ("assignments", "bookings", "events", "listings", "users")


def write(raw_root: Path) -> None:
    """Writes the crafted landing zone under raw_root."""
    for (source, ds), lines in LINES.items():
        write_partition(raw_root, source, ds, [line for _, line, _, _ in lines])
    for source in SOURCES:
        if (source, LAST_DS) not in LINES:
            write_partition(raw_root, source, LAST_DS, [])
        write_partition(
            raw_root, source, IN_PROGRESS_DS, [] if source != "events" else [event("e-in-progress", "2025-03-04T10:00:00Z")], success=source != "events"
        )


def expected_lines() -> list[tuple[str, str, str, str, str | None]]:
    """(source, ds, marker, line_status, reject_reason) for every crafted line of the built window."""
    return [(source, ds, marker, status, reason) for (source, ds), lines in LINES.items() for marker, _, status, reason in lines]
