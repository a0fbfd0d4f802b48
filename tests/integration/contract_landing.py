"""A hand-made landing zone for the contract's semantics that need several days:
time on page, active users, alterations, window edges, null capacity, the
dedupe windows at their edges, and late data that later partitions bring.

Every source lands 2025-04-01 .. 2025-04-06 (listings never empty);
assignments also lands 2025-04-22, a re-delivery weeks later. LINES maps
(source, ds) to (marker, line, expected line_status, expected reject_reason),
where marker is a string unique to that line.
"""

from __future__ import annotations

from stayhub.generate import write_partition
from tests.integration.crafted_landing import assignment, booking, event, listing, user

FIRST_DS = "2025-04-01"
LAST_DS = "2025-04-06"
DAYS = [f"2025-04-0{day}" for day in range(1, 7)]
WEEKS_LATER_DS = "2025-04-22"
ROOM_12 = "https://stayhub.example/rooms/12"


def view(event_id, event_ts, anonymous_id, url=ROOM_12, **fields):
    return event(event_id, event_ts, anonymous_id=anonymous_id, url=url, **fields)


def page_exit(event_id, event_ts, anonymous_id, dwell_ms, url=ROOM_12, **fields):
    return event(event_id, event_ts, "page_exit", anonymous_id=anonymous_id, url=url, properties={"dwell_ms": dwell_ms}, **fields)


def change(change_id, op, booking_id, changed_at, **fields):
    return booking(change_id, op, booking_id, changed_at=changed_at, **fields)


def accepted(marker, line):
    return (marker, line, "accepted", None)


