"""The simulated world and the day loop: Config (the checked arguments), World (the
state the sources share while days are simulated one after the other) and
generate(), which steps the world day by day and writes every source's partition."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from . import assignments, bookings, events
from . import listings as listings_source
from . import users as users_source
from .columns import Pool, row_count, take_rows
from .contract import (
    DAY_MS,
    DEFAULT_DAYS,
    DEFAULT_DIRTY_RATE,
    DEFAULT_EVENTS_PER_DAY,
    DEFAULT_IN_PROGRESS_DAYS,
    DEFAULT_LISTINGS,
    DEFAULT_PARTS_PER_PARTITION,
    DEFAULT_SEED,
    DEFAULT_START_DS,
    DEFAULT_USERS,
    EPOCH,
    FLAG,
    KIND,
    KINDS,
    MIN_DIRT_PER_DAY,
    SOURCE_FLAGS,
    SOURCE_KINDS,
    SOURCES,
)
from .draws import Accumulator, seeded_rng
from .files import DS_PATTERN, write_parts
from .reference import EXPERIMENTS, WEEKDAY_FACTOR
from .sql import run_sql

NEVER_EXPOSED = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Config:
    """The arguments of generate(), checked."""

    start: dt.date
    days: int
    users: int
    listings: int
    events_per_day: int
    dirty_rate: float
    seed: int
    in_progress_days: int
    parts: int
    empty: frozenset[tuple[str, int]]  # {(source, day index)}
    experiment_effects: tuple[tuple[int, int, float], ...] = ()  # (experiment, variant, lift) on page views


class World:
    """The state shared by the sources while days are simulated one after the other:
    the users and listings tables, the rows pooled until the day they land, each
    experiment's first exposure day per user, the change-id counters, the count
    accumulators and the DuckDB connection."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.epoch_day0 = (cfg.start - EPOCH).days
        self.start_ms = self.epoch_day0 * DAY_MS
        self.weekday0 = cfg.start.weekday()
        self.acc = Accumulator()
        self.users = users_source.Users(self)
        self.listings = listings_source.Listings(self)
        self.event_pool = Pool()
        self.booking_pool = Pool()
        self.assignment_pool = Pool()
        self.first_exposure = [np.full(1, NEVER_EXPOSED, np.int32) for _ in EXPERIMENTS]  # per experiment, indexed by user id
        self.next_booking_id = 1
        self.last_change_id: dict[str, int] = {"bookings": 0, "users": 0}
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        self.con.execute("set enable_progress_bar = false")

    def rng(self, source: str, day: int, stream: int = 0) -> np.random.Generator:
        """The random generator of a source's day (stream: another independent one)."""
        return seeded_rng(self.cfg.seed, source, day, stream)

    def dirt(self, source: str, kind: str, n_rows: int) -> int:
        """How many of today's n_rows rows of a source get a dirty kind."""
        rate = self.cfg.dirty_rate
        if rate <= 0 or n_rows <= 0:
            return 0
        return min(n_rows, self.acc.take((source, kind), max(rate * n_rows, MIN_DIRT_PER_DAY)))

    def next_day_landing(self, rng: np.random.Generator, source: str, n_rows: int) -> np.ndarray:
        """Which of n_rows change-log rows land the day after their change: about 5%."""
        late = np.zeros(n_rows, bool)
        if n_rows:
            late[rng.choice(n_rows, size=min(n_rows, self.acc.take((source, "late"), max(0.05 * n_rows, 0.3))), replace=False)] = True
        return late

    def record_exposures(self, experiment: int, users: np.ndarray, day: int) -> None:
        """Notes `day` as the first exposure day of users not exposed to `experiment` before."""
        first = self.first_exposure[experiment]
        if len(users) and users.max() >= len(first):
            grown = np.full(max(2 * len(first), int(users.max()) + 1), NEVER_EXPOSED, np.int32)
            grown[: len(first)] = first
            first = self.first_exposure[experiment] = grown
        first[users] = np.minimum(first[users], day)

    def first_exposure_day(self, experiment: int, users: np.ndarray) -> np.ndarray:
        """The day users were first exposed to `experiment` (NEVER_EXPOSED: not yet; users -1 never)."""
        first = self.first_exposure[experiment]
        known = (users >= 0) & (users < len(first))
        return np.where(known, first[np.where(known, users, 0)], NEVER_EXPOSED)

    def day_factor(self, day: int) -> float:
        """Traffic of the day's weekday relative to the average."""
        return WEEKDAY_FACTOR[(self.weekday0 + day) % 7]

    # -- one simulated day --------------------------------------------------

    def step(self, day: int) -> None:
        """Simulates a day: users and listings change, visitors browse, some book, some are exposed."""
        user_ids, user_weights = self.users.session_pool()
        listing_ids, listing_markets = self.listings.session_pool()
        self.users.step(day)
        self.listings.step(day, user_ids)
        visits = events.simulate_day(self, day, user_ids, user_weights, listing_ids, listing_markets)
        if day < self.cfg.days:
            bookings.simulate_day(self, day, visits)
            assignments.simulate_day(self, day, visits)

    # -- shared by the sources' partitions ------------------------------------

    def change_ids(self, source: str, rng: np.random.Generator, n: int) -> np.ndarray:
        """The next n change ids of a change log: increasing, with gaps."""
        gaps = 1 + np.where(rng.random(n) < 0.1, rng.integers(1, 4, n), 0)
        ids = self.last_change_id[source] + np.cumsum(gaps)
        if n:
            self.last_change_id[source] = int(ids[-1])
        return ids

    def pooled_partition(self, rows: dict | None, source: str, sql: str | None, table: str | None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The lines of pooled rows landing today, in arrival order: the pooled lines
        themselves (sql None), or written by `sql` over the rows registered as `table`."""
        if rows is None:
            return [], np.zeros(0, np.int8), np.zeros(0, np.int16)
        # A redelivery of a line whose partition upstream lost (an empty partition) is lost too.
        lost = np.isin(rows["orig_landing"], [day for (name, day) in self.cfg.empty if name == source])
        rows = take_rows(rows, np.flatnonzero(~lost))
        rows = take_rows(rows, np.argsort(rows["arrival"], kind="stable"))
        if sql is None:
            lines = rows["line"].tolist()
        else:
            rows["i"] = np.arange(row_count(rows))
            lines = run_sql(self.con, {str(table): rows}, sql) if row_count(rows) else []
        return lines, rows["kind"], rows["flags"]


def _parse_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        if not DS_PATTERN.match(str(value)):
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
    experiment_effects: Iterable[str | tuple[str, str, float]] = (),
) -> dict:
    """Writes a landing zone under raw_root and returns
    {source: {ds: {"lines": n, "complete": bool}}, "injected": {source: {kind: lines}}}.

    Complete partitions cover start_ds .. start_ds + days - 1 for every source; events
    also get in_progress_days more partitions without _SUCCESS. empty_partitions is a list
    of (source, ds) written with _SUCCESS only (None: assignments on day days // 2; []:
    none). "injected" counts the lines of each dirty kind (and informational flag) that
    landed in complete partitions. experiment_effects ("KEY:VARIANT=LIFT" or (key, variant,
    lift)) multiply by 1 + LIFT the pages of the logged-in visits of users of that variant
    from the day after their first exposure; none leaves the data as it is without them.
    Raises FileExistsError when raw_root already holds a source folder and overwrite is
    false, ValueError on bad arguments."""
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
    effects = assignments.parse_experiment_effects(experiment_effects)
    if empty_partitions is None:
        empty_partitions = [("assignments", start + dt.timedelta(days=days // 2))]
    empty: set[tuple[str, int]] = set()
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
        raise FileExistsError(f"{raw_root} already holds landing data ({', '.join(existing)}); pass --overwrite (overwrite=True) to replace it")
    for source in existing:
        shutil.rmtree(raw_root / source)
    raw_root.mkdir(parents=True, exist_ok=True)

    cfg = Config(start, days, users, listings, events_per_day, dirty_rate, seed, in_progress_days, parts_per_partition, frozenset(empty), effects)
    world = World(cfg)
    summary: dict = {source: {} for source in SOURCES}
    injected = {source: {name: 0 for name in SOURCE_KINDS[source] + SOURCE_FLAGS[source]} for source in SOURCES}
    partitions = {
        "events": events.partition,
        "bookings": bookings.partition,
        "listings": listings_source.partition,
        "users": users_source.partition,
        "assignments": assignments.partition,
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The landing zone streams: day d's files are written while day d + 1 is simulated,
        # and day d + 2 waits for them, so at most two days of lines are held whatever the size.
        writing: list = []
        for day in range(days + in_progress_days):
            world.step(day)
            futures = []
            ds = (start + dt.timedelta(days=day)).isoformat()
            for source in SOURCES:
                if day >= days and source != "events":
                    continue
                lines, kinds, flags = partitions[source](world, day)
                complete = day < days
                if (source, day) in empty:
                    lines, kinds, flags = [], kinds[:0], flags[:0]
                if complete:
                    counts = np.bincount(kinds, minlength=len(KINDS))
                    for name in SOURCE_KINDS[source]:
                        injected[source][name] += int(counts[KIND[name]])
                    for name in SOURCE_FLAGS[source]:
                        injected[source][name] += int(((flags & FLAG[name]) != 0).sum())
                parts = parts_per_partition if source == "events" else 1
                summary[source][ds] = {"lines": len(lines), "complete": complete}
                futures.append(pool.submit(write_parts, raw_root, source, ds, lines, parts, complete))
            for future in writing:
                future.result()
            writing = futures
        for future in writing:
            future.result()
    world.con.close()
    for source in SOURCES:
        injected[source]["empty_partition"] = sum(1 for name, _ in empty if name == source)
    injected["events"]["in_progress_partition"] = in_progress_days
    summary["injected"] = injected
    return summary
