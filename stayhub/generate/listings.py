"""The listings source: the listings table (created by hosts, repriced, deactivated
and reactivated), a full snapshot of it every day, and the SQL that writes its lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .contract import DAY_MS, FLAG, GROWTH_SHARE, KIND, NEW_MARKET_DAY, NEW_ROOM_TYPE_DAY, REQUIRED_FIELDS
from .dirt import dirt_columns, mark_dirty
from .draws import cumulative_new, diurnal_ms, weighted_choice
from .reference import MARKET_PRICE_USD, MARKET_TEXTS, MARKET_WEIGHTS, NEW_MARKET, ROOM_PRICE_FACTOR, ROOM_TYPES, ROOM_WEIGHTS, TREEHOUSE
from .sql import field_sql, invalid_line_sql, iso_sql, json_object_sql, price_sql, quoted, run_sql, sql_list, sql_nested_list

if TYPE_CHECKING:
    from .world import World


class Listings:
    """The listings table, snapshotted at the end of every day."""

    def __init__(self, world: World) -> None:
        cfg = world.cfg
        self.world = world
        n_initial = max(1, cfg.listings - int(round(cfg.listings * GROWTH_SHARE)) - 2)
        capacity = n_initial + cumulative_new(cfg.listings, cfg.days + cfg.in_progress_days) + 3
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
        weights = MARKET_WEIGHTS.copy()
        weights[NEW_MARKET] = 0
        rooms = ROOM_WEIGHTS.copy()
        rooms[TREEHOUSE] = 0
        self._create(rng, host[order], created[order], weighted_choice(rng, weights, n_initial), weighted_choice(rng, rooms, n_initial))
        self.active[: self.count] = rng.random(self.count) < 0.95

    def _create(self, rng: np.random.Generator, host: np.ndarray, created_ms: np.ndarray, market: np.ndarray, room: np.ndarray) -> None:
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
        n_new = cumulative_new(cfg.listings, day) - cumulative_new(cfg.listings, day - 1) + sum(forced)
        if n_new == 0:
            return
        market_weights = MARKET_WEIGHTS.copy()
        if day < NEW_MARKET_DAY:
            market_weights[NEW_MARKET] = 0
        room_weights = ROOM_WEIGHTS.copy()
        if day < NEW_ROOM_TYPE_DAY:
            room_weights[TREEHOUSE] = 0
        market = weighted_choice(rng, market_weights, n_new)
        room = weighted_choice(rng, room_weights, n_new)
        if forced[0]:
            room[0] = TREEHOUSE
        if forced[1]:
            market[-1] = NEW_MARKET
        existing_host = self.host[rng.integers(0, max(1, self.count), n_new)]
        new_host = user_pool[rng.integers(0, len(user_pool), n_new)] if len(user_pool) else existing_host
        host = np.where(rng.random(n_new) < 0.5, existing_host, new_host)
        self._create(rng, host, day_start + np.sort(diurnal_ms(rng, n_new)), market, room)


def _draw_capacity(rng: np.random.Generator, room: np.ndarray) -> np.ndarray:
    n = len(room)
    entire = np.minimum(16, 2 + rng.poisson(2.5, n) + (rng.random(n) < 0.03) * rng.integers(4, 8, n))
    private = rng.integers(1, 4, n)
    shared = rng.integers(1, 3, n)
    treehouse = rng.integers(2, 6, n)
    return np.choose(room, [entire, private, shared, treehouse]).astype(np.int64)


def _draw_price_cents(rng: np.random.Generator, market: np.ndarray, room: np.ndarray) -> np.ndarray:
    n = len(market)
    dollars = MARKET_PRICE_USD[market] * ROOM_PRICE_FACTOR[room] * rng.lognormal(0.0, 0.35, n)
    cents = np.maximum(15, np.round(dollars)).astype(np.int64) * 100
    cents += np.where(rng.random(n) < 0.1, 50, 0) - np.where(rng.random(n) < 0.1, 1, 0)
    return cents


def partition(world: World, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The snapshot lines of the listings partition of `day`: every listing as it is at the end of the day."""
    listings = world.listings
    n = listings.count
    rng = world.rng("listings", day, 2)
    index = np.arange(n)
    rows: dict[str, np.ndarray] = {
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
    market_text = np.where(rng.random(n) < 0.08, rng.integers(1, len(MARKET_TEXTS[0]), n), 0).astype(np.int8)
    kind = np.zeros(n, np.int8)
    mark_dirty(
        rng,
        [(name, world.dirt("listings", name, n)) for name in ("invalid_json", "missing_required", "capacity_out_of_range", "non_numeric_price")],
        index,
        kind,
    )
    rows.update(dirt_columns(rng, kind, np.full(n, len(REQUIRED_FIELDS["listings"]))))
    bad_capacity = np.choose(rng.integers(0, 4, n), [np.full(n, -999), np.zeros(n, np.int64), -rng.integers(1, 4, n), rng.integers(17, 41, n)])
    rows["capacity"] = np.where(kind == KIND["capacity_out_of_range"], bad_capacity, rows["capacity"])
    rows["market_text"] = market_text
    rows["bad_price"] = rng.integers(0, 3, n).astype(np.int8)
    rows["kind"] = kind
    rows["i"] = index
    flags = (
        np.where(market_text > 0, FLAG["dirty_market_text"], 0)
        | np.where(rows["room"] == TREEHOUSE, FLAG["new_room_type"], 0)
        | np.where(rows["market"] == NEW_MARKET, FLAG["new_market"], 0)
    ).astype(np.int16)
    return run_sql(world.con, {"ls": rows}, _LISTINGS_SQL), kind, flags


def _listings_price_sql() -> str:
    price = price_sql("price")
    bad = f"case bad_price when 0 then 'N/A' when 1 then replace({price}, '.', ',') else '' end"
    return f"to_json(case when kind = {KIND['non_numeric_price']} then {bad} else {price} end)"


_LISTING_FIELDS = [
    field_sql(1, "listing_id", "listing_id::varchar"),
    field_sql(2, "host_id", "host_id::varchar"),
    field_sql(3, "market", f"to_json({sql_nested_list(MARKET_TEXTS)}[market + 1][market_text + 1])"),
    field_sql(4, "room_type", quoted(f"{sql_list(ROOM_TYPES)}[room + 1]")),
    """'"capacity": ' || case when capacity = -999 then 'null' else capacity::varchar end""",
    """'"nightly_price_usd": ' || """ + _listings_price_sql(),
    """'"created_at": ' || """ + quoted(iso_sql("created_ms", "created_style", "0", "false")),
    field_sql(5, "is_active", "active::varchar"),
]

_LISTINGS_SQL = f"""
with fields as (
    select
        *,
        {json_object_sql(_LISTING_FIELDS)} as full_line
    from ls
)

select {invalid_line_sql("full_line")} as line
from fields
order by i
"""
