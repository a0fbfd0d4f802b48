"""The users source: the users table (created at sign-up, deactivated, moving
country, deleted) and its change log, landing on the day of the change or the
next one, and the SQL that writes its lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .columns import concat_columns, row_count, take_rows
from .contract import BOOKING_OPS, CDC_DELETE_FIELDS, DAY_MS, FLAG, GROWTH_SHARE, MINUTE_MS, OP_C, OP_D, OP_U, REQUIRED_FIELDS, USERS_EPOCH_MS
from .dirt import dirt_columns, mark_dirty
from .draws import cumulative_new, diurnal_ms, weighted_choice
from .reference import COUNTRIES, COUNTRY_WEIGHTS, EMAIL_DOMAIN_WEIGHTS, EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, USER_STATUSES
from .sql import cdc_ts_sql, field_sql, invalid_line_sql, json_object_sql, quoted, run_sql, sql_list, unless_delete

if TYPE_CHECKING:
    from .world import World

DELETED = 2  # users.status: 0 active, 1 deactivated, 2 deleted (no row image any more)


class Users:
    """The users table and its change log."""

    def __init__(self, world: World) -> None:
        cfg = world.cfg
        self.world = world
        self.n_initial = cfg.users - int(round(cfg.users * GROWTH_SHARE))
        capacity = self.n_initial + cumulative_new(cfg.users, cfg.days + cfg.in_progress_days) + 1
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
        self._create(rng, np.sort(rng.integers(USERS_EPOCH_MS, world.start_ms - DAY_MS, self.n_initial)))
        self.status[: self.count][rng.random(self.count) < 0.03] = 1
        self.carry: dict | None = None  # rows of yesterday landing today
        self.today: dict | None = None
        self.new_ids = np.zeros(0, np.int64)
        self.new_signup_ms = np.zeros(0, np.int64)

    def _create(self, rng: np.random.Generator, signup_ms: np.ndarray) -> np.ndarray:
        n = len(signup_ms)
        index = np.arange(self.count, self.count + n)
        self.first[index] = rng.integers(0, len(FIRST_NAMES), n)
        self.last[index] = rng.integers(0, len(LAST_NAMES), n)
        self.email_style[index] = weighted_choice(rng, np.array([50, 15, 10, 15, 10.0]), n)
        self.email_domain[index] = weighted_choice(rng, EMAIL_DOMAIN_WEIGHTS, n)
        self.email_caps[index] = rng.random(n) < 0.05
        self.country[index] = np.where(rng.random(n) < 0.04, -1, weighted_choice(rng, COUNTRY_WEIGHTS, n))
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
            rows.append(self._image(ids, OP_C, day_start + np.sort(rng.integers(0, 20 * MINUTE_MS, len(ids)))))
        else:
            alive = np.flatnonzero(self.status[: self.count] != DELETED) + 1
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
            new = weighted_choice(rng, COUNTRY_WEIGHTS, len(movers))
            same = new == old
            new[same] = (new[same] + 1 + rng.integers(0, len(COUNTRIES) - 1, same.sum())) % len(COUNTRIES)
            self.country[movers - 1] = new
            self.country_lower[movers - 1] = rng.random(len(movers)) < 0.07
            for ids, op in ((deactivations, OP_U), (movers, OP_U), (deletes, OP_D)):
                rows.append(self._image(ids, op, day_start + diurnal_ms(rng, len(ids))))
            self.status[deletes - 1] = DELETED
        n_new = cumulative_new(cfg.users, day) - cumulative_new(cfg.users, day - 1)
        signup = day_start + np.sort(diurnal_ms(rng, n_new))
        self.new_ids = self._create(rng, signup)
        self.new_signup_ms = signup
        rows.append(self._image(self.new_ids, OP_C, signup))
        today = concat_columns(rows)
        today["late"] = world.next_day_landing(rng, "users", row_count(today))
        self.today = today

    def partition_rows(self) -> dict:
        """Rows landing today: yesterday's late ones, then today's on-time ones, by changed_at."""
        today = self.today
        assert today is not None, "step() draws the day first"
        on_time = take_rows(today, np.flatnonzero(~today["late"]))
        rows = concat_columns([self.carry, on_time]) if self.carry is not None else on_time
        self.carry = take_rows(today, np.flatnonzero(today["late"]))
        self.carry["late"][:] = True
        order = np.lexsort((rows["user_id"], rows["changed_ms"]))
        return take_rows(rows, order)


def partition(world: World, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The change-log lines landing in the users partition of `day`: yesterday's late ones, then today's."""
    rows = world.users.partition_rows()
    n = row_count(rows)
    rng = world.rng("users", day, 2)
    rows["change_id"] = world.change_ids("users", rng, n)
    kind = np.zeros(n, np.int8)
    mark_dirty(
        rng,
        [(name, world.dirt("users", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
        np.arange(n),
        kind,
    )
    is_delete = rows["op"] == OP_D
    rows.update(dirt_columns(rng, kind, np.where(is_delete, CDC_DELETE_FIELDS, len(REQUIRED_FIELDS["users"]))))
    # Which timestamp is unparseable: changed_at, or signup_at (not on deletes).
    rows["bad_field"] = np.where(~is_delete & (rng.random(n) < 0.3), 2, 1).astype(np.int8)
    rows["kind"] = kind
    rows["i"] = np.arange(n)
    flags = (
        np.where(rows["late"], FLAG["next_day_landing"], 0)
        | np.where(~is_delete & (rows["country"] >= 0) & rows["country_lower"], FLAG["country_lower_case"], 0)
        | np.where(~is_delete & (rows["country"] < 0), FLAG["country_null"], 0)
    ).astype(np.int16)
    return run_sql(world.con, {"us": rows}, _USERS_SQL), kind, flags


_EMAIL_SQL = """case email_style
    when 0 then fn || '.' || ln
    when 1 then fn || ln
    when 2 then fn || '_' || ln
    when 3 then left(fn, 1) || '.' || ln
    else ln || '.' || fn
end || user_id::varchar || '@' || dom"""

_USER_FIELDS = [
    field_sql(1, "change_id", "change_id::varchar"),
    field_sql(2, "op", quoted(f"{sql_list(BOOKING_OPS)}[op + 1]")),
    field_sql(3, "changed_at", cdc_ts_sql("changed_ms", "0", "0", "bad_field = 1")),
    field_sql(4, "user_id", "user_id::varchar"),
    unless_delete("""'"email": ' || to_json(email)"""),
    unless_delete(
        """'"country": ' || case when country < 0 then 'null' else """
        + quoted(f"case when country_lower then lower({sql_list(COUNTRIES)}[country + 1]) else {sql_list(COUNTRIES)}[country + 1] end")
        + " end"
    ),
    unless_delete(field_sql(5, "signup_at", cdc_ts_sql("signup_ms", "0", "0", "bad_field = 2"))),
    unless_delete(field_sql(6, "status", quoted(f"{sql_list(USER_STATUSES)}[status + 1]"))),
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
            {sql_list(FIRST_NAMES)}[first + 1] as fn_lower,
            {sql_list(LAST_NAMES)}[last + 1] as ln_lower,
            {sql_list(EMAIL_DOMAINS)}[email_domain + 1] as dom_lower
        from us
    )
),

fields as (
    select
        *,
        {json_object_sql(_USER_FIELDS)} as full_line
    from (select *, {_EMAIL_SQL} as email from names)
)

select {invalid_line_sql("full_line")} as line
from fields
order by i
"""
