"""The bookings source: bookings made at the end of logged-in visits, each with its
whole lifecycle (confirmation or decline, alteration, cancellation, hard delete
of a test booking) drawn when it is made, the change log pooled until the day
it lands, and the SQL that writes its lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .columns import concat_columns, row_count, take_rows
from .contract import BOOKING_OPS, CDC_DELETE_FIELDS, DAY_MS, FLAG, HOUR_MS, KIND, MINUTE_MS, OP_C, OP_D, OP_U, REQUIRED_FIELDS
from .dirt import dirt_columns, mark_dirty
from .reference import BOOKING_STATUSES
from .sql import cdc_ts_sql, date_sql, field_sql, invalid_line_sql, json_object_sql, price_sql, quoted, run_sql, sql_list, unless_delete

if TYPE_CHECKING:
    from .world import World


def simulate_day(world: World, day: int, visits: dict) -> None:
    """Draws the bookings made during the visits of `day`, and adds all their changes to the pool."""
    if visits["n"] == 0:
        return
    cfg = world.cfg
    rng = world.rng("bookings", day)
    listing_pages = np.flatnonzero(visits["page_kind"] == 2)
    page_sess = visits["page_sess"][listing_pages]
    last = listing_pages[np.r_[page_sess[1:] != page_sess[:-1], True]] if len(listing_pages) else listing_pages
    last_sess = visits["page_sess"][last]
    candidates = last[(visits["user"][last_sess] >= 0) & ~visits["crawler"][last_sess]]
    expected = cfg.events_per_day * world.day_factor(day) / 150
    if len(candidates) == 0 or expected <= 0:
        return
    converting = candidates[rng.random(len(candidates)) < min(0.6, expected / len(candidates))]
    n = len(converting)
    if n == 0:
        return
    created = visits["page_ts"][converting] + visits["page_dwell"][converting] + rng.integers(20_000, 600_000, n)
    order = np.argsort(created, kind="stable")
    converting, created = converting[order], created[order]
    booking_id = world.next_booking_id + np.arange(n)
    world.next_booking_id += n
    guest = visits["user"][visits["page_sess"][converting]]
    listing = visits["page_listing"][converting]
    nightly = world.listings.price_cents[listing - 1]
    created_day = created // DAY_MS
    checkin = created_day + 1 + np.minimum(rng.geometric(1 / 30, n) - 1, 300)
    nights = np.minimum(rng.geometric(0.3, n), 28)

    def price(nights_: np.ndarray) -> np.ndarray:
        stay = nightly * nights_
        return stay + (stay * 12) // 100 + (nightly * 35) // 100

    n_test = min(n, world.acc.take(("bookings", "test"), max(0.01 * n, 0.3)))
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

    def records(mask: np.ndarray, op: int, status: int, changed: np.ndarray, checkin_: np.ndarray, nights_: np.ndarray, seq: int) -> dict:
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
    rows = concat_columns(
        [
            records(everyone, OP_C, 0, created, checkin, nights, 0),
            records(confirmed, OP_U, 1, t_confirm, checkin, nights, 1),
            records(declined, OP_U, 2, t_decline, checkin, nights, 1),
            records(altered, OP_U, 1, t_alter, new_checkin, new_nights, 2),
            records(cancelled, OP_U, 2, t_cancel, cur_checkin, cur_nights, 3),
            records(test, OP_D, 0, t_delete, checkin, nights, 1),
        ]
    )
    rows = take_rows(rows, np.lexsort((rows["seq"], rows["booking_id"])))
    changed_day = rows["changed_ms"] // DAY_MS - world.epoch_day0
    landing = changed_day + world.next_day_landing(rng, "bookings", len(changed_day))
    # A booking's changes never land before its earlier ones: change_id follows landing order.
    group = np.cumsum(np.r_[True, rows["booking_id"][1:] != rows["booking_id"][:-1]])
    span = int(landing.max() - landing.min() + 1) if len(landing) else 1
    key = group * span + (landing - landing.min())
    landing = np.maximum.accumulate(key) - group * span + landing.min()
    rows["landing"] = landing
    rows["flags"] = np.where(landing > changed_day, FLAG["next_day_landing"], 0).astype(np.int16)
    world.booking_pool.add(rows)


def partition(world: World, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The change-log lines landing in the bookings partition of `day`, by change time."""
    rows = world.booking_pool.take(day)
    if rows is None:
        return [], np.zeros(0, np.int8), np.zeros(0, np.int16)
    rows = take_rows(rows, np.lexsort((rows["seq"], rows["booking_id"], rows["changed_ms"])))
    rng = world.rng("bookings", day, 1)
    n = row_count(rows)
    rows["change_id"] = world.change_ids("bookings", rng, n)
    kind = np.zeros(n, np.int8)
    is_delete = rows["op"] == OP_D
    mark_dirty(
        rng,
        [(name, world.dirt("bookings", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
        np.arange(n),
        kind,
    )
    mark_dirty(
        rng, [("non_numeric_price", world.dirt("bookings", "non_numeric_price", int((~is_delete).sum())))], np.flatnonzero((kind == 0) & ~is_delete), kind
    )
    n_fields = np.where(is_delete, CDC_DELETE_FIELDS, len(REQUIRED_FIELDS["bookings"]))
    rows.update(dirt_columns(rng, kind, n_fields))
    rows["kind"] = kind
    rows["ts_style"] = np.where(rng.random(n) < 0.7, 1, 0).astype(np.int8)  # +00:00, else Z
    rows["bad_price"] = rng.integers(0, 3, n).astype(np.int8)
    rows["i"] = np.arange(n)
    return run_sql(world.con, {"bk": rows}, _BOOKINGS_SQL), kind, rows["flags"]


def _bookings_price_sql() -> str:
    price = price_sql("price")
    bad = f"case bad_price when 0 then 'N/A' when 1 then replace({price}, '.', ',') else 'USD ' || {price} end"
    return f"to_json(case when kind = {KIND['non_numeric_price']} then {bad} else {price} end)"


_BOOKING_FIELDS = [
    field_sql(1, "change_id", "change_id::varchar"),
    field_sql(2, "op", quoted(f"{sql_list(BOOKING_OPS)}[op + 1]")),
    field_sql(3, "changed_at", cdc_ts_sql("changed_ms", "ts_style", "0", "true")),
    field_sql(4, "booking_id", "booking_id::varchar"),
    unless_delete(field_sql(5, "listing_id", "listing_id::varchar")),
    unless_delete(field_sql(6, "guest_id", "guest_id::varchar")),
    unless_delete(field_sql(7, "status", quoted(f"{sql_list(BOOKING_STATUSES)}[status + 1]"))),
    unless_delete(field_sql(8, "checkin", quoted(date_sql("checkin")))),
    unless_delete(field_sql(9, "checkout", quoted(date_sql("checkout")))),
    unless_delete(field_sql(10, "price_usd", _bookings_price_sql())),
]

_BOOKINGS_SQL = f"""
with fields as (
    select
        *,
        {json_object_sql(_BOOKING_FIELDS)} as full_line
    from bk
)

select {invalid_line_sql("full_line")} as line
from fields
order by i
"""
