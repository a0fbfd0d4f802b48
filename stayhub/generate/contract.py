"""The landing contract as the generator writes it: the sources and their seeds,
the default sample, the dirty kinds and informational flags each source gets,
required fields, change-log operations, time units and population growth."""

from __future__ import annotations

import datetime as dt

from stayhub.project import landing_root_default

SOURCES = ("events", "bookings", "listings", "users", "assignments")
SOURCE_SEED = {"events": 1, "bookings": 2, "listings": 3, "users": 4, "assignments": 5}

DEFAULT_START_DS = "2025-01-01"
DEFAULT_DAYS = 60
DEFAULT_USERS = 20_000
DEFAULT_LISTINGS = 2_000
DEFAULT_EVENTS_PER_DAY = 20_000
DEFAULT_DIRTY_RATE = 0.01
DEFAULT_SEED = 7
DEFAULT_IN_PROGRESS_DAYS = 1
DEFAULT_PARTS_PER_PARTITION = 2
DEFAULT_RAW_ROOT = landing_root_default()

# ---------------------------------------------------------------------------
# What is injected. A line has exactly one kind; flags are informational.
# ---------------------------------------------------------------------------

KINDS = (
    "clean",
    "invalid_json",  # truncated object, Python-repr quotes, a JSON array, proxy/HTML error text
    "missing_required",  # a required field absent (75%) or JSON null (25%)
    "unparseable_ts",  # a required timestamp without offset, impossible (day 32) or garbage
    "far_ts",  # events: event_ts in 2015, 2035, or epoch seconds sent as milliseconds (1970)
    "duplicate",  # byte-identical redelivery (events: same event_id; assignments: same exposure)
    "unknown_event_type",  # video_play, map_open, wishlist_add, review_expand
    "crawler",  # a crawler user agent (Googlebot, bingbot, Slurp, python-requests, curl, Wget, HeadlessChrome)
    "capacity_out_of_range",  # listings: capacity null, 0, negative or above 16
    "non_numeric_price",  # "N/A", "412,50", "USD 412.50", "" (listings only)
    "contaminated",  # assignments: the user logged in another variant of the experiment
)
KIND = {name: code for code, name in enumerate(KINDS)}

FLAGS = (
    "epoch_ms_ts",  # events: event_ts is epoch milliseconds (older mobile clients)
    "late_arrival",  # events: landed 1 to 3 days after the event's date
    "clock_skew",  # events: event_ts falls after the end of its ds (client clock ahead, < 10 min)
    "extra_property_keys",  # events: properties holds keys the contract does not list
    "next_day_landing",  # CDC: the row landed the day after its changed_at date
    "dirty_market_text",  # listings: market with unclean casing or spaces
    "new_room_type",  # listings: room_type treehouse (unseen category value)
    "new_market",  # listings: market Barcelona (unseen category value)
    "country_lower_case",  # users: country code in lower case
    "country_null",  # users: country null
    "re_exposure",  # assignments: the user logged again for the same experiment in the same visit
)
FLAG = {name: 1 << bit for bit, name in enumerate(FLAGS)}

SOURCE_KINDS = {
    "events": ("invalid_json", "missing_required", "unparseable_ts", "far_ts", "duplicate", "unknown_event_type", "crawler"),
    "bookings": ("invalid_json", "missing_required", "unparseable_ts", "non_numeric_price"),
    "listings": ("invalid_json", "missing_required", "capacity_out_of_range", "non_numeric_price"),
    "users": ("invalid_json", "missing_required", "unparseable_ts"),
    "assignments": ("invalid_json", "missing_required", "unparseable_ts", "duplicate", "contaminated"),
}
SOURCE_FLAGS = {
    "events": ("epoch_ms_ts", "late_arrival", "clock_skew", "extra_property_keys"),
    "bookings": ("next_day_landing",),
    "listings": ("dirty_market_text", "new_room_type", "new_market"),
    "users": ("next_day_landing", "country_lower_case", "country_null"),
    "assignments": ("re_exposure",),
}
REQUIRED_FIELDS = {
    "events": ("event_id", "event_ts", "event_type", "anonymous_id", "platform", "url"),
    "bookings": ("change_id", "op", "changed_at", "booking_id", "listing_id", "guest_id", "status", "checkin", "checkout", "price_usd"),
    "listings": ("listing_id", "host_id", "market", "room_type", "is_active"),
    "users": ("change_id", "op", "changed_at", "user_id", "signup_at", "status"),
    "assignments": ("experiment_key", "variant", "user_id", "assigned_at", "platform"),
}
# For op = d, only the first four fields of bookings and users are required (and written).
CDC_DELETE_FIELDS = 4
# Change-log operations: code (a column value) and its text in the op field.
OP_C, OP_U, OP_D = 0, 1, 2
BOOKING_OPS = ("c", "u", "d")

# ---------------------------------------------------------------------------
# Time, and how the simulated populations grow
# ---------------------------------------------------------------------------

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
EPOCH = dt.date(1970, 1, 1)
USERS_EPOCH_MS = (dt.date(2019, 1, 1) - EPOCH).days * DAY_MS
FAR_PAST_MS = (dt.date(2015, 1, 1) - EPOCH).days * DAY_MS
FAR_FUTURE_MS = (dt.date(2035, 1, 1) - EPOCH).days * DAY_MS

# Populations: 85% exist when the sample starts (the CDC initial load on day 0),
# the other 15% appear at a steady rate over GROWTH_HORIZON_DAYS, so --users and
# --listings are the sizes after 60 days whatever --days is.
GROWTH_SHARE = 0.15
GROWTH_HORIZON_DAYS = 60
NEW_ROOM_TYPE_DAY = 2  # day index from which treehouse listings appear
NEW_MARKET_DAY = 4  # day index from which Barcelona listings appear
MIN_DIRT_PER_DAY = 0.25  # floor of each dirty kind's expected count per source and day (tiny samples)
