"""The events source: the event lines of a day's visits (a page_view per page, then
exits, interactions, unknown event types, crawler hits, dirt and redeliveries),
pooled until the partition they land in, and the SQL that writes them as the web
and app clients do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .columns import concat_columns, row_count, take_rows
from .contract import DAY_MS, FAR_FUTURE_MS, FAR_PAST_MS, FLAG, KIND, REQUIRED_FIELDS
from .dirt import dirt_columns, mark_dirty
from .draws import random_u64, uuid4_bits, uuid7_bits, weighted_choice
from .reference import (
    ALL_EVENT_TYPES,
    EVENT_TYPES,
    EXTERNAL_REFERRERS,
    LISTING_SOURCES,
    MARKET_SLUGS,
    MARKETS,
    OTHER_PAGES,
    PLATFORMS,
    ROOM_SUBPATHS,
    SHARE_CHANNELS,
    UNKNOWN_EVENT_TYPES,
    URL_FRAGMENTS,
    URL_HOSTS,
    USER_AGENTS,
    UTM_CAMPAIGNS,
    UTM_MEDIUMS,
    UTM_SOURCES,
)
from .sql import UUID_SQL, date_sql, field_sql, invalid_line_sql, iso_sql, json_object_sql, quoted, run_sql, sql_list, unparseable_sql
from .visits import simulate_visits

if TYPE_CHECKING:
    from .world import World


def simulate_day(world: World, day: int, user_ids: np.ndarray, user_weights: np.ndarray, listing_ids: np.ndarray, listing_markets: np.ndarray) -> dict:
    """Simulates the visits that start on `day`, adds their event lines to the pool,
    and returns the visits, of which bookings and assignments are drawn."""
    rng = world.rng("events", day)
    visits = simulate_visits(world, day, rng, user_ids, user_weights, listing_ids, listing_markets)
    if visits["n"] == 0:
        return visits
    crawler, user, platform, style, offset = (visits[key] for key in ("crawler", "user", "platform", "style", "offset"))
    legacy, millis, skew, late, ua = (visits[key] for key in ("legacy", "millis", "skew", "late", "ua"))
    anon_hi, anon_lo, pages = visits["anon_hi"], visits["anon_lo"], visits["pages"]
    sess, page_ts, dwell = visits["page_sess"], visits["page_ts"], visits["page_dwell"]
    has_exit, inter, channel = visits["page_exit"], visits["page_interaction"], visits["page_channel"]
    n_pages = len(sess)
    p_crawler = crawler[sess]

    # Events: a page_view per page, then the exit and any interaction.
    exit_pages = np.flatnonzero(has_exit)
    inter_pages = np.flatnonzero(inter > 0)
    human_pages = np.flatnonzero(~p_crawler)
    n_unknown = world.dirt("events", "unknown_event_type", n_pages + len(exit_pages) + len(inter_pages) - int(p_crawler.sum()))
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
    true_day = ev_true // DAY_MS - world.epoch_day0
    landing = true_day + late[ev_sess]
    ev_kind = np.zeros(n_events, np.int8)
    ev_kind[crawler[ev_sess]] = KIND["crawler"]
    ev_kind[ev_type >= len(EVENT_TYPES)] = KIND["unknown_event_type"]
    eligible = np.flatnonzero(ev_kind == 0)
    n_clean = len(eligible)
    mark_dirty(
        rng,
        [(name, world.dirt("events", name, n_clean)) for name in ("invalid_json", "missing_required", "unparseable_ts", "far_ts")],
        eligible,
        ev_kind,
    )
    ev_style = style[ev_sess]
    far = ev_kind == KIND["far_ts"]
    far_value = np.where(
        rng.random(n_events) < 0.5,
        FAR_PAST_MS + rng.integers(0, 365 * DAY_MS, n_events),
        FAR_FUTURE_MS + rng.integers(0, 365 * DAY_MS, n_events),
    )
    far_value = np.where((ev_style == 2) & (rng.random(n_events) < 0.5), reported // 1000, far_value)
    reported = np.where(far, far_value, reported)
    reported_day = reported // DAY_MS - world.epoch_day0
    flags = (
        np.where(ev_style == 2, FLAG["epoch_ms_ts"], 0)
        | np.where(landing > true_day, FLAG["late_arrival"], 0)
        | np.where(~far & (reported_day > landing), FLAG["clock_skew"], 0)
    )
    xprop = np.where(rng.random(n_events) < 0.03, rng.integers(1, 4, n_events), 0).astype(np.int8)
    flags |= np.where(xprop > 0, FLAG["extra_property_keys"], 0)
    arrival_on_time = np.minimum(ev_true + rng.integers(50, 45_000, n_events), (landing + 1) * DAY_MS + world.start_ms - 1)
    arrival = np.where(landing > true_day, world.start_ms + landing * DAY_MS + rng.integers(0, DAY_MS, n_events), arrival_on_time)
    # Current clients generate time-ordered UUIDv7 ids from their clock, older mobile ones UUIDv4.
    v4_hi, v4_lo = uuid4_bits(random_u64(rng, n_events), random_u64(rng, n_events))
    v7_hi, v7_lo = uuid7_bits(ev_true + skew[ev_sess], v4_hi, v4_lo)
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
        **dirt_columns(rng, ev_kind, np.full(n_events, len(REQUIRED_FIELDS["events"]))),
        "landing": landing,
        "orig_landing": landing,
        "arrival": arrival,
        "flags": flags.astype(np.int16),
    }
    # Redeliveries of clean events: same or a later partition, within 3 days of the event's date.
    clean = np.flatnonzero(ev_kind == 0)
    n_dup = world.dirt("events", "duplicate", n_clean)
    dups = rng.choice(clean, size=min(n_dup, len(clean)), replace=False) if len(clean) else clean
    if len(dups):
        dup = take_rows(columns, dups)
        extra = weighted_choice(rng, np.array([50, 30, 15, 5.0]), len(dups))
        dup["landing"] = np.maximum(dup["landing"], np.minimum(dup["landing"] + extra, reported_day[dups] + 3))
        same = dup["landing"] == dup["orig_landing"]
        end_of_landing = world.start_ms + (dup["landing"] + 1) * DAY_MS - 1
        dup["arrival"] = np.where(
            same,
            np.minimum(dup["arrival"] + rng.integers(1_000, 600_000, len(dups)), end_of_landing),
            world.start_ms + dup["landing"] * DAY_MS + rng.integers(0, DAY_MS, len(dups)),
        )
        dup["kind"] = np.full(len(dups), KIND["duplicate"], np.int8)
        columns = concat_columns([columns, dup])
    columns["i"] = np.arange(row_count(columns))
    lines = run_sql(world.con, {"pg": pages, "ev": columns}, _EVENTS_SQL)
    pool_rows = {key: columns[key] for key in ("landing", "orig_landing", "arrival", "kind", "flags")}
    pool_rows["line"] = np.array(lines, dtype=object)
    world.event_pool.add(pool_rows)
    return visits


def partition(world: World, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The lines landing in the events partition of `day` (already written as JSON), in arrival order."""
    return world.pooled_partition(world.event_pool.take(day), "events", None, None)


