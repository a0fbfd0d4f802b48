"""Writes a sample landing zone exactly as the upstream contract lays it out
(../shared/raw-data-spec.md), with every kind of dirty data it lists.

    stayhub generate --raw-root data/raw --days 60 --seed 7 --overwrite
    python -m stayhub.generate --help

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

Experiments are pure exposure logs unless an effect is injected, to test an
experiment analysis against a known answer (repeatable):

    stayhub generate --experiment-effect search_ranking_v2:treatment=0.3

A user's variant is a hash of (seed, experiment, user). From the day after a
user's first exposure to KEY (exposures are drawn after the day's visits), the
logged-in visits of users whose variant is VARIANT (not control) view (1 + LIFT)
times as many pages, hence page_view events, rounded up or down at random, at
least one; LIFT > -1, and lifts of several experiments multiply. Everything the
pages lead to (listing views, bookings) follows. Without the option, or with
lifts of 0, the bytes are those of a run without it.

Dirty data, each kind at about --dirty-rate of the rows where it applies
(at least one every few days in tiny samples), is listed in KINDS; generate()
returns how many lines of each kind landed in complete partitions.

Where things are:

    cli.py          parse_args, main: the command line and its summary table
    world.py        generate(): the day loop; World, the state the sources share
    users.py        the users table and its change log
    listings.py     the listings table and its daily snapshot
    visits.py       sessions and the pages they view (what events, bookings, assignments come from)
    events.py       the event lines of the visits
    bookings.py     bookings and their lifecycle, as a change log
    assignments.py  experiment exposures
    contract.py     sources, dirty kinds and flags, required fields, defaults
    reference.py    the marketplace's reference data (markets, countries, user agents, ...)
    dirt.py         which rows get which dirty kind, and how
    sql.py          the SQL fragments that write numpy columns as JSON lines
    draws.py        seeded generators, weighted draws, hashes and UUID bits
    columns.py      rows as dicts of numpy columns, and the pool of rows waiting to land
    files.py        write_partition, count_lines: the files of the landing zone
"""

from .cli import main, parse_args
from .contract import (
    CDC_DELETE_FIELDS,
    DEFAULT_DAYS,
    DEFAULT_DIRTY_RATE,
    DEFAULT_EVENTS_PER_DAY,
    DEFAULT_IN_PROGRESS_DAYS,
    DEFAULT_LISTINGS,
    DEFAULT_PARTS_PER_PARTITION,
    DEFAULT_RAW_ROOT,
    DEFAULT_SEED,
    DEFAULT_START_DS,
    DEFAULT_USERS,
    FLAGS,
    KINDS,
    REQUIRED_FIELDS,
    SOURCE_FLAGS,
    SOURCE_KINDS,
    SOURCES,
)
from .files import count_lines, write_partition
from .reference import (
    COUNTRIES,
    CRAWLER_USER_AGENTS,
    EVENT_TYPES,
    EXPERIMENTS,
    MARKET_SLUGS,
    MARKETS,
    PLATFORMS,
    ROOM_TYPES,
    SHARE_CHANNELS,
    UNKNOWN_EVENT_TYPES,
    USER_AGENTS,
)
from .world import generate

_MARKET_SLUGS = MARKET_SLUGS  # the name the generator's tests know it by

__all__ = [
    "CDC_DELETE_FIELDS",
    "COUNTRIES",
    "CRAWLER_USER_AGENTS",
    "DEFAULT_DAYS",
    "DEFAULT_DIRTY_RATE",
    "DEFAULT_EVENTS_PER_DAY",
    "DEFAULT_IN_PROGRESS_DAYS",
    "DEFAULT_LISTINGS",
    "DEFAULT_PARTS_PER_PARTITION",
    "DEFAULT_RAW_ROOT",
    "DEFAULT_SEED",
    "DEFAULT_START_DS",
    "DEFAULT_USERS",
    "EVENT_TYPES",
    "EXPERIMENTS",
    "FLAGS",
    "KINDS",
    "MARKETS",
    "MARKET_SLUGS",
    "PLATFORMS",
    "REQUIRED_FIELDS",
    "ROOM_TYPES",
    "SHARE_CHANNELS",
    "SOURCES",
    "SOURCE_FLAGS",
    "SOURCE_KINDS",
    "UNKNOWN_EVENT_TYPES",
    "USER_AGENTS",
    "count_lines",
    "generate",
    "main",
    "parse_args",
    "write_partition",
]