LINES = {
    ("events", "2025-04-01"): [
        # Two views, one exit: the exit closes the latest view; the earlier one has no time on page.
        accepted("a-view-1", view("a-view-1", "2025-04-01T10:00:00Z", "anon-a")),
        accepted("a-view-2", view("a-view-2", "2025-04-01T10:01:00Z", "anon-a")),
        accepted("a-exit", page_exit("a-exit", "2025-04-01T10:02:00Z", "anon-a", 60000)),
        # View, exit, exit: the first exit closes it; the second closes nothing (same page, other spelling).
        accepted("b-view", view("b-view", "2025-04-01T10:00:00Z", "anon-b", url="https://stayhub.example/rooms/12?x=1")),
        accepted("b-exit-1", page_exit("b-exit-1", "2025-04-01T10:01:00Z", "anon-b", 60000, url="https://STAYHUB.example/rooms/%31%32/")),
        accepted("b-exit-2", page_exit("b-exit-2", "2025-04-01T10:02:00Z", "anon-b", 120000)),
        # A view never closed: the exit is of another page.
        accepted("c-view", view("c-view", "2025-04-01T10:00:00Z", "anon-c")),
        accepted("c-exit", page_exit("c-exit", "2025-04-01T10:01:00Z", "anon-c", 5000, url="https://stayhub.example/rooms/13")),
        # Closed after midnight by an exit that lands 3 days after its date (2025-04-05).
        accepted("e-view", view("e-view", "2025-04-01T23:58:00Z", "anon-e", url="https://stayhub.example/s/paris")),
        # Window edges: ds + 1 day 00:10:00.000 is inside, a millisecond later is not.
        accepted("w-edge", view("w-edge", "2025-04-02T00:10:00.000Z", "anon-w")),
        ("w-past-edge", view("w-past-edge", "2025-04-02T00:10:00.001Z", "anon-w"), "rejected", "event_in_future"),
        # Only a JSON number is epoch milliseconds.
        accepted("w-number", view("w-number", 1743501600000, "anon-w")),
        ("w-digits", view("w-digits", "1743501600000", "anon-w"), "rejected", "unparseable_timestamp:event_ts"),
        # Offsets beyond +-18:00 do not parse.
        accepted("w-offset-18", view("w-offset-18", "2025-04-01T12:00:00+18:00", "anon-w")),
        ("w-offset-99", view("w-offset-99", "2025-04-01T10:00:00+99:99", "anon-w"), "rejected", "unparseable_timestamp:event_ts"),
        ("w-offset-1830", view("w-offset-1830", "2025-04-01T10:00:00-18:30", "anon-w"), "rejected", "unparseable_timestamp:event_ts"),
        ("anon-empty-id", view("", "2025-04-01T10:00:00Z", "anon-empty-id"), "rejected", "missing_required_field:event_id"),
        # Dated 04-02 by clock skew, landed on 04-01, delivered again on 04-05.
        accepted("s-skew", view("s-skew", "2025-04-02T00:05:00Z", "anon-s")),
    ],
    ("events", "2025-04-02"): [
        # Active users: any page view, like, unlike or share; not a page_exit alone, not a crawler.
        accepted("u21-like", event("u21-like", "2025-04-02T09:00:00Z", "like", user_id=21, anonymous_id="anon-21", url="https://stayhub.example/s/paris")),
        accepted("u22-exit", page_exit("u22-exit", "2025-04-02T09:00:00Z", "anon-22", 1000, user_id=22)),
        accepted("u23-home", view("u23-home", "2025-04-02T09:00:00Z", "anon-23", url="https://stayhub.example/", user_id=23)),
        accepted("u24-share", event("u24-share", "2025-04-02T09:00:00Z", "share", user_id=24, anonymous_id="anon-24", properties={"channel": "email"})),
        accepted("u25-bot-like", event("u25-bot-like", "2025-04-02T09:00:00Z", "like", user_id=25, anonymous_id="anon-25", user_agent="Googlebot/2.1")),
    ],
    ("events", "2025-04-03"): [
        # Late data a re-run of an earlier ds must not lose.
        accepted("l-late-like", event("l-late-like", "2025-04-01T22:00:00Z", "like")),
    ],
    ("events", "2025-04-05"): [
        accepted("e-exit", page_exit("e-exit", "2025-04-02T00:03:00Z", "anon-e", 300000, url="https://stayhub.example/s/paris/")),
        ("s-skew", view("s-skew", "2025-04-02T00:05:00Z", "anon-s"), "duplicate", None),
    ],
    ("bookings", "2025-04-01"): [
        # 200: new dates while only requested: an alteration.
        accepted('"change_id": 1,', change(1, "c", 200, "2025-04-01T09:00:00Z", checkin="2025-05-01", checkout="2025-05-03")),
        accepted('"change_id": 2,', change(2, "u", 200, "2025-04-01T09:10:00Z", checkin="2025-05-01", checkout="2025-05-04")),
        # 201: confirmed, then a new price alone: not an alteration.
        accepted('"change_id": 3,', change(3, "c", 201, "2025-04-01T09:20:00Z")),
        accepted('"change_id": 4,', change(4, "u", 201, "2025-04-01T09:30:00Z", status="confirmed")),
        accepted('"change_id": 5,', change(5, "u", 201, "2025-04-01T09:40:00Z", status="confirmed", price_usd="350.00")),
        # 202: confirmed, then new dates and price: an alteration that moves gross booking value.
        accepted('"change_id": 6,', change(6, "c", 202, "2025-04-01T09:50:00Z", status="confirmed")),
        accepted('"change_id": 7,', change(7, "u", 202, "2025-04-01T10:00:00Z", status="confirmed", checkin="2025-04-02", price_usd="400.00")),
    ],
    ("bookings", "2025-04-02"): [
        # 203: cancelled with a new check-out: a cancellation and an alteration.
        accepted('"change_id": 8,', change(8, "c", 203, "2025-04-02T08:00:00Z")),
        accepted('"change_id": 9,', change(9, "u", 203, "2025-04-02T08:10:00Z", status="cancelled", checkout="2025-04-05")),
    ],
    ("bookings", "2025-04-03"): [
        # Created on 04-02, landed the next day.
        accepted('"change_id": 10,', change(10, "c", 204, "2025-04-02T23:59:00Z")),
        accepted('"change_id": 11,', change(11, "u", 200, "2025-04-03T10:00:00Z", status="confirmed", checkin="2025-05-01", checkout="2025-05-04")),
    ],
    ("bookings", "2025-04-05"): [
        # 202 again, days after its last change: the previous image comes from the snapshot in a daily run.
        accepted(
            '"change_id": 12,',
            change(12, "u", 202, "2025-04-05T10:00:00Z", status="confirmed", checkin="2025-04-02", checkout="2025-04-05", price_usd="400.00"),
        ),
    ],
    ("bookings", "2025-04-04"): [
        # The same change delivered again in the next partition.
        ('"change_id": 11,', change(11, "u", 200, "2025-04-03T10:00:00Z", status="confirmed", checkin="2025-05-01", checkout="2025-05-04"), "duplicate", None),
    ],
    ("users", "2025-04-01"): [
        accepted('"change_id": 1,', user(1, "c", 1, changed_at="2025-04-01T08:00:00Z")),
        accepted('"change_id": 2,', user(2, "c", 21, changed_at="2025-04-01T08:00:00Z")),
    ],
    ("users", "2025-04-02"): [
        accepted('"change_id": 3,', user(3, "u", 21, changed_at="2025-04-02T08:00:00Z", country="DE")),
        ('"change_id": 3,', user(3, "u", 21, changed_at="2025-04-02T08:00:00Z", country="DE"), "duplicate", None),
    ],
    ("assignments", "2025-04-01"): [
        accepted('"assigned_at": "2025-04-01T10:00:00Z"', assignment(1, "2025-04-01T10:00:00Z")),
    ],
    ("assignments", "2025-04-06"): [
        ('"assigned_at": "2025-04-01T10:00:00Z"', assignment(1, "2025-04-01T10:00:00Z"), "duplicate", None),
    ],
}

# Listings: a snapshot every day; a null and an absent capacity each get a data-quality record.
for _ds in DAYS:
    LINES[("listings", _ds)] = [
        accepted('"listing_id": 12,', listing(12)),
        accepted('"listing_id": 13,', listing(13)),
        accepted('"listing_id": 31,', listing(31, capacity=None)),
        accepted('"listing_id": 32,', listing(32, drop=("capacity",))),
    ]

SOURCES = ("assignments", "bookings", "events", "listings", "users")
WEEKS_LATER_LINE = assignment(1, "2025-04-01T10:00:00Z")


def write(raw_root) -> None:
    """Writes the zone under raw_root: every source and day, empty days included."""
    for source in SOURCES:
        for ds in DAYS:
            write_partition(raw_root, source, ds, [line for _, line, _, _ in LINES.get((source, ds), [])])
    write_partition(raw_root, "assignments", WEEKS_LATER_DS, [WEEKS_LATER_LINE])
