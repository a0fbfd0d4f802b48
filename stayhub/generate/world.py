"""Writes a sample landing zone exactly as the upstream contract lays it out
(../shared/raw-data-spec.md), with every kind of dirty data it lists.

    python -m scripts.generate_landing_zone --raw-root data/raw --days 60 --seed 7 --overwrite
    python scripts/generate_landing_zone.py --help

    <raw_root>/<source>/ds=<YYYY-MM-DD>/part-<NNNNN>.jsonl.gz   gzip JSON Lines, mtime 0
    <raw_root>/<source>/ds=<YYYY-MM-DD>/_SUCCESS                 the partition is complete

The world is simulated one day at a time. Users sign up (users CDC); hosts
create listings, which change price or are deactivated (a full listings
snapshot a day); visitors browse in sessions (events); some logged-in sessions
that viewed a listing end in a booking whose whole lifecycle (confirmation or
decline, alteration, cancellation, hard delete of a test booking) is drawn when
it is made (bookings CDC); logged-in visits expose users to experiments
(assignments). Rows land in the partition of the day upstream delivered them:
late events up to 3 days after their date, client clock skew up to 10 minutes
ahead, CDC rows on the day of the change or the next one.

Every random draw of day d comes from numpy generators seeded with
(seed, source, d), and nothing of a day depends on a later day: a sample of N
days is the first N days of any longer sample made with the same arguments.
Lines are serialised with DuckDB from numpy columns (real JSON, escaped) and
compressed with gzip mtime 0, so the same arguments give the same bytes.

Dirty data, each kind at about --dirty-rate of the rows where it applies
(at least one every few days in tiny samples), is listed in KINDS; generate()
returns how many lines of each kind landed in complete partitions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np

SOURCES = ("events", "bookings", "listings", "users", "assignments")
_SOURCE_SEED = {"events": 1, "bookings": 2, "listings": 3, "users": 4, "assignments": 5}

DEFAULT_START_DS = "2025-01-01"
DEFAULT_DAYS = 60
DEFAULT_USERS = 20_000
DEFAULT_LISTINGS = 2_000
DEFAULT_EVENTS_PER_DAY = 20_000
DEFAULT_DIRTY_RATE = 0.01
DEFAULT_SEED = 7
DEFAULT_IN_PROGRESS_DAYS = 1
DEFAULT_PARTS_PER_PARTITION = 2
DEFAULT_RAW_ROOT = "data/raw"

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
_K = {name: code for code, name in enumerate(KINDS)}

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
_F = {name: 1 << bit for bit, name in enumerate(FLAGS)}

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

# ---------------------------------------------------------------------------
# Reference data of the simulated marketplace
# ---------------------------------------------------------------------------

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
_EPOCH = dt.date(1970, 1, 1)
_USERS_EPOCH_MS = (dt.date(2019, 1, 1) - _EPOCH).days * DAY_MS
_FAR_PAST_MS = (dt.date(2015, 1, 1) - _EPOCH).days * DAY_MS
_FAR_FUTURE_MS = (dt.date(2035, 1, 1) - _EPOCH).days * DAY_MS

# Populations: 85% exist when the sample starts (the CDC initial load on day 0),
# the other 15% appear at a steady rate over GROWTH_HORIZON_DAYS, so --users and
# --listings are the sizes after 60 days whatever --days is.
GROWTH_SHARE = 0.15
GROWTH_HORIZON_DAYS = 60
NEW_ROOM_TYPE_DAY = 2  # day index from which treehouse listings appear
NEW_MARKET_DAY = 4  # day index from which Barcelona listings appear
MIN_DIRT_PER_DAY = 0.25  # floor of each dirty kind's expected count per source and day (tiny samples)

MARKETS = ("Paris", "London", "New York", "Rome", "Berlin", "Lisbon", "Tokyo", "Sao Paulo", "Mexico City", "Cape Town", "Barcelona")
_NEW_MARKET = MARKETS.index("Barcelona")
_SAO_PAULO = MARKETS.index("Sao Paulo")
_MARKET_WEIGHTS = np.array([16, 14, 15, 9, 8, 7, 10, 7, 7, 7, 8], dtype=float)
_MARKET_PRICE_USD = np.array([160, 170, 210, 130, 110, 100, 150, 70, 75, 90, 140], dtype=float)
_MARKET_SLUGS = tuple(name.lower().replace(" ", "-") for name in MARKETS)


def _market_variants(name: str) -> tuple[str, ...]:
    """The canonical name first, then spellings upstream really sends for it."""
    doubled = name.replace(" ", "  ") if " " in name else name + "  "
    return (
        name,
        name.lower(),
        name.upper(),
        f" {name} ",
        f" {name.lower()} ",
        doubled,
        doubled.upper() if " " in name else f"  {name.upper()}",
    )


_MARKET_TEXTS = tuple(_market_variants(name) for name in MARKETS)

ROOM_TYPES = ("entire_home", "private_room", "shared_room", "treehouse")
_TREEHOUSE = ROOM_TYPES.index("treehouse")
_ROOM_WEIGHTS = np.array([60, 32, 8, 4], dtype=float)
_ROOM_PRICE_FACTOR = np.array([1.0, 0.55, 0.3, 1.3])

COUNTRIES = ("US", "GB", "FR", "DE", "IT", "ES", "BR", "JP", "MX", "PT", "ZA", "NL", "CA", "AU", "IE", "CH")
_COUNTRY_WEIGHTS = np.array([20, 10, 10, 9, 6, 6, 6, 6, 5, 4, 3, 4, 5, 3, 2, 1], dtype=float)

FIRST_NAMES = (
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
    "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
    "lucas", "emma", "hugo", "chloe", "mateo", "sofia", "leon", "mia", "luca", "giulia",
    "joao", "ana", "kenji", "yuki", "diego", "camila", "thabo", "naledi", "noah", "olivia",
)
LAST_NAMES = (
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "wilson", "anderson", "taylor", "thomas", "moore", "martin", "jackson", "white", "harris", "clark",
    "dubois", "moreau", "muller", "schmidt", "rossi", "russo", "silva", "santos", "costa", "ferreira",
    "tanaka", "sato", "suzuki", "hernandez", "lopez", "gonzalez", "nkosi", "dlamini", "oconnor", "murphy",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
_EMAIL_DOMAIN_WEIGHTS = np.array([55, 20, 15, 10], dtype=float)

PLATFORMS = ("web", "ios", "android")
EVENT_TYPES = ("page_view", "page_exit", "like", "unlike", "share")
UNKNOWN_EVENT_TYPES = ("video_play", "map_open", "wishlist_add", "review_expand")
_ALL_EVENT_TYPES = EVENT_TYPES + UNKNOWN_EVENT_TYPES
SHARE_CHANNELS = ("twitter", "facebook", "email", "copy_link")
_SHARE_WEIGHTS = np.array([20, 20, 25, 35], dtype=float)

URL_HOSTS = (
    "https://www.stayhub.example",
    "https://stayhub.example",
    "https://WWW.StayHub.example",
    "https://Stayhub.Example",
    "https://WWW.STAYHUB.EXAMPLE",
    "https://www.StayHub.Example",
)
_HOST_WEIGHTS = np.array([55, 30, 5, 4, 3, 3], dtype=float)
OTHER_PAGES = ("/help", "/account", "/wishlists", "/trips", "/help/article/2931", "/host/homes")
ROOM_SUBPATHS = ("", "/photos", "/reviews", "/amenities")
URL_FRAGMENTS = ("", "#photos", "#reviews", "#amenities", "#location", "#top")
LISTING_SOURCES = ("search", "wishlist", "share", "map")
UTM_SOURCES = ("google", "newsletter", "facebook", "partner_blog")
UTM_MEDIUMS = ("cpc", "email", "social", "referral")
UTM_CAMPAIGNS = ("spring_sale", "summer%202025", "winter-getaway", "brand", "city%20breaks")
EXTERNAL_REFERRERS = (
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://l.facebook.com/",
    "https://t.co/",
    "https://www.instagram.com/",
    "https://duckduckgo.com/",
    "https://news.ycombinator.com/",
)
_REFERRER_WEIGHTS = np.array([45, 8, 15, 8, 10, 6, 8], dtype=float)

WEB_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
)
IOS_USER_AGENTS = (
    "StayHub/5.14.0 (iPhone; iOS 18.1.1; Scale/3.00)",
    "StayHub/5.14.0 (iPad; iOS 17.6.1; Scale/2.00)",
    "StayHub/5.13.2 (iPhone; iOS 17.7; Scale/3.00)",
)
IOS_LEGACY_USER_AGENTS = (
    "StayHub/4.9.1 (iPhone; iOS 15.8; Scale/2.00)",
    "StayHub/4.7.0 (iPhone; iOS 14.8.1; Scale/2.00)",
)
ANDROID_USER_AGENTS = (
    "StayHub/5.14.0 (Android 14; SM-S921B; okhttp/4.12.0)",
    "StayHub/5.14.0 (Android 15; Pixel 9; okhttp/4.12.0)",
    "StayHub/5.13.1 (Android 13; moto g84 5G; okhttp/4.11.0)",
)
ANDROID_LEGACY_USER_AGENTS = (
    "StayHub/4.9.0 (Android 11; SM-A515F; okhttp/3.14.9)",
    "StayHub/4.6.2 (Android 10; Redmi Note 8; okhttp/3.12.1)",
)
CRAWLER_USER_AGENTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; GOOGLEBOT/2.1)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "python-requests/2.31.0",
    "Python-Requests/2.28.2",
    "curl/8.1.2",
    "CURL/7.88.1",
    "Wget/1.21.4",
    "wget/1.21.3 (linux-gnu)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36",
)
_CRAWLER_WEIGHTS = np.array([20, 10, 3, 12, 5, 8, 5, 8, 3, 6, 2, 5, 3, 10], dtype=float)
USER_AGENTS = (
    WEB_USER_AGENTS + IOS_USER_AGENTS + IOS_LEGACY_USER_AGENTS + ANDROID_USER_AGENTS
    + ANDROID_LEGACY_USER_AGENTS + CRAWLER_USER_AGENTS
)


def _ua_range(group: tuple[str, ...]) -> tuple[int, int]:
    start = USER_AGENTS.index(group[0])
    return start, start + len(group)


_UA_WEB = _ua_range(WEB_USER_AGENTS)
_UA_IOS = _ua_range(IOS_USER_AGENTS)
_UA_IOS_LEGACY = _ua_range(IOS_LEGACY_USER_AGENTS)
_UA_ANDROID = _ua_range(ANDROID_USER_AGENTS)
_UA_ANDROID_LEGACY = _ua_range(ANDROID_LEGACY_USER_AGENTS)
_UA_CRAWLER = _ua_range(CRAWLER_USER_AGENTS)

# Client time-zone offsets in minutes, for timestamps written with an offset.
_OFFSETS_MIN = np.array([0, 60, 120, -300, -240, -180, -360, 540, 330, -480, 600])
_OFFSET_WEIGHTS = np.array([14, 22, 8, 16, 6, 8, 6, 6, 4, 6, 4], dtype=float)
# Sessions started per UTC hour (a world-wide audience, weighted to Europe and the Americas).
_DIURNAL = np.array([3, 2.5, 2, 2, 2, 2.5, 3.5, 5, 6, 6.5, 7, 7, 7, 7, 7.5, 8, 8, 8, 8, 7.5, 7, 6, 5, 4])
_DIURNAL_P = _DIURNAL / _DIURNAL.sum()
_WEEKDAY_FACTOR = (0.96, 0.94, 0.95, 0.98, 1.04, 1.10, 1.03)  # Monday .. Sunday

EXPERIMENTS = (
    # key, variants, platforms (codes), first day index, exposure probability per logged-in visit
    ("search_ranking_v2", ("control", "treatment"), (0, 1, 2), 0, 0.7),
    ("checkout_flow_2025", ("control", "treatment_a", "treatment_b"), (0, 1, 2), 0, 0.35),
    ("photo_grid_mobile", ("control", "treatment"), (1, 2), 2, 0.6),
)

BOOKING_OPS = ("c", "u", "d")
BOOKING_STATUSES = ("requested", "confirmed", "cancelled")
USER_STATUSES = ("active", "deactivated")

# Invalid lines: style 0 truncates the real line, 1 writes it with Python-repr quotes,
# 2 wraps it in a JSON array (valid JSON, not an object), 3.. replace it with text.
_GARBAGE_LINES = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
    "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    "2025-01-01 00:00:00,000 ERROR [collector] failed to serialise record: buffer overflow",
)
_INVALID_STYLE_WEIGHTS = np.array([50, 15, 10, 10, 10, 5], dtype=float)
# Unparseable timestamps: style 0 has no offset, 1 has day 32, 2.. are garbage.
_GARBAGE_TIMESTAMPS = ("not-a-date", "undefined", "NaN", "Invalid Date", "0000-00-00 00:00:00", "yesterday")
_UNPARSEABLE_STYLE_WEIGHTS = np.array([55, 15, 30], dtype=float)

_OP_C, _OP_U, _OP_D = 0, 1, 2
_DELETED = 2  # users.status: 0 active, 1 deactivated, 2 deleted (no row image any more)

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _rng(seed: int, source: str, day: int, stream: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, _SOURCE_SEED[source], day, stream])


def _cumulative_new(total: int, day: int) -> int:
    """Entities created during the sample up to the end of day index `day` (-1: none)."""
    return int(round(total * GROWTH_SHARE * (day + 1) / GROWTH_HORIZON_DAYS))


def _weighted(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _diurnal_ms(rng: np.random.Generator, size: int) -> np.ndarray:
    """Times of day in ms, following the audience's hours."""
    hours = rng.choice(24, size=size, p=_DIURNAL_P)
    return hours * HOUR_MS + rng.integers(0, HOUR_MS, size)