_URL_PARAMS = f"""[
    case when qsrc > 0 then 'source=' || {sql_list(LISTING_SOURCES)}[qsrc] end,
    case when adults > 0 then 'adults=' || adults::varchar end,
    case when checkin > 0 then 'checkin=' || {date_sql("checkin")} end,
    case when checkin > 0 then 'checkout=' || {date_sql("checkin + nights")} end,
    case qtext when 1 then 'q=' || replace(market_name, ' ', '%20') when 2 then 'q=' || replace(lower(market_name), ' ', '+') end,
    case when utm then 'utm_source=' || {sql_list(UTM_SOURCES)}[utm_s + 1] end,
    case when utm then 'utm_medium=' || {sql_list(UTM_MEDIUMS)}[utm_m + 1] end,
    case when utm then 'utm_campaign=' || {sql_list(UTM_CAMPAIGNS)}[utm_c + 1] end
]"""


_EVENT_FIELDS = {
    "f_id": field_sql(1, "event_id", quoted(UUID_SQL.format(hi="id_hi", lo="id_lo"))),
    "f_ts": field_sql(
        2,
        "event_ts",
        f"case when kind = {KIND['unparseable_ts']} then {unparseable_sql('ts', 'off', 'bad')}"
        f" when style = 2 then ts::varchar else {quoted(iso_sql('ts', 'style', 'off', 'msp'))} end",
    ),
    "f_type": field_sql(3, "event_type", quoted(f"{sql_list(ALL_EVENT_TYPES)}[et + 1]")),
    "f_user": """case when uid >= 0 then '"user_id": ' || uid::varchar when uabsent then null else '"user_id": null' end""",
    "f_anon": field_sql(4, "anonymous_id", quoted("case plat when 2 then printf('%016x', a_hi) when 1 then upper(anon_uuid) else anon_uuid end")),
    "f_platform": field_sql(5, "platform", quoted(f"{sql_list(PLATFORMS)}[plat + 1]")),
    "f_url": field_sql(6, "url", "to_json(p.url)"),
    "f_referrer": """case when p.referrer_absent then null else '"referrer": ' || coalesce(to_json(p.referrer), 'null') end""",
    "f_ua": f"""case when ua = -2 then null when ua = -1 then '"user_agent": null' else '"user_agent": ' || to_json({sql_list(USER_AGENTS)}[ua + 1]) end""",
    "f_properties": (
        """case when pabsent then null else '"properties": {' || concat_ws(', ', """
        f"""case et when 1 then '"dwell_ms": ' || dwell::varchar when 4 then '"channel": "' || {sql_list(SHARE_CHANNELS)}[chan + 1] || '"' end, """
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
        {sql_list(MARKET_SLUGS)}[mkt + 1] as slug,
        {sql_list(MARKETS)}[mkt + 1] as market_name,
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
        {sql_list(URL_HOSTS)}[host + 1]
        || case kind
            when 0 then slash
            when 1 then '/s/' || case enc
                when 1 then replace(slug, '-', '%2D')
                when 2 then replace(slug, '-', '%2d')
                when 3 then printf('%%%02X', ascii(left(slug, 1))) || substr(slug, 2)
                when 4 then 's%C3%A3o-paulo'
                else slug end || slash
            when 2 then '/rooms/' || case when enc = 1 then '%3' || left(lid_text, 1) || substr(lid_text, 2) else lid_text end
                || {sql_list(ROOM_SUBPATHS)}[sub + 1] || slash
            else {sql_list(OTHER_PAGES)}[other + 1] || slash
        end
        || case when len(rotated) > 0 then '?' || array_to_string(case when rev then list_reverse(rotated) else rotated end, '&') else '' end
        || {sql_list(URL_FRAGMENTS)}[frag + 1] as url
    from page_parts
),

page_refs as (
    select
        pidx,
        url,
        ref = -2 as referrer_absent,
        case
            when ref = -3 then lag(url) over (partition by sess order by seq)
            when ref >= 0 then {sql_list(EXTERNAL_REFERRERS)}[ref + 1]
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
    from (select *, {UUID_SQL.format(hi="a_hi", lo="a_lo")} as anon_uuid from ev) as e
    inner join page_refs as p on e.pidx = p.pidx
),

full_lines as (
    select
        *,
        case when alt then {json_object_sql(_EVENT_ORDER_LEGACY)} else {json_object_sql(_EVENT_ORDER)} end as full_line
    from fragments
)

select {invalid_line_sql("full_line")} as line
from full_lines
order by i
"""