_U64 = np.uint64


def _mix64(x: np.ndarray) -> np.ndarray:
    x = x + _U64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> _U64(27))) * _U64(0x94D049BB133111EB)
    return x ^ (x >> _U64(31))


def _hash64(*parts) -> np.ndarray:
    """A stable 64-bit hash of integer columns (splitmix64 chained)."""
    arrays = np.broadcast_arrays(*[np.asarray(part).astype(np.int64).astype(np.uint64) for part in parts])
    h = np.zeros(arrays[0].shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for array in arrays:
            h = _mix64(h ^ array)
    return h


def _uuid4_bits(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hi = (hi & _U64(0xFFFFFFFFFFFF0FFF)) | _U64(0x4000)
    lo = (lo & _U64(0x3FFFFFFFFFFFFFFF)) | _U64(0x8000000000000000)
    return hi, lo


def _uuid7_bits(unix_ms: np.ndarray, random_hi: np.ndarray, random_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UUIDv7: 48 bits of Unix milliseconds, version 7, then random bits."""
    hi = (unix_ms.astype(np.uint64) << _U64(16)) | _U64(0x7000) | (random_hi & _U64(0x0FFF))
    lo = (random_lo & _U64(0x3FFFFFFFFFFFFFFF)) | _U64(0x8000000000000000)
    return hi, lo


def _random_u64(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.integers(0, np.iinfo(np.uint64).max, size=size, dtype=np.uint64, endpoint=True)


def _concat(chunks: list[dict]) -> dict:
    chunks = [chunk for chunk in chunks if len(next(iter(chunk.values()))) > 0] or chunks[:1]
    return {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}


def _take(columns: dict, index: np.ndarray) -> dict:
    return {key: value[index] for key, value in columns.items()}


def _n_rows(columns: dict) -> int:
    return len(next(iter(columns.values())))


class _Accumulator:
    """Deterministic counts from expected values, carried from day to day:
    the count of a day is the integer part of what has accrued so far."""

    def __init__(self):
        self.state: dict = {}

    def take(self, key, expected: float) -> int:
        accrued = self.state.get(key, 0.5) + max(0.0, expected)
        count = int(accrued)
        self.state[key] = accrued - count
        return count


class _Pool:
    """Rows waiting for the partition they land in (column 'landing', a day index)."""

    def __init__(self):
        self.chunks: list[dict] = []

    def add(self, columns: dict) -> None:
        if _n_rows(columns):
            self.chunks.append(columns)

    def take(self, day: int) -> dict | None:
        taken, kept = [], []
        for chunk in self.chunks:
            mask = chunk["landing"] == day
            if mask.any():
                taken.append(_take(chunk, np.flatnonzero(mask)))
            if not mask.all():
                kept.append(_take(chunk, np.flatnonzero(~mask)) if mask.any() else chunk)
        self.chunks = kept
        return _concat(taken) if taken else None


# ---------------------------------------------------------------------------
# SQL fragments (DuckDB) that turn numpy columns into JSON text
# ---------------------------------------------------------------------------


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(values) -> str:
    return "[" + ", ".join(_lit(value) for value in values) + "]"


def _sql_nested_list(rows) -> str:
    return "[" + ", ".join(_sql_list(row) for row in rows) + "]"


def _offset_sql(off: str) -> str:
    return (
        f"(case when {off} < 0 then '-' else '+' end || lpad((abs({off}) // 60)::varchar, 2, '0')"
        f" || ':' || lpad((abs({off}) % 60)::varchar, 2, '0'))"
    )


def _iso_sql(ms: str, style: str, off: str, millis: str) -> str:
    """ISO-8601 text of epoch-ms column `ms`: style 0 is UTC with Z, 1 local time with its offset."""
    local = f"make_timestamp(({ms} + case when {style} = 1 then {off} else 0 end * 60000) * 1000)"
    return (
        f"(strftime({local}, '%Y-%m-%dT%H:%M:%S')"
        f" || case when {millis} then '.' || lpad(({ms} % 1000)::varchar, 3, '0') else '' end"
        f" || case when {style} = 1 then {_offset_sql(off)} else 'Z' end)"
    )


def _unparseable_sql(ms: str, off: str, bad: str) -> str:
    """A JSON string holding an unparseable timestamp: no offset, day 32, or garbage."""
    local = f"make_timestamp(({ms} + {off} * 60000) * 1000)"
    return (
        f"case when {bad} = 0 then '\"' || strftime({local}, '%Y-%m-%dT%H:%M:%S') || '\"'"
        f" when {bad} = 1 then '\"' || strftime({local}, '%Y-%m-') || '32' || strftime({local}, 'T%H:%M:%S') || 'Z\"'"
        f" else to_json({_sql_list(_GARBAGE_TIMESTAMPS)}[{bad} - 1]) end"
    )


def _field_sql(position: int, name: str, value_sql: str) -> str:
    """`"name": value`, or absent / null when the row's missing field is this one."""
    return (
        f"case when miss = {position} then case when miss_null then '\"{name}\": null' end"
        f" else '\"{name}\": ' || ({value_sql}) end"
    )


def _invalid_line_sql(line: str) -> str:
    garbage = _sql_list(_GARBAGE_LINES)
    return (
        f"case when kind = {_K['invalid_json']} then case inv"
        f" when 0 then left({line}, greatest(1, least(length({line}) - 1, floor(length({line}) * cut)::integer)))"
        f" when 1 then replace({line}, '\"', '''')"
        f" when 2 then '[' || {line} || ']'"
        f" else {garbage}[inv - 2] end else {line} end"
    )


def _json_object_sql(fragments: list[str]) -> str:
    return "'{' || concat_ws(', ', " + ", ".join(fragments) + ") || '}'"


def _price_sql(cents: str) -> str:
    return f"(({cents}) // 100)::varchar || '.' || lpad((({cents}) % 100)::varchar, 2, '0')"


def _date_sql(epoch_day: str) -> str:
    return f"(date '1970-01-01' + {epoch_day}::integer)::varchar"


def _run_sql(con: duckdb.DuckDBPyConnection, tables: dict[str, dict], sql: str) -> list[str]:
    for name, columns in tables.items():
        con.register(name, columns)
    try:
        return con.sql(sql).fetchnumpy()["line"].tolist()
    finally:
        for name in tables:
            con.unregister(name)


def _mark_dirty(rng, dirty_kinds: list[tuple[str, int]], eligible: np.ndarray, kind: np.ndarray) -> None:
    """Gives disjoint random subsets of `eligible` rows the requested kinds."""
    order = rng.permutation(eligible)
    position = 0
    for name, count in dirty_kinds:
        count = max(0, min(count, len(order) - position))
        kind[order[position:position + count]] = _K[name]
        position += count


def _dirt_columns(rng, kind: np.ndarray, n_fields: np.ndarray) -> dict:
    """Per-row details of the dirty kinds: which field is missing, how a line is broken, how a time is bad."""
    n = len(kind)
    miss = np.where(kind == _K["missing_required"], 1 + np.floor(rng.random(n) * n_fields).astype(np.int64), 0)
    return {
        "miss": miss.astype(np.int8),
        "miss_null": rng.random(n) < 0.25,
        "inv": _weighted(rng, _INVALID_STYLE_WEIGHTS, n).astype(np.int8),
        "cut": rng.uniform(0.05, 0.95, n),
        "bad": _unparseable_style(rng, n),
    }


def _unparseable_style(rng, n: int) -> np.ndarray:
    style = _weighted(rng, _UNPARSEABLE_STYLE_WEIGHTS, n)
    garbage = 2 + rng.integers(0, len(_GARBAGE_TIMESTAMPS), n)
    return np.where(style == 2, garbage, style).astype(np.int8)


# ---------------------------------------------------------------------------
# The simulated world
# ---------------------------------------------------------------------------


class _Config:
    def __init__(self, start_ds, days, users, listings, events_per_day, dirty_rate, seed, in_progress_days, parts, empty):
        self.start = start_ds
        self.days = days
        self.users = users
        self.listings = listings
        self.events_per_day = events_per_day
        self.dirty_rate = dirty_rate
        self.seed = seed
        self.in_progress_days = in_progress_days
        self.parts = parts
        self.empty = empty  # {(source, day index)}


class _Users:
    """The users table and its change log."""

    def __init__(self, world: "_World"):
        cfg = world.cfg
        self.world = world
        self.n_initial = cfg.users - int(round(cfg.users * GROWTH_SHARE))
        capacity = self.n_initial + _cumulative_new(cfg.users, cfg.days + cfg.in_progress_days) + 1
        self.first = np.zeros(capacity, np.int16)
        self.last = np.zeros(capacity, np.int16)
        self.email_style = np.zeros(capacity, np.int8)
        self.email_domain = np.zeros(capacity, np.int8)
        self.email_caps = np.zeros(capacity, bool)
        self.country = np.zeros(capacity, np.int8)  # -1: null
        self.country_lower = np.zeros(capacity, bool)
        self.signup_ms = np.zeros(capacity, np.int64)
        self.status = np.zeros(capacity, np.int8)
        self.activity = np.zeros(capacity, float)
        self.count = 0
        rng = world.rng("users", 0, 1)
        self._create(rng, np.sort(rng.integers(_USERS_EPOCH_MS, world.start_ms - DAY_MS, self.n_initial)))
        self.status[: self.count][rng.random(self.count) < 0.03] = 1
        self.carry: dict | None = None  # rows of yesterday landing today
        self.today: dict | None = None
        self.new_ids = np.zeros(0, np.int64)
        self.new_signup_ms = np.zeros(0, np.int64)

    def _create(self, rng, signup_ms: np.ndarray) -> np.ndarray:
        n = len(signup_ms)
        index = np.arange(self.count, self.count + n)
        self.first[index] = rng.integers(0, len(FIRST_NAMES), n)
        self.last[index] = rng.integers(0, len(LAST_NAMES), n)
        self.email_style[index] = _weighted(rng, np.array([50, 15, 10, 15, 10.0]), n)
        self.email_domain[index] = _weighted(rng, _EMAIL_DOMAIN_WEIGHTS, n)
        self.email_caps[index] = rng.random(n) < 0.05
        self.country[index] = np.where(rng.random(n) < 0.04, -1, _weighted(rng, _COUNTRY_WEIGHTS, n))
        self.country_lower[index] = rng.random(n) < 0.07
        self.signup_ms[index] = signup_ms
        self.status[index] = 0
        self.activity[index] = rng.lognormal(0.0, 1.0, n)
        self.count += n
        return index + 1

    def session_pool(self) -> tuple[np.ndarray, np.ndarray]:
        """Users who can log in now: existing and active."""
        ids = np.flatnonzero(self.status[: self.count] == 0) + 1
        return ids, self.activity[ids - 1]

    def _image(self, ids: np.ndarray, op: int, changed_ms: np.ndarray) -> dict:
        index = ids - 1
        return {
            "user_id": ids.astype(np.int64),
            "op": np.full(len(ids), op, np.int8),
            "changed_ms": changed_ms.astype(np.int64),
            "first": self.first[index],
            "last": self.last[index],
            "email_style": self.email_style[index],
            "email_domain": self.email_domain[index],
            "email_caps": self.email_caps[index],
            "country": self.country[index],
            "country_lower": self.country_lower[index],
            "signup_ms": self.signup_ms[index],
            "status": np.where(self.status[index] == 1, 1, 0).astype(np.int8),
        }

    def step(self, day: int) -> None:
        cfg, world = self.world.cfg, self.world
        rng = world.rng("users", day)
        day_start = world.start_ms + day * DAY_MS
        rows = []
        if day == 0:  # the initial load of the change log
            ids = np.arange(1, self.count + 1)
            rows.append(self._image(ids, _OP_C, day_start + np.sort(rng.integers(0, 20 * MINUTE_MS, len(ids)))))
        else:
            alive = np.flatnonzero(self.status[: self.count] != _DELETED) + 1
            n_deletes = world.acc.take(("users", "delete"), max(len(alive) * 0.0002, 0.35))
            n_deactivations = world.acc.take(("users", "deactivate"), len(alive) * 0.0005)
            n_country = world.acc.take(("users", "country"), len(alive) * 0.002)
            order = rng.permutation(alive)
            deletes = order[:n_deletes]
            rest = order[n_deletes:]
            active_rest = rest[self.status[rest - 1] == 0]
            deactivations = active_rest[:n_deactivations]
            movers = np.setdiff1d(rest, deactivations)
            movers = rng.permutation(movers)[:n_country]
            self.status[deactivations - 1] = 1
            old = self.country[movers - 1].astype(np.int64)
            new = _weighted(rng, _COUNTRY_WEIGHTS, len(movers))
            same = new == old
            new[same] = (new[same] + 1 + rng.integers(0, len(COUNTRIES) - 1, same.sum())) % len(COUNTRIES)
            self.country[movers - 1] = new
            self.country_lower[movers - 1] = rng.random(len(movers)) < 0.07
            for ids, op in ((deactivations, _OP_U), (movers, _OP_U), (deletes, _OP_D)):
                rows.append(self._image(ids, op, day_start + _diurnal_ms(rng, len(ids))))
            self.status[deletes - 1] = _DELETED
        n_new = _cumulative_new(cfg.users, day) - _cumulative_new(cfg.users, day - 1)
        signup = day_start + np.sort(_diurnal_ms(rng, n_new))
        self.new_ids = self._create(rng, signup)
        self.new_signup_ms = signup
        rows.append(self._image(self.new_ids, _OP_C, signup))
        today = _concat(rows)
        today["late"] = world.next_day_landing(rng, "users", _n_rows(today))
        self.today = today

    def partition_rows(self) -> dict:
        """Rows landing today: yesterday's late ones, then today's on-time ones, by changed_at."""
        today = self.today
        on_time = _take(today, np.flatnonzero(~today["late"]))
        rows = _concat([self.carry, on_time]) if self.carry is not None else on_time
        self.carry = _take(today, np.flatnonzero(today["late"]))
        self.carry["late"][:] = True
        order = np.lexsort((rows["user_id"], rows["changed_ms"]))
        return _take(rows, order)


class _Listings:
    """The listings table, snapshotted at the end of every day."""

    def __init__(self, world: "_World"):
        cfg = world.cfg
        self.world = world
        n_initial = max(1, cfg.listings - int(round(cfg.listings * GROWTH_SHARE)) - 2)
        capacity = n_initial + _cumulative_new(cfg.listings, cfg.days + cfg.in_progress_days) + 3
        self.host = np.zeros(capacity, np.int64)
        self.market = np.zeros(capacity, np.int8)
        self.room = np.zeros(capacity, np.int8)
        self.capacity = np.zeros(capacity, np.int64)
        self.price_cents = np.zeros(capacity, np.int64)
        self.created_ms = np.zeros(capacity, np.int64)
        self.created_style = np.zeros(capacity, np.int8)
        self.active = np.zeros(capacity, bool)
        self.count = 0
        rng = world.rng("listings", 0, 1)
        users = world.users
        n_hosts = max(1, min(users.n_initial, int(n_initial * 0.7)))
        hosts = rng.choice(users.n_initial, size=n_hosts, replace=False) + 1
        host = hosts[rng.integers(0, n_hosts, n_initial)]
        signup = users.signup_ms[host - 1]
        created = signup + ((world.start_ms - DAY_MS - signup) * rng.uniform(0.05, 0.95, n_initial)).astype(np.int64)
        order = np.argsort(created, kind="stable")
        weights = _MARKET_WEIGHTS.copy()
        weights[_NEW_MARKET] = 0
        rooms = _ROOM_WEIGHTS.copy()
        rooms[_TREEHOUSE] = 0
        self._create(rng, host[order], created[order], _weighted(rng, weights, n_initial), _weighted(rng, rooms, n_initial))
        self.active[: self.count] = rng.random(self.count) < 0.95

    def _create(self, rng, host, created_ms, market, room) -> None:
        n = len(host)
        index = np.arange(self.count, self.count + n)
        self.host[index] = host
        self.market[index] = market
        self.room[index] = room
        self.capacity[index] = _draw_capacity(rng, room)
        self.price_cents[index] = _draw_price_cents(rng, market, room)
        self.created_ms[index] = created_ms
        self.created_style[index] = (rng.random(n) < 0.3).astype(np.int8)
        self.active[index] = True
        self.count += n

    def session_pool(self) -> tuple[np.ndarray, np.ndarray]:
        ids = np.flatnonzero(self.active[: self.count]) + 1
        return ids, self.market[ids - 1]

    def step(self, day: int, user_pool: np.ndarray) -> None:
        cfg, world = self.world.cfg, self.world
        rng = world.rng("listings", day)
        day_start = world.start_ms + day * DAY_MS
        existing = np.arange(1, self.count + 1)
        if day > 0:
            n_price = world.acc.take(("listings", "price"), len(existing) * 0.01)
            n_off = world.acc.take(("listings", "deactivate"), self.active[: self.count].sum() * 0.002)
            n_on = world.acc.take(("listings", "reactivate"), (~self.active[: self.count]).sum() * 0.03)
            order = rng.permutation(existing)
            repriced = order[:n_price]
            rest = order[n_price:]
            off = rest[self.active[rest - 1]][:n_off]
            on = rest[~self.active[rest - 1]][:n_on]
            factor = rng.uniform(0.85, 1.2, len(repriced))
            self.price_cents[repriced - 1] = np.maximum(1500, np.round(self.price_cents[repriced - 1] * factor / 100) * 100)
            self.active[off - 1] = False
            self.active[on - 1] = True
        forced = [day == NEW_ROOM_TYPE_DAY, day == NEW_MARKET_DAY]
        n_new = _cumulative_new(cfg.listings, day) - _cumulative_new(cfg.listings, day - 1) + sum(forced)
        if n_new == 0:
            return
        market_weights = _MARKET_WEIGHTS.copy()
        if day < NEW_MARKET_DAY:
            market_weights[_NEW_MARKET] = 0
        room_weights = _ROOM_WEIGHTS.copy()
        if day < NEW_ROOM_TYPE_DAY:
            room_weights[_TREEHOUSE] = 0
        market = _weighted(rng, market_weights, n_new)
        room = _weighted(rng, room_weights, n_new)
        if forced[0]:
            room[0] = _TREEHOUSE
        if forced[1]:
            market[-1] = _NEW_MARKET
        existing_host = self.host[rng.integers(0, max(1, self.count), n_new)]
        new_host = user_pool[rng.integers(0, len(user_pool), n_new)] if len(user_pool) else existing_host
        host = np.where(rng.random(n_new) < 0.5, existing_host, new_host)
        self._create(rng, host, day_start + np.sort(_diurnal_ms(rng, n_new)), market, room)


def _draw_capacity(rng, room: np.ndarray) -> np.ndarray:
    n = len(room)
    entire = np.minimum(16, 2 + rng.poisson(2.5, n) + (rng.random(n) < 0.03) * rng.integers(4, 8, n))
    private = rng.integers(1, 4, n)
    shared = rng.integers(1, 3, n)
    treehouse = rng.integers(2, 6, n)
    return np.choose(room, [entire, private, shared, treehouse]).astype(np.int64)


def _draw_price_cents(rng, market: np.ndarray, room: np.ndarray) -> np.ndarray:
    n = len(market)
    dollars = _MARKET_PRICE_USD[market] * _ROOM_PRICE_FACTOR[room] * rng.lognormal(0.0, 0.35, n)
    cents = np.maximum(15, np.round(dollars)).astype(np.int64) * 100
    cents += np.where(rng.random(n) < 0.1, 50, 0) - np.where(rng.random(n) < 0.1, 1, 0)
    return cents


class _World:
    def __init__(self, cfg: _Config):
        self.cfg = cfg
        self.epoch_day0 = (cfg.start - _EPOCH).days
        self.start_ms = self.epoch_day0 * DAY_MS
        self.weekday0 = cfg.start.weekday()
        self.acc = _Accumulator()
        self.users = _Users(self)
        self.listings = _Listings(self)
        self.event_pool = _Pool()
        self.booking_pool = _Pool()
        self.assignment_pool = _Pool()
        self.next_booking_id = 1
        self.last_change_id = {"bookings": 0, "users": 0}
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")

    def rng(self, source: str, day: int, stream: int = 0) -> np.random.Generator:
        return _rng(self.cfg.seed, source, day, stream)

    def dirt(self, source: str, kind: str, n_rows: int) -> int:
        """How many of today's n_rows rows of a source get a dirty kind."""
        rate = self.cfg.dirty_rate
        if rate <= 0 or n_rows <= 0:
            return 0
        return min(n_rows, self.acc.take((source, kind), max(rate * n_rows, MIN_DIRT_PER_DAY)))

    def next_day_landing(self, rng, source: str, n_rows: int) -> np.ndarray:
        """Which of n_rows change-log rows land the day after their change: about 5%."""
        late = np.zeros(n_rows, bool)
        if n_rows:
            late[rng.choice(n_rows, size=min(n_rows, self.acc.take((source, "late"), max(0.05 * n_rows, 0.3))), replace=False)] = True
        return late

    def day_factor(self, day: int) -> float:
        return _WEEKDAY_FACTOR[(self.weekday0 + day) % 7]

    # -- one simulated day --------------------------------------------------

    def step(self, day: int) -> None:
        user_ids, user_weights = self.users.session_pool()
        listing_ids, listing_markets = self.listings.session_pool()
        self.users.step(day)
        self.listings.step(day, user_ids)
        sessions = self._events_day(day, user_ids, user_weights, listing_ids, listing_markets)
        if day < self.cfg.days:
            self._bookings_day(day, sessions)
            self._assignments_day(day, sessions)

    # -- events ---------------------------------------------------------------

    def _events_day(self, day, user_ids, user_weights, listing_ids, listing_markets) -> dict:
        """Simulates the visits that start on `day`, adds their event lines to the pool,
        and returns what bookings and assignments need of the sessions."""
        cfg = self.cfg
        rng = self.rng("events", day)
        day_start = self.start_ms + day * DAY_MS
        target = cfg.events_per_day * self.day_factor(day)
        n_human = int(rng.poisson(target / 6.2)) if target > 0 else 0
        n_crawler = self.dirt("events", "crawler_sessions", int(round(target / 10))) if target > 0 else 0
        new_ids, new_signup = self.users.new_ids, self.users.new_signup_ms
        if target <= 0 or len(listing_ids) == 0:
            return {"n": 0}
        n_signup = len(new_ids)
        n_sessions = n_human + n_signup + n_crawler
        if n_sessions == 0:
            return {"n": 0}

        # Sessions: who, on what, when, and how their client writes and delivers events.
        crawler = np.zeros(n_sessions, bool)
        crawler[n_human + n_signup:] = True
        platform = _weighted(rng, np.array([55, 25, 20.0]), n_sessions)
        platform[crawler] = 0
        user = np.full(n_sessions, -1, np.int64)
        logged_in = (rng.random(n_sessions) < 0.6) & ~crawler
        logged_in[n_human:n_human + n_signup] = True
        if len(user_ids):
            picks = rng.choice(user_ids, size=n_sessions, p=user_weights / user_weights.sum())
        else:
            picks = np.full(n_sessions, -1)
            logged_in[:n_human] = False
        user[:n_human] = np.where(logged_in[:n_human], picks[:n_human], -1)
        user[n_human:n_human + n_signup] = new_ids
        start = day_start + _diurnal_ms(rng, n_sessions)
        start[n_human:n_human + n_signup] = new_signup + rng.integers(5_000, 120_000, n_signup)
        start[crawler] = day_start + rng.integers(0, DAY_MS, n_crawler)
        app = platform > 0
        legacy = app & (rng.random(n_sessions) < 0.3)
        style = np.where(app, np.where(rng.random(n_sessions) < 0.75, 1, 0), np.where(rng.random(n_sessions) < 0.55, 1, 0))
        style[legacy] = 2
        style[crawler] = 0
        offset = np.where(style == 1, _OFFSETS_MIN[_weighted(rng, _OFFSET_WEIGHTS, n_sessions)], 0)
        millis = ~app | (rng.random(n_sessions) < 0.5)
        skew = np.where((rng.random(n_sessions) < 0.03) & ~crawler, rng.integers(20_000, 570_000, n_sessions), 0)
        # A few clients whose clock runs ahead browse just before midnight: their events carry
        # the next date but land today (contract: up to 10 minutes after the end of ds).
        n_edge = min(n_human, self.acc.take(("events", "midnight_skew"), max(0.003 * n_human, 0.5)))
        edge = rng.choice(n_human, size=n_edge, replace=False)
        start[edge] = day_start + DAY_MS - rng.integers(10_000, 8 * MINUTE_MS, n_edge)
        skew[edge] = rng.integers(2 * MINUTE_MS, 570_000, n_edge)
        late_web = _weighted(rng, np.array([965, 25, 7, 3.0]), n_sessions)
        late_app = _weighted(rng, np.array([860, 90, 30, 20.0]), n_sessions)
        late = np.where(app, late_app, late_web)
        late[crawler] = 0
        ua = np.select(
            [crawler, platform == 0, (platform == 1) & ~legacy, platform == 1, ~legacy],
            [
                _UA_CRAWLER[0] + _weighted(rng, _CRAWLER_WEIGHTS, n_sessions),
                rng.integers(*_UA_WEB, n_sessions),
                rng.integers(*_UA_IOS, n_sessions),
                rng.integers(*_UA_IOS_LEGACY, n_sessions),
                rng.integers(*_UA_ANDROID, n_sessions),
            ],
            rng.integers(*_UA_ANDROID_LEGACY, n_sessions),
        )
        ua_roll = rng.random(n_sessions)
        ua = np.where(~crawler & (ua_roll < 0.005), -2, np.where(~crawler & (ua_roll < 0.01), -1, ua))
        visitor = rng.integers(0, 3 * cfg.users, n_sessions)
        anon_hi = np.where(
            user >= 0, _hash64(cfg.seed, 11, user, platform), np.where(crawler, _random_u64(rng, n_sessions), _hash64(cfg.seed, 12, visitor, platform))
        )
        anon_lo = _hash64(cfg.seed, 13, anon_hi)
        anon_hi, anon_lo = _uuid4_bits(anon_hi, anon_lo)
        market = listing_markets[rng.integers(0, len(listing_markets), n_sessions)]
        ext_ref = np.where(
            app,
            np.where(rng.random(n_sessions) < 0.7, -1, -2),
            np.select([rng.random(n_sessions) < 0.3, rng.random(n_sessions) < 0.15], [-1, -2], _weighted(rng, _REFERRER_WEIGHTS, n_sessions)),
        )
        ext_ref[crawler] = np.where(rng.random(n_crawler) < 0.5, -1, -2)
        utm = (platform == 0) & ~crawler & (rng.random(n_sessions) < 0.3)
        host = _weighted(rng, _HOST_WEIGHTS, n_sessions)
        pages_per_session = np.where(crawler, np.minimum(60, rng.geometric(0.1, n_sessions)), np.minimum(30, rng.geometric(0.3, n_sessions)))

        # Pages: what was viewed, for how long, and what happened on it.
        n_pages = int(pages_per_session.sum())
        sess = np.repeat(np.arange(n_sessions), pages_per_session)
        first_page = np.cumsum(pages_per_session) - pages_per_session
        seq = np.arange(n_pages) - first_page[sess]
        p_crawler = crawler[sess]
        roll = rng.random(n_pages)
        kind_first = np.select([roll < 0.30, roll < 0.65, roll < 0.95], [0, 1, 2], 3)
        kind_next = np.select([roll < 0.06, roll < 0.26, roll < 0.88], [0, 1, 2], 3)
        kind_crawl = np.select([roll < 0.05, roll < 0.25, roll < 0.95], [0, 1, 2], 3)
        kind = np.where(p_crawler, kind_crawl, np.where(seq == 0, kind_first, kind_next)).astype(np.int8)
        p_market = market[sess]
        by_market = np.argsort(listing_markets, kind="stable")
        per_market = np.bincount(listing_markets, minlength=len(MARKETS))
        market_offset = np.cumsum(per_market) - per_market
        same_market = (rng.random(n_pages) < 0.75) & (per_market[p_market] > 0)
        u = rng.random(n_pages)
        in_market = listing_ids[by_market][np.minimum(len(listing_ids) - 1, market_offset[p_market] + (u * per_market[p_market]).astype(np.int64))]
        anywhere = listing_ids[np.minimum(len(listing_ids) - 1, (u * len(listing_ids)).astype(np.int64))]
        listing = np.where(kind == 2, np.where(same_market, in_market, anywhere), 0)
        listing_market = self.listings.market[np.maximum(listing, 1) - 1]
        search_market = np.where(kind == 1, p_market, np.where(kind == 2, listing_market, p_market))
        enc_roll = rng.random(n_pages)
        multiword = np.array([" " in name for name in MARKETS])[search_market]
        enc_search = np.select(
            [(search_market == _SAO_PAULO) & (enc_roll >= 0.9), multiword & (enc_roll < 0.04), multiword & (enc_roll < 0.06), (enc_roll >= 0.06) & (enc_roll < 0.09)],
            [4, 1, 2, 3],
            0,
        )
        enc = np.where(kind == 1, enc_search, np.where((kind == 2) & (enc_roll < 0.05), 1, 0)).astype(np.int8)
        sub = np.where(kind == 2, _weighted(rng, np.array([80, 10, 6, 4.0]), n_pages), 0).astype(np.int8)
        trail_roll = rng.random(n_pages)
        trail = np.where(kind == 0, trail_roll < 0.85, trail_roll < 0.1)
        other = rng.integers(0, len(OTHER_PAGES), n_pages).astype(np.int8)
        frag_roll = rng.random(n_pages)
        frag = np.select([(kind == 2) & (frag_roll < 0.12), (kind == 3) & (frag_roll < 0.03)], [rng.integers(1, 5, n_pages), 5], 0).astype(np.int8)
        qsrc = np.where((kind == 2) & (rng.random(n_pages) < 0.55), 1 + _weighted(rng, np.array([60, 15, 10, 15.0]), n_pages), 0).astype(np.int8)
        adults_roll = rng.random(n_pages)
        adults = np.where(((kind == 1) & (adults_roll < 0.35)) | ((kind == 2) & (adults_roll < 0.2)), rng.integers(1, 7, n_pages), 0).astype(np.int8)
        checkin = np.where((kind == 1) & (rng.random(n_pages) < 0.25), self.epoch_day0 + day + rng.integers(3, 91, n_pages), 0).astype(np.int32)
        nights = rng.integers(1, 8, n_pages).astype(np.int8)
        qtext = np.where((kind == 1) & (rng.random(n_pages) < 0.15), rng.integers(1, 3, n_pages), 0).astype(np.int8)
        p_utm = utm[sess] & (seq == 0)
        app_page = app[sess]
        ref = np.where(seq == 0, ext_ref[sess], np.where(app_page & (rng.random(n_pages) < 0.5), -1, -3)).astype(np.int8)
        dwell = np.where(p_crawler, rng.integers(200, 3000, n_pages), np.clip(rng.lognormal(np.log(15_000), 1.0, n_pages), 300, 1_800_000).astype(np.int64))
        gap = np.where(p_crawler, rng.integers(100, 2000, n_pages), rng.integers(300, 8000, n_pages))
        step = dwell + gap
        before = np.cumsum(step) - step
        page_ts = start[sess] + before - before[first_page[sess]]
        last_page = seq == pages_per_session[sess] - 1
        has_exit = ~p_crawler & (rng.random(n_pages) < np.where(last_page, 0.6, 0.92))
        p_logged_in = user[sess] >= 0
        inter_roll = rng.random(n_pages)
        inter = np.select(
            [(kind == 2) & ~p_crawler & p_logged_in & (inter_roll < 0.06), (kind == 2) & ~p_crawler & p_logged_in & (inter_roll < 0.075), (kind == 2) & ~p_crawler & (inter_roll < 0.1)],
            [2, 3, 4],
            0,
        )
        channel = _weighted(rng, _SHARE_WEIGHTS, n_pages).astype(np.int8)
        pages = {
            "pidx": np.arange(n_pages),
            "sess": sess,
            "seq": seq,
            "host": host[sess].astype(np.int8),
            "kind": kind,
            "lid": listing,
            "mkt": search_market.astype(np.int8),
            "enc": enc,
            "sub": sub,
            "trail": trail,
            "other": other,
            "frag": frag,
            "qsrc": qsrc,
            "adults": adults,
            "checkin": checkin,
            "nights": nights,
            "qtext": qtext,
            "utm": p_utm,
            "utm_s": rng.integers(0, len(UTM_SOURCES), n_pages).astype(np.int8),
            "utm_m": rng.integers(0, len(UTM_MEDIUMS), n_pages).astype(np.int8),
            "utm_c": rng.integers(0, len(UTM_CAMPAIGNS), n_pages).astype(np.int8),
            "rot": rng.integers(0, 9, n_pages).astype(np.int8),
            "rev": rng.random(n_pages) < 0.2,
            "ref": ref,
        }

        # Events: a page_view per page, then the exit and any interaction.
        exit_pages = np.flatnonzero(has_exit)
        inter_pages = np.flatnonzero(inter > 0)
        human_pages = np.flatnonzero(~p_crawler)
        n_unknown = self.dirt("events", "unknown_event_type", n_pages + len(exit_pages) + len(inter_pages) - int(p_crawler.sum()))
        unknown_pages = rng.choice(human_pages, size=min(n_unknown, len(human_pages)), replace=False) if len(human_pages) else human_pages
        ev_page = np.concatenate([np.arange(n_pages), exit_pages, inter_pages, unknown_pages])
        ev_type = np.concatenate(
            [
                np.zeros(n_pages, np.int8),
                np.ones(len(exit_pages), np.int8),
                inter[inter_pages].astype(np.int8),
                (len(EVENT_TYPES) + rng.integers(0, len(UNKNOWN_EVENT_TYPES), len(unknown_pages))).astype(np.int8),
            ]
        )
        ev_true = np.concatenate(
            [
                page_ts,
                page_ts[exit_pages] + dwell[exit_pages],
                page_ts[inter_pages] + (dwell[inter_pages] * rng.uniform(0.15, 0.9, len(inter_pages))).astype(np.int64),
                page_ts[unknown_pages] + (dwell[unknown_pages] * rng.uniform(0.1, 0.9, len(unknown_pages))).astype(np.int64),
            ]
        )
        n_events = len(ev_page)
        ev_sess = sess[ev_page]
        reported = ev_true + skew[ev_sess]
        reported = np.where(millis[ev_sess] | (style[ev_sess] == 2), reported, reported // 1000 * 1000)
        true_day = ev_true // DAY_MS - self.epoch_day0
        landing = true_day + late[ev_sess]
        ev_kind = np.zeros(n_events, np.int8)
        ev_kind[crawler[ev_sess]] = _K["crawler"]
        ev_kind[ev_type >= len(EVENT_TYPES)] = _K["unknown_event_type"]
        eligible = np.flatnonzero(ev_kind == 0)
        n_clean = len(eligible)
        _mark_dirty(
            rng,
            [(name, self.dirt("events", name, n_clean)) for name in ("invalid_json", "missing_required", "unparseable_ts", "far_ts")],
            eligible,
            ev_kind,
        )
        ev_style = style[ev_sess]
        far = ev_kind == _K["far_ts"]
        far_value = np.where(
            rng.random(n_events) < 0.5,
            _FAR_PAST_MS + rng.integers(0, 365 * DAY_MS, n_events),
            _FAR_FUTURE_MS + rng.integers(0, 365 * DAY_MS, n_events),
        )
        far_value = np.where((ev_style == 2) & (rng.random(n_events) < 0.5), reported // 1000, far_value)
        reported = np.where(far, far_value, reported)
        reported_day = reported // DAY_MS - self.epoch_day0
        flags = (
            np.where(ev_style == 2, _F["epoch_ms_ts"], 0)
            | np.where(landing > true_day, _F["late_arrival"], 0)
            | np.where(~far & (reported_day > landing), _F["clock_skew"], 0)
        )
        xprop = np.where(rng.random(n_events) < 0.03, rng.integers(1, 4, n_events), 0).astype(np.int8)
        flags |= np.where(xprop > 0, _F["extra_property_keys"], 0)
        arrival_on_time = np.minimum(ev_true + rng.integers(50, 45_000, n_events), (landing + 1) * DAY_MS + self.start_ms - 1)
        arrival = np.where(landing > true_day, self.start_ms + landing * DAY_MS + rng.integers(0, DAY_MS, n_events), arrival_on_time)
        # Current clients generate time-ordered UUIDv7 ids from their clock, older mobile ones UUIDv4.
        v4_hi, v4_lo = _uuid4_bits(_random_u64(rng, n_events), _random_u64(rng, n_events))
        v7_hi, v7_lo = _uuid7_bits(ev_true + skew[ev_sess], v4_hi, v4_lo)
        id_hi = np.where(legacy[ev_sess], v4_hi, v7_hi)
        id_lo = np.where(legacy[ev_sess], v4_lo, v7_lo)
        ev_user = user[ev_sess]
        columns = {
            "pidx": ev_page,
            "et": ev_type,
            "ts": reported,
            "style": ev_style.astype(np.int8),
            "off": offset[ev_sess].astype(np.int16),
            "msp": millis[ev_sess],
            "id_hi": id_hi,
            "id_lo": id_lo,
            "uid": ev_user,
            "uabsent": (ev_user < 0) & (rng.random(n_events) < 0.25),
            "plat": platform[ev_sess].astype(np.int8),
            "a_hi": anon_hi[ev_sess],
            "a_lo": anon_lo[ev_sess],
            "ua": ua[ev_sess].astype(np.int16),
            "dwell": dwell[ev_page],
            "chan": channel[ev_page],
            "xprop": xprop,
            "pabsent": np.isin(ev_type, (0, 2, 3)) & (rng.random(n_events) < 0.1),
            "alt": legacy[ev_sess],
            "kind": ev_kind,
            **_dirt_columns(rng, ev_kind, np.full(n_events, len(REQUIRED_FIELDS["events"]))),
            "landing": landing,
            "orig_landing": landing,
            "arrival": arrival,
            "flags": flags.astype(np.int16),
        }
        # Redeliveries of clean events: same or a later partition, within 3 days of the event's date.
        clean = np.flatnonzero(ev_kind == 0)
        n_dup = self.dirt("events", "duplicate", n_clean)
        dups = rng.choice(clean, size=min(n_dup, len(clean)), replace=False) if len(clean) else clean
        if len(dups):
            dup = _take(columns, dups)
            extra = _weighted(rng, np.array([50, 30, 15, 5.0]), len(dups))
            dup["landing"] = np.maximum(dup["landing"], np.minimum(dup["landing"] + extra, reported_day[dups] + 3))
            same = dup["landing"] == dup["orig_landing"]
            end_of_landing = self.start_ms + (dup["landing"] + 1) * DAY_MS - 1
            dup["arrival"] = np.where(
                same,
                np.minimum(dup["arrival"] + rng.integers(1_000, 600_000, len(dups)), end_of_landing),
                self.start_ms + dup["landing"] * DAY_MS + rng.integers(0, DAY_MS, len(dups)),
            )
            dup["kind"] = np.full(len(dups), _K["duplicate"], np.int8)
            columns = _concat([columns, dup])
        columns["i"] = np.arange(_n_rows(columns))
        lines = _run_sql(self.con, {"pg": pages, "ev": columns}, _EVENTS_SQL)
        pool_rows = {key: columns[key] for key in ("landing", "orig_landing", "arrival", "kind", "flags")}
        pool_rows["line"] = np.array(lines, dtype=object)
        self.event_pool.add(pool_rows)

        return {
            "n": n_sessions,
            "crawler": crawler,
            "user": user,
            "platform": platform,
            "start": start,
            "style": style,
            "offset": offset,
            "page_sess": sess,
            "page_kind": kind,
            "page_listing": listing,
            "page_ts": page_ts,
            "page_dwell": dwell,
        }

    # -- bookings -------------------------------------------------------------

    def _bookings_day(self, day: int, sessions: dict) -> None:
        if sessions["n"] == 0:
            return
        cfg = self.cfg
        rng = self.rng("bookings", day)
        listing_pages = np.flatnonzero(sessions["page_kind"] == 2)
        page_sess = sessions["page_sess"][listing_pages]
        last = listing_pages[np.r_[page_sess[1:] != page_sess[:-1], True]] if len(listing_pages) else listing_pages
        last_sess = sessions["page_sess"][last]
        candidates = last[(sessions["user"][last_sess] >= 0) & ~sessions["crawler"][last_sess]]
        expected = cfg.events_per_day * self.day_factor(day) / 150
        if len(candidates) == 0 or expected <= 0:
            return
        converting = candidates[rng.random(len(candidates)) < min(0.6, expected / len(candidates))]
        n = len(converting)
        if n == 0:
            return
        created = sessions["page_ts"][converting] + sessions["page_dwell"][converting] + rng.integers(20_000, 600_000, n)
        order = np.argsort(created, kind="stable")
        converting, created = converting[order], created[order]
        booking_id = self.next_booking_id + np.arange(n)
        self.next_booking_id += n
        guest = sessions["user"][sessions["page_sess"][converting]]
        listing = sessions["page_listing"][converting]
        nightly = self.listings.price_cents[listing - 1]
        created_day = created // DAY_MS
        checkin = created_day + 1 + np.minimum(rng.geometric(1 / 30, n) - 1, 300)
        nights = np.minimum(rng.geometric(0.3, n), 28)

        def price(nights_):
            stay = nightly * nights_
            return stay + (stay * 12) // 100 + (nightly * 35) // 100

        n_test = min(n, self.acc.take(("bookings", "test"), max(0.01 * n, 0.3)))
        test = np.zeros(n, bool)
        test[rng.choice(n, size=n_test, replace=False)] = True
        outcome = rng.random(n)
        confirmed = ~test & (outcome < 0.78)
        declined = ~test & (outcome >= 0.78) & (outcome < 0.90)
        # Hosts answer within hours, and at the latest on the morning of the check-in day.
        answer_by = checkin * DAY_MS + 11 * HOUR_MS
        t_confirm = np.minimum(created + 60_000 + rng.exponential(2 * HOUR_MS, n).astype(np.int64), answer_by)
        t_decline = np.minimum(created + 60_000 + rng.exponential(6 * HOUR_MS, n).astype(np.int64), answer_by)
        t_delete = created + rng.integers(10 * MINUTE_MS, 8 * HOUR_MS, n)  # QA cleans its test bookings up
        t_alter = t_confirm + rng.integers(HOUR_MS, 12 * DAY_MS, n)
        altered = confirmed & (rng.random(n) < 0.07) & (t_alter // DAY_MS < checkin)
        shift = np.array([-3, -2, -1, 1, 2, 3, 4, 5, 6, 7])[rng.integers(0, 10, n)]
        new_checkin = np.maximum(checkin + shift, t_alter // DAY_MS + 1)
        new_nights = np.clip(nights + rng.integers(-2, 4, n), 1, 28)
        cur_checkin = np.where(altered, new_checkin, checkin)
        cur_nights = np.where(altered, new_nights, nights)
        t_cancel = np.where(altered, t_alter, t_confirm) + rng.integers(HOUR_MS, 14 * DAY_MS, n)
        cancelled = confirmed & (rng.random(n) < 0.08) & (t_cancel // DAY_MS < cur_checkin)

        def records(mask, op, status, changed, checkin_, nights_, seq):
            index = np.flatnonzero(mask)
            return {
                "booking_id": booking_id[index],
                "seq": np.full(len(index), seq, np.int8),
                "op": np.full(len(index), op, np.int8),
                "status": np.full(len(index), status, np.int8),
                "changed_ms": changed[index],
                "listing_id": listing[index],
                "guest_id": guest[index],
                "checkin": checkin_[index],
                "checkout": checkin_[index] + nights_[index],
                "price": price(nights_)[index],
            }

        everyone = np.ones(n, bool)
        rows = _concat(
            [
                records(everyone, _OP_C, 0, created, checkin, nights, 0),
                records(confirmed, _OP_U, 1, t_confirm, checkin, nights, 1),
                records(declined, _OP_U, 2, t_decline, checkin, nights, 1),
                records(altered, _OP_U, 1, t_alter, new_checkin, new_nights, 2),
                records(cancelled, _OP_U, 2, t_cancel, cur_checkin, cur_nights, 3),
                records(test, _OP_D, 0, t_delete, checkin, nights, 1),
            ]
        )
        rows = _take(rows, np.lexsort((rows["seq"], rows["booking_id"])))
        changed_day = rows["changed_ms"] // DAY_MS - self.epoch_day0
        landing = changed_day + self.next_day_landing(rng, "bookings", len(changed_day))
        # A booking's changes never land before its earlier ones: change_id follows landing order.
        group = np.cumsum(np.r_[True, rows["booking_id"][1:] != rows["booking_id"][:-1]])
        span = int(landing.max() - landing.min() + 1) if len(landing) else 1
        key = group * span + (landing - landing.min())
        landing = np.maximum.accumulate(key) - group * span + landing.min()
        rows["landing"] = landing
        rows["flags"] = np.where(landing > changed_day, _F["next_day_landing"], 0).astype(np.int16)
        self.booking_pool.add(rows)

    def bookings_partition(self, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        rows = self.booking_pool.take(day)
        if rows is None:
            return [], np.zeros(0, np.int8), np.zeros(0, np.int16)
        rows = _take(rows, np.lexsort((rows["seq"], rows["booking_id"], rows["changed_ms"])))
        rng = self.rng("bookings", day, 1)
        n = _n_rows(rows)
        rows["change_id"] = self._change_ids("bookings", rng, n)
        kind = np.zeros(n, np.int8)
        is_delete = rows["op"] == _OP_D
        _mark_dirty(
            rng,
            [(name, self.dirt("bookings", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
            np.arange(n),
            kind,
        )
        _mark_dirty(rng, [("non_numeric_price", self.dirt("bookings", "non_numeric_price", int((~is_delete).sum())))], np.flatnonzero((kind == 0) & ~is_delete), kind)
        n_fields = np.where(is_delete, CDC_DELETE_FIELDS, len(REQUIRED_FIELDS["bookings"]))
        rows.update(_dirt_columns(rng, kind, n_fields))
        rows["kind"] = kind
        rows["ts_style"] = np.where(rng.random(n) < 0.7, 1, 0).astype(np.int8)  # +00:00, else Z
        rows["bad_price"] = rng.integers(0, 3, n).astype(np.int8)
        rows["i"] = np.arange(n)
        return _run_sql(self.con, {"bk": rows}, _BOOKINGS_SQL), kind, rows["flags"]

    def _change_ids(self, source: str, rng, n: int) -> np.ndarray:
        gaps = 1 + np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), 0)
        ids = self.last_change_id[source] + np.cumsum(gaps)
        if n:
            self.last_change_id[source] = int(ids[-1])
        return ids

    # -- users and listings partitions -----------------------------------------

    def users_partition(self, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        rows = self.users.partition_rows()
        n = _n_rows(rows)
        rng = self.rng("users", day, 2)
        rows["change_id"] = self._change_ids("users", rng, n)
        kind = np.zeros(n, np.int8)
        _mark_dirty(
            rng,
            [(name, self.dirt("users", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
            np.arange(n),
            kind,
        )
        is_delete = rows["op"] == _OP_D
        rows.update(_dirt_columns(rng, kind, np.where(is_delete, CDC_DELETE_FIELDS, len(REQUIRED_FIELDS["users"]))))
        # Which timestamp is unparseable: changed_at, or signup_at (not on deletes).
        rows["bad_field"] = np.where(~is_delete & (rng.random(n) < 0.3), 2, 1).astype(np.int8)
        rows["kind"] = kind
        rows["i"] = np.arange(n)
        flags = (
            np.where(rows["late"], _F["next_day_landing"], 0)
            | np.where(~is_delete & (rows["country"] >= 0) & rows["country_lower"], _F["country_lower_case"], 0)
            | np.where(~is_delete & (rows["country"] < 0), _F["country_null"], 0)
        ).astype(np.int16)
        return _run_sql(self.con, {"us": rows}, _USERS_SQL), kind, flags

    def listings_partition(self, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        listings = self.listings
        n = listings.count
        rng = self.rng("listings", day, 2)
        index = np.arange(n)
        rows = {
            "listing_id": index + 1,
            "host_id": listings.host[:n],
            "market": listings.market[:n],
            "room": listings.room[:n],
            "capacity": listings.capacity[:n],
            "price": listings.price_cents[:n],
            "created_ms": listings.created_ms[:n],
            "created_style": listings.created_style[:n],
            "active": listings.active[:n],
        }
        market_text = np.where(rng.random(n) < 0.08, rng.integers(1, len(_MARKET_TEXTS[0]), n), 0).astype(np.int8)
        kind = np.zeros(n, np.int8)
        _mark_dirty(
            rng,
            [(name, self.dirt("listings", name, n)) for name in ("invalid_json", "missing_required", "capacity_out_of_range", "non_numeric_price")],
            index,
            kind,
        )
        rows.update(_dirt_columns(rng, kind, np.full(n, len(REQUIRED_FIELDS["listings"]))))
        bad_capacity = np.choose(rng.integers(0, 4, n), [np.full(n, -999), np.zeros(n, np.int64), -rng.integers(1, 4, n), rng.integers(17, 41, n)])
        rows["capacity"] = np.where(kind == _K["capacity_out_of_range"], bad_capacity, rows["capacity"])
        rows["market_text"] = market_text
        rows["bad_price"] = rng.integers(0, 3, n).astype(np.int8)
        rows["kind"] = kind
        rows["i"] = index
        flags = (
            np.where(market_text > 0, _F["dirty_market_text"], 0)
            | np.where(rows["room"] == _TREEHOUSE, _F["new_room_type"], 0)
            | np.where(rows["market"] == _NEW_MARKET, _F["new_market"], 0)
        ).astype(np.int16)
        return _run_sql(self.con, {"ls": rows}, _LISTINGS_SQL), kind, flags

    # -- assignments ------------------------------------------------------------

    def _assignments_day(self, day: int, sessions: dict) -> None:
        if sessions["n"] == 0:
            return
        rng = self.rng("assignments", day)
        visits = np.flatnonzero((sessions["user"] >= 0) & ~sessions["crawler"])
        chunks = []
        for experiment, (_, variants, platforms, first_day, probability) in enumerate(EXPERIMENTS):
            exposed = visits[np.isin(sessions["platform"][visits], platforms) & (rng.random(len(visits)) < probability)]
            if day < first_day:
                exposed = exposed[:0]
            at = sessions["start"][exposed] + rng.integers(500, 30_000, len(exposed))
            again = rng.random(len(exposed)) < 0.2
            user = sessions["user"][exposed]
            variant = (_hash64(self.cfg.seed, 21, experiment, user) % _U64(len(variants))).astype(np.int8)
            for index, times, flag in ((np.arange(len(exposed)), at, 0), (np.flatnonzero(again), at + rng.integers(MINUTE_MS, 15 * MINUTE_MS, len(exposed)), _F["re_exposure"])):
                visit = exposed[index]
                chunks.append(
                    {
                        "exp": np.full(len(index), experiment, np.int8),
                        "variant": variant[index],
                        "user_id": user[index],
                        "platform": sessions["platform"][visit].astype(np.int8),
                        "assigned_ms": times[index],
                        "style": np.where(sessions["style"][visit] == 1, 1, 0).astype(np.int8),
                        "off": sessions["offset"][visit].astype(np.int16),
                        "flags": np.full(len(index), flag, np.int16),
                    }
                )
        rows = _concat(chunks)
        n = _n_rows(rows)
        if n == 0:
            return
        rows = _take(rows, np.argsort(rows["assigned_ms"], kind="stable"))
        kind = np.zeros(n, np.int8)
        _mark_dirty(
            rng,
            [("contaminated", self.dirt("assignments", "contaminated", n // 5))]
            + [(name, self.dirt("assignments", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
            np.arange(n),
            kind,
        )
        contaminated = np.flatnonzero(kind == _K["contaminated"])
        n_variants = np.array([len(variants) for _, variants, *_ in EXPERIMENTS])[rows["exp"][contaminated]]
        rows["variant"][contaminated] = (rows["variant"][contaminated] + 1 + rng.integers(0, 10, len(contaminated)) % (n_variants - 1)) % n_variants
        rows.update(_dirt_columns(rng, kind, np.full(n, len(REQUIRED_FIELDS["assignments"]))))
        rows["kind"] = kind
        rows["landing"] = rows["assigned_ms"] // DAY_MS - self.epoch_day0
        rows["orig_landing"] = rows["landing"].copy()
        rows["arrival"] = rows["assigned_ms"] + rng.integers(100, 5_000, n)
        clean = np.flatnonzero((kind == 0) | (kind == _K["contaminated"]))
        dups = rng.choice(clean, size=min(self.dirt("assignments", "duplicate", n), len(clean)), replace=False)
        if len(dups):
            dup = _take(rows, dups)
            next_day = rng.random(len(dups)) < 0.4
            dup["landing"] = dup["landing"] + next_day
            end_of_day = self.start_ms + (dup["landing"] + 1) * DAY_MS - 1
            dup["arrival"] = np.where(
                next_day,
                self.start_ms + dup["landing"] * DAY_MS + rng.integers(0, DAY_MS, len(dups)),
                np.minimum(dup["arrival"] + rng.integers(1_000, 30 * MINUTE_MS, len(dups)), end_of_day),
            )
            dup["kind"] = np.full(len(dups), _K["duplicate"], np.int8)
            rows = _concat([rows, dup])
        self.assignment_pool.add(rows)

    def assignments_partition(self, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        rows = self.assignment_pool.take(day)
        return self._pooled_partition(rows, "assignments", _ASSIGNMENTS_SQL, "asg")

    def events_partition(self, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
        rows = self.event_pool.take(day)
        return self._pooled_partition(rows, "events", None, None)

    def _pooled_partition(self, rows, source, sql, table):
        if rows is None:
            return [], np.zeros(0, np.int8), np.zeros(0, np.int16)
        # A redelivery of a line whose partition upstream lost (an empty partition) is lost too.
        lost = np.isin(rows["orig_landing"], [day for (name, day) in self.cfg.empty if name == source])
        rows = _take(rows, np.flatnonzero(~lost))
        rows = _take(rows, np.argsort(rows["arrival"], kind="stable"))
        if sql is None:
            lines = rows["line"].tolist()
        else:
            rows["i"] = np.arange(_n_rows(rows))
            lines = _run_sql(self.con, {table: rows}, sql) if _n_rows(rows) else []
        return lines, rows["kind"], rows["flags"]


# ---------------------------------------------------------------------------
# The SQL that writes each source's lines
# ---------------------------------------------------------------------------

_DQ = "'\"'"  # the SQL literal holding one double quote


def _quoted(sql: str) -> str:
    """A JSON string from SQL text that needs no escaping (identifiers, codes, dates)."""
    return f"{_DQ} || {sql} || {_DQ}"


def _cdc_ts_sql(ms: str, style: str, off: str, bad_when: str) -> str:
    """A required timestamp: ISO-8601 with Z or an offset, or unparseable on dirty rows."""
    return (
        f"case when kind = {_K['unparseable_ts']} and {bad_when} then {_unparseable_sql(ms, off, 'bad')}"
        f" else {_quoted(_iso_sql(ms, style, off, 'true'))} end"
    )


_URL_PARAMS = f"""[
    case when qsrc > 0 then 'source=' || {_sql_list(LISTING_SOURCES)}[qsrc] end,
    case when adults > 0 then 'adults=' || adults::varchar end,
    case when checkin > 0 then 'checkin=' || {_date_sql('checkin')} end,
    case when checkin > 0 then 'checkout=' || {_date_sql('checkin + nights')} end,
    case qtext when 1 then 'q=' || replace(market_name, ' ', '%20') when 2 then 'q=' || replace(lower(market_name), ' ', '+') end,
    case when utm then 'utm_source=' || {_sql_list(UTM_SOURCES)}[utm_s + 1] end,
    case when utm then 'utm_medium=' || {_sql_list(UTM_MEDIUMS)}[utm_m + 1] end,
    case when utm then 'utm_campaign=' || {_sql_list(UTM_CAMPAIGNS)}[utm_c + 1] end
]"""

_UUID_SQL = "printf('%08x-%04x-%04x-%04x-%012x', {hi} >> 32, ({hi} >> 16) & 65535, {hi} & 65535, {lo} >> 48, {lo} & 281474976710655)"

_EVENT_FIELDS = {
    "f_id": _field_sql(1, "event_id", _quoted(_UUID_SQL.format(hi="id_hi", lo="id_lo"))),
    "f_ts": _field_sql(
        2,
        "event_ts",
        f"case when kind = {_K['unparseable_ts']} then {_unparseable_sql('ts', 'off', 'bad')}"
        f" when style = 2 then ts::varchar else {_quoted(_iso_sql('ts', 'style', 'off', 'msp'))} end",
    ),
    "f_type": _field_sql(3, "event_type", _quoted(f"{_sql_list(_ALL_EVENT_TYPES)}[et + 1]")),
    "f_user": """case when uid >= 0 then '"user_id": ' || uid::varchar when uabsent then null else '"user_id": null' end""",
    "f_anon": _field_sql(4, "anonymous_id", _quoted("case plat when 2 then printf('%016x', a_hi) when 1 then upper(anon_uuid) else anon_uuid end")),
    "f_platform": _field_sql(5, "platform", _quoted(f"{_sql_list(PLATFORMS)}[plat + 1]")),
    "f_url": _field_sql(6, "url", "to_json(p.url)"),
    "f_referrer": """case when p.referrer_absent then null else '"referrer": ' || coalesce(to_json(p.referrer), 'null') end""",
    "f_ua": f"""case when ua = -2 then null when ua = -1 then '"user_agent": null' else '"user_agent": ' || to_json({_sql_list(USER_AGENTS)}[ua + 1]) end""",
    "f_properties": (
        """case when pabsent then null else '"properties": {' || concat_ws(', ', """
        f"""case et when 1 then '"dwell_ms": ' || dwell::varchar when 4 then '"channel": "' || {_sql_list(SHARE_CHANNELS)}[chan + 1] || '"' end, """
        """case xprop when 1 then '"client_version": "5.14.0"' when 2 then '"ab_bucket": ' || (id_lo % 100)::varchar when 3 then '"source": "push"' end"""
        """) || '}' end"""
    ),
}
_EVENT_ORDER = ["f_id", "f_ts", "f_type", "f_user", "f_anon", "f_platform", "f_url", "f_referrer", "f_ua", "f_properties"]
# Older mobile clients write the same keys in another order.
_EVENT_ORDER_LEGACY = ["f_type", "f_id", "f_ts", "f_platform", "f_anon", "f_user", "f_url", "f_referrer", "f_properties", "f_ua"]

_EVENTS_SQL = f"""
with pages as (
    select
        *,
        {_sql_list(_MARKET_SLUGS)}[mkt + 1] as slug,
        {_sql_list(MARKETS)}[mkt + 1] as market_name,
        lid::varchar as lid_text,
        case when trail then '/' else '' end as slash
    from pg
),

page_parts as (
    select
        *,
        list_filter(list_concat(params[rot + 1:], params[1:rot]), lambda x: x is not null) as rotated
    from (select *, {_URL_PARAMS} as params from pages)
),

page_urls as (
    select
        pidx,
        sess,
        seq,
        ref,
        {_sql_list(URL_HOSTS)}[host + 1]
        || case kind
            when 0 then slash
            when 1 then '/s/' || case enc
                when 1 then replace(slug, '-', '%2D')
                when 2 then replace(slug, '-', '%2d')
                when 3 then printf('%%%02X', ascii(left(slug, 1))) || substr(slug, 2)
                when 4 then 's%C3%A3o-paulo'
                else slug end || slash
            when 2 then '/rooms/' || case when enc = 1 then '%3' || left(lid_text, 1) || substr(lid_text, 2) else lid_text end
                || {_sql_list(ROOM_SUBPATHS)}[sub + 1] || slash
            else {_sql_list(OTHER_PAGES)}[other + 1] || slash
        end
        || case when len(rotated) > 0 then '?' || array_to_string(case when rev then list_reverse(rotated) else rotated end, '&') else '' end
        || {_sql_list(URL_FRAGMENTS)}[frag + 1] as url
    from page_parts
),

page_refs as (
    select
        pidx,
        url,
        ref = -2 as referrer_absent,
        case
            when ref = -3 then lag(url) over (partition by sess order by seq)
            when ref >= 0 then {_sql_list(EXTERNAL_REFERRERS)}[ref + 1]
        end as referrer
    from page_urls
),

fragments as (
    select
        e.i,
        e.kind,
        e.inv,
        e.cut,
        e.alt,
        {", ".join(f"{sql} as {name}" for name, sql in _EVENT_FIELDS.items())}
    from (select *, {_UUID_SQL.format(hi="a_hi", lo="a_lo")} as anon_uuid from ev) as e
    inner join page_refs as p on e.pidx = p.pidx
),

full_lines as (
    select
        *,
        case when alt then {_json_object_sql(_EVENT_ORDER_LEGACY)} else {_json_object_sql(_EVENT_ORDER)} end as full_line
    from fragments
)

select {_invalid_line_sql('full_line')} as line
from full_lines
order by i
"""


def _unless_delete(sql: str) -> str:
    """A field that a delete row (op = d) does not carry."""
    return f"case when op <> {_OP_D} then {sql} end"


def _bookings_price_sql() -> str:
    price = _price_sql("price")
    bad = f"case bad_price when 0 then 'N/A' when 1 then replace({price}, '.', ',') else 'USD ' || {price} end"
    return f"to_json(case when kind = {_K['non_numeric_price']} then {bad} else {price} end)"


_BOOKING_FIELDS = [
    _field_sql(1, "change_id", "change_id::varchar"),
    _field_sql(2, "op", _quoted(f"{_sql_list(BOOKING_OPS)}[op + 1]")),
    _field_sql(3, "changed_at", _cdc_ts_sql("changed_ms", "ts_style", "0", "true")),
    _field_sql(4, "booking_id", "booking_id::varchar"),
    _unless_delete(_field_sql(5, "listing_id", "listing_id::varchar")),
    _unless_delete(_field_sql(6, "guest_id", "guest_id::varchar")),
    _unless_delete(_field_sql(7, "status", _quoted(f"{_sql_list(BOOKING_STATUSES)}[status + 1]"))),
    _unless_delete(_field_sql(8, "checkin", _quoted(_date_sql("checkin")))),
    _unless_delete(_field_sql(9, "checkout", _quoted(_date_sql("checkout")))),
    _unless_delete(_field_sql(10, "price_usd", _bookings_price_sql())),
]

_BOOKINGS_SQL = f"""
with fields as (
    select
        *,
        {_json_object_sql(_BOOKING_FIELDS)} as full_line
    from bk
)

select {_invalid_line_sql('full_line')} as line
from fields
order by i
"""

_EMAIL_SQL = """case email_style
    when 0 then fn || '.' || ln
    when 1 then fn || ln
    when 2 then fn || '_' || ln
    when 3 then left(fn, 1) || '.' || ln
    else ln || '.' || fn
end || user_id::varchar || '@' || dom"""

_USER_FIELDS = [
    _field_sql(1, "change_id", "change_id::varchar"),
    _field_sql(2, "op", _quoted(f"{_sql_list(BOOKING_OPS)}[op + 1]")),
    _field_sql(3, "changed_at", _cdc_ts_sql("changed_ms", "0", "0", "bad_field = 1")),
    _field_sql(4, "user_id", "user_id::varchar"),
    _unless_delete("""'"email": ' || to_json(email)"""),
    _unless_delete(
        """'"country": ' || case when country < 0 then 'null' else """
        + _quoted(f"case when country_lower then lower({_sql_list(COUNTRIES)}[country + 1]) else {_sql_list(COUNTRIES)}[country + 1] end")
        + " end"
    ),
    _unless_delete(_field_sql(5, "signup_at", _cdc_ts_sql("signup_ms", "0", "0", "bad_field = 2"))),
    _unless_delete(_field_sql(6, "status", _quoted(f"{_sql_list(USER_STATUSES)}[status + 1]"))),
]

_USERS_SQL = f"""
with names as (
    select
        *,
        case when email_caps then upper(left(fn_lower, 1)) || substr(fn_lower, 2) else fn_lower end as fn,
        case when email_caps then upper(left(ln_lower, 1)) || substr(ln_lower, 2) else ln_lower end as ln,
        case when email_caps then upper(left(dom_lower, 1)) || substr(dom_lower, 2) else dom_lower end as dom
    from (
        select
            *,
            {_sql_list(FIRST_NAMES)}[first + 1] as fn_lower,
            {_sql_list(LAST_NAMES)}[last + 1] as ln_lower,
            {_sql_list(EMAIL_DOMAINS)}[email_domain + 1] as dom_lower
        from us
    )
),

fields as (
    select
        *,
        {_json_object_sql(_USER_FIELDS)} as full_line
    from (select *, {_EMAIL_SQL} as email from names)
)

select {_invalid_line_sql('full_line')} as line
from fields
order by i
"""


def _listings_price_sql() -> str:
    price = _price_sql("price")
    bad = f"case bad_price when 0 then 'N/A' when 1 then replace({price}, '.', ',') else '' end"
    return f"to_json(case when kind = {_K['non_numeric_price']} then {bad} else {price} end)"


_LISTING_FIELDS = [
    _field_sql(1, "listing_id", "listing_id::varchar"),
    _field_sql(2, "host_id", "host_id::varchar"),
    _field_sql(3, "market", f"to_json({_sql_nested_list(_MARKET_TEXTS)}[market + 1][market_text + 1])"),
    _field_sql(4, "room_type", _quoted(f"{_sql_list(ROOM_TYPES)}[room + 1]")),
    """'"capacity": ' || case when capacity = -999 then 'null' else capacity::varchar end""",
    """'"nightly_price_usd": ' || """ + _listings_price_sql(),
    """'"created_at": ' || """ + _quoted(_iso_sql("created_ms", "created_style", "0", "false")),
    _field_sql(5, "is_active", "active::varchar"),
]

_LISTINGS_SQL = f"""
with fields as (
    select
        *,
        {_json_object_sql(_LISTING_FIELDS)} as full_line
    from ls
)

select {_invalid_line_sql('full_line')} as line
from fields
order by i
"""

_ASSIGNMENT_FIELDS = [
    _field_sql(1, "experiment_key", _quoted(f"{_sql_list([key for key, *_ in EXPERIMENTS])}[exp + 1]")),
    _field_sql(2, "variant", _quoted(f"{_sql_nested_list([variants for _, variants, *_ in EXPERIMENTS])}[exp + 1][variant + 1]")),
    _field_sql(3, "user_id", "user_id::varchar"),
    _field_sql(4, "assigned_at", _cdc_ts_sql("assigned_ms", "style", "off", "true")),
    _field_sql(5, "platform", _quoted(f"{_sql_list(PLATFORMS)}[platform + 1]")),
]

_ASSIGNMENTS_SQL = f"""
with fields as (
    select
        *,
        {_json_object_sql(_ASSIGNMENT_FIELDS)} as full_line
    from asg
)

select {_invalid_line_sql('full_line')} as line
from fields
order by i
"""

# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

_DS_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_partition(raw_root, source: str, ds: str, lines: list[str], success: bool = True, part: int = 0) -> Path:
    """Writes already-serialised lines as <raw_root>/<source>/ds=<ds>/part-<NNNNN>.jsonl.gz
    (gzip, mtime 0, UTF-8, every line terminated by a newline), then an empty _SUCCESS
    when `success`. No lines: no part file (an empty day), the folder and _SUCCESS only.
    Returns the partition folder."""
    if not source or "/" in source or source.startswith("."):
        raise ValueError(f"write_partition: bad source name {source!r}")
    ds = str(ds)
    if not _DS_PATTERN.match(ds):
        raise ValueError(f"write_partition: ds {ds!r} is not YYYY-MM-DD")
    folder = Path(raw_root) / source / f"ds={ds}"
    folder.mkdir(parents=True, exist_ok=True)
    if lines:
        text = "\n".join(lines) + "\n"
        if text.count("\n") != len(lines) or "\r" in text:
            raise ValueError(f"write_partition: a line of {source} ds={ds} holds a line break (\\n or \\r)")
        data = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
        (folder / f"part-{part:05d}.jsonl.gz").write_bytes(data)
    if success:
        (folder / "_SUCCESS").write_bytes(b"")
    return folder


def _write_parts(raw_root, source: str, ds: str, lines: list[str], parts: int, success: bool) -> None:
    """Writes a partition in up to `parts` part files, then _SUCCESS when `success`."""
    folder = Path(raw_root) / source / f"ds={ds}"
    n_parts = max(1, min(parts, len(lines)))
    bounds = np.linspace(0, len(lines), n_parts + 1).astype(int)
    for part in range(n_parts):
        chunk = lines[bounds[part]:bounds[part + 1]]
        if chunk or part == 0:
            write_partition(raw_root, source, ds, chunk, success=False, part=part)
    if success:
        (folder / "_SUCCESS").write_bytes(b"")


def count_lines(raw_root) -> dict[str, dict[str, int]]:
    """{source: {ds: lines}} over every part file of every complete partition (one with
    _SUCCESS), counting what a line reader sees, without parsing anything. A complete
    partition without part files counts 0."""
    counts: dict[str, dict[str, int]] = {}
    root = Path(raw_root)
    if not root.is_dir():
        return counts
    for source_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        for folder in sorted(source_dir.glob("ds=*")):
            ds = folder.name[3:]
            if not _DS_PATTERN.match(ds) or not (folder / "_SUCCESS").exists():
                continue
            total = 0
            for part in sorted(folder.glob("*.jsonl.gz")):
                with gzip.open(part, "rb") as handle:
                    data = handle.read()
                total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            counts.setdefault(source_dir.name, {})[ds] = total
    return counts


# ---------------------------------------------------------------------------
# The public entry points
# ---------------------------------------------------------------------------


def _parse_date(value, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        if not _DS_PATTERN.match(str(value)):
            raise ValueError
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{what}: {value!r} is not a date YYYY-MM-DD") from None


def _existing_sources(raw_root: Path) -> list[str]:
    return [source for source in SOURCES if (raw_root / source).exists()]


def generate(
    raw_root,
    start_ds: str = DEFAULT_START_DS,
    days: int = DEFAULT_DAYS,
    users: int = DEFAULT_USERS,
    listings: int = DEFAULT_LISTINGS,
    events_per_day: int = DEFAULT_EVENTS_PER_DAY,
    dirty_rate: float = DEFAULT_DIRTY_RATE,
    seed: int = DEFAULT_SEED,
    in_progress_days: int = DEFAULT_IN_PROGRESS_DAYS,
    empty_partitions=None,
    parts_per_partition: int = DEFAULT_PARTS_PER_PARTITION,
    overwrite: bool = False,
) -> dict:
    """Writes a landing zone under raw_root and returns
    {source: {ds: {"lines": n, "complete": bool}}, "injected": {source: {kind: lines}}}.

    Complete partitions cover start_ds .. start_ds + days - 1 for every source; events
    also get in_progress_days more partitions without _SUCCESS. empty_partitions is a list
    of (source, ds) written with _SUCCESS only (None: assignments on day days // 2; []:
    none). "injected" counts the lines of each dirty kind (and informational flag) that
    landed in complete partitions. Raises FileExistsError when raw_root already holds a
    source folder and overwrite is false, ValueError on bad arguments."""
    start = _parse_date(start_ds, "start_ds")
    checks = [
        (days >= 1, "days must be at least 1"),
        (users >= 10, "users must be at least 10"),
        (listings >= 5, "listings must be at least 5"),
        (events_per_day >= 0, "events_per_day must be 0 or more"),
        (0 <= dirty_rate <= 0.2, "dirty_rate must be between 0 and 0.2"),
        (seed >= 0, "seed must be 0 or more"),
        (in_progress_days >= 0, "in_progress_days must be 0 or more"),
        (parts_per_partition >= 1, "parts_per_partition must be at least 1"),
    ]
    for ok, message in checks:
        if not ok:
            raise ValueError(message)
    if empty_partitions is None:
        empty_partitions = [("assignments", start + dt.timedelta(days=days // 2))]
    empty = set()
    for source, ds in empty_partitions:
        if source not in SOURCES:
            raise ValueError(f"empty partition: unknown source {source!r} (one of {', '.join(SOURCES)})")
        day = (_parse_date(ds, "empty partition") - start).days
        if not 0 <= day < days:
            raise ValueError(f"empty partition {source}={ds} is outside the complete days {start} .. {start + dt.timedelta(days=days - 1)}")
        empty.add((source, day))

    raw_root = Path(raw_root)
    existing = _existing_sources(raw_root)
    if existing and not overwrite:
        raise FileExistsError(
            f"{raw_root} already holds landing data ({', '.join(existing)}); pass --overwrite (overwrite=True) to replace it"
        )
    for source in existing:
        shutil.rmtree(raw_root / source)
    raw_root.mkdir(parents=True, exist_ok=True)

    cfg = _Config(start, days, users, listings, events_per_day, dirty_rate, seed, in_progress_days, parts_per_partition, frozenset(empty))
    world = _World(cfg)
    summary: dict = {source: {} for source in SOURCES}
    injected = {source: {name: 0 for name in SOURCE_KINDS[source] + SOURCE_FLAGS[source]} for source in SOURCES}
    partitions = {
        "events": world.events_partition,
        "bookings": world.bookings_partition,
        "listings": world.listings_partition,
        "users": world.users_partition,
        "assignments": world.assignments_partition,
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = []
        for day in range(days + in_progress_days):
            world.step(day)
            ds = (start + dt.timedelta(days=day)).isoformat()
            for source in SOURCES:
                if day >= days and source != "events":
                    continue
                lines, kinds, flags = partitions[source](day)
                complete = day < days
                if (source, day) in empty:
                    lines, kinds, flags = [], kinds[:0], flags[:0]
                if complete:
                    counts = np.bincount(kinds, minlength=len(KINDS))
                    for name in SOURCE_KINDS[source]:
                        injected[source][name] += int(counts[_K[name]])
                    for name in SOURCE_FLAGS[source]:
                        injected[source][name] += int(((flags & _F[name]) != 0).sum())
                parts = parts_per_partition if source == "events" else 1
                summary[source][ds] = {"lines": len(lines), "complete": complete}
                futures.append(pool.submit(_write_parts, raw_root, source, ds, lines, parts, complete))
        for future in futures:
            future.result()
    world.con.close()
    for source in SOURCES:
        injected[source]["empty_partition"] = sum(1 for name, _ in empty if name == source)
    injected["events"]["in_progress_partition"] = in_progress_days
    summary["injected"] = injected
    return summary


def _summary_table(summary: dict, raw_root, seconds: float) -> str:
    header = f"{'source':<12} {'partitions':>10} {'complete':>9} {'empty':>6} {'in progress':>12} {'lines':>12} {'bytes':>14}"
    rows = [header, "-" * len(header)]
    totals = [0, 0, 0, 0, 0, 0]
    for source in SOURCES:
        per_ds = summary[source]
        values = [
            len(per_ds),
            sum(1 for info in per_ds.values() if info["complete"]),
            sum(1 for info in per_ds.values() if info["complete"] and info["lines"] == 0),
            sum(1 for info in per_ds.values() if not info["complete"]),
            sum(info["lines"] for info in per_ds.values()),
            sum(path.stat().st_size for path in (Path(raw_root) / source).glob("ds=*/*.jsonl.gz")),
        ]
        totals = [total + value for total, value in zip(totals, values)]
        rows.append(f"{source:<12} {values[0]:>10,} {values[1]:>9,} {values[2]:>6,} {values[3]:>12,} {values[4]:>12,} {values[5]:>14,}")
    rows.append("-" * len(header))
    rows.append(f"{'total':<12} {totals[0]:>10,} {totals[1]:>9,} {totals[2]:>6,} {totals[3]:>12,} {totals[4]:>12,} {totals[5]:>14,}")
    rows.append(f"Wrote {raw_root} in {seconds:.1f} s.")
    return "\n".join(rows)


def _empty_partition_arg(value: str):
    if value.strip().lower() == "none":
        return None
    source, sep, ds = value.partition("=")
    if not sep or source not in SOURCES or not _DS_PATTERN.match(ds):
        raise argparse.ArgumentTypeError(f"expected SOURCE=YYYY-MM-DD with SOURCE one of {', '.join(SOURCES)}, or none: {value!r}")
    return source, ds


def parse_args(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="generate_landing_zone",
        description="Write a sample landing zone (events, bookings, listings, users, assignments) with dirty data, as the upstream contract lays it out.",
    )
    parser.add_argument("--raw-root", type=Path, default=Path(os.environ.get("WAREHOUSE_RAW_ROOT") or DEFAULT_RAW_ROOT),
                        help="landing zone root (default: $WAREHOUSE_RAW_ROOT, else data/raw)")
    parser.add_argument("--start-ds", default=DEFAULT_START_DS, help="first ds, YYYY-MM-DD (default %(default)s)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="complete partitions per source (default %(default)s)")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="users existing after 60 days (default %(default)s)")
    parser.add_argument("--listings", type=int, default=DEFAULT_LISTINGS, help="listings existing after 60 days (default %(default)s)")
    parser.add_argument("--events-per-day", type=int, default=DEFAULT_EVENTS_PER_DAY, help="clean events per day, about (default %(default)s)")
    parser.add_argument("--dirty-rate", type=float, default=DEFAULT_DIRTY_RATE, help="rate of each dirty kind where it applies (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--in-progress-days", type=int, default=DEFAULT_IN_PROGRESS_DAYS,
                        help="events partitions after the last complete day, written without _SUCCESS (default %(default)s)")
    parser.add_argument("--empty-partition", action="append", type=_empty_partition_arg, metavar="SOURCE=YYYY-MM-DD",
                        help="write this partition with _SUCCESS only (repeatable; default assignments at start-ds + days // 2; 'none' for no empty partition)")
    parser.add_argument("--parts-per-partition", type=int, default=DEFAULT_PARTS_PER_PARTITION,
                        help="part files per events partition (default %(default)s; other sources one)")
    parser.add_argument("--overwrite", action="store_true", help="remove the source folders under --raw-root first")
    return parser, parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parser, args = parse_args(argv)
    if args.empty_partition is None:
        empty = None
    else:
        empty = [value for value in args.empty_partition if value is not None]
    started = time.monotonic()
    try:
        summary = generate(
            args.raw_root,
            start_ds=args.start_ds,
            days=args.days,
            users=args.users,
            listings=args.listings,
            events_per_day=args.events_per_day,
            dirty_rate=args.dirty_rate,
            seed=args.seed,
            in_progress_days=args.in_progress_days,
            empty_partitions=empty,
            parts_per_partition=args.parts_per_partition,
            overwrite=args.overwrite,
        )
    except (ValueError, FileExistsError) as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    print(_summary_table(summary, args.raw_root, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
