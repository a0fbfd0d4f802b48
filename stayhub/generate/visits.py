"""Visits: the sessions that start on a day (who, on which platform and client, when,
how the client writes and delivers events, crawlers included) and the pages each
one views. Events are written from them (events.py); bookings and assignments are
drawn from them (bookings.py, assignments.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .assignments import variant_of
from .contract import DAY_MS, MINUTE_MS
from .draws import diurnal_ms, hash64, random_u64, uuid4_bits, weighted_choice
from .reference import (
    CRAWLER_WEIGHTS,
    HOST_WEIGHTS,
    MARKETS,
    OFFSET_WEIGHTS,
    OFFSETS_MIN,
    OTHER_PAGES,
    REFERRER_WEIGHTS,
    SAO_PAULO,
    SHARE_WEIGHTS,
    UA_ANDROID,
    UA_ANDROID_LEGACY,
    UA_CRAWLER,
    UA_IOS,
    UA_IOS_LEGACY,
    UA_WEB,
    UTM_CAMPAIGNS,
    UTM_MEDIUMS,
    UTM_SOURCES,
)

if TYPE_CHECKING:
    from .world import World


def simulate_visits(
    world: World, day: int, rng: np.random.Generator, user_ids: np.ndarray, user_weights: np.ndarray, listing_ids: np.ndarray, listing_markets: np.ndarray
) -> dict:
    """The sessions that start on `day` and their pages, drawn from `rng` (the events
    generator of the day), as columns: per session (crawler, user, platform, start,
    style, ...) and per page (page_sess, page_kind, page_listing, page_ts, ...), with
    "pages" the page table the events SQL reads. {"n": 0} when there is no visit."""
    cfg = world.cfg
    day_start = world.start_ms + day * DAY_MS
    target = cfg.events_per_day * world.day_factor(day)
    n_human = int(rng.poisson(target / 6.2)) if target > 0 else 0
    n_crawler = world.dirt("events", "crawler_sessions", int(round(target / 10))) if target > 0 else 0
    new_ids, new_signup = world.users.new_ids, world.users.new_signup_ms
    if target <= 0 or len(listing_ids) == 0:
        return {"n": 0}
    n_signup = len(new_ids)
    n_sessions = n_human + n_signup + n_crawler
    if n_sessions == 0:
        return {"n": 0}

    # Sessions: who, on what, when, and how their client writes and delivers events.
    crawler = np.zeros(n_sessions, bool)
    crawler[n_human + n_signup :] = True
    platform = weighted_choice(rng, np.array([55, 25, 20.0]), n_sessions)
    platform[crawler] = 0
    user = np.full(n_sessions, -1, np.int64)
    logged_in = (rng.random(n_sessions) < 0.6) & ~crawler
    logged_in[n_human : n_human + n_signup] = True
    if len(user_ids):
        picks = rng.choice(user_ids, size=n_sessions, p=user_weights / user_weights.sum())
    else:
        picks = np.full(n_sessions, -1)
        logged_in[:n_human] = False
    user[:n_human] = np.where(logged_in[:n_human], picks[:n_human], -1)
    user[n_human : n_human + n_signup] = new_ids
    start = day_start + diurnal_ms(rng, n_sessions)
    start[n_human : n_human + n_signup] = new_signup + rng.integers(5_000, 120_000, n_signup)
    start[crawler] = day_start + rng.integers(0, DAY_MS, n_crawler)
    app = platform > 0
    legacy = app & (rng.random(n_sessions) < 0.3)
    style = np.where(app, np.where(rng.random(n_sessions) < 0.75, 1, 0), np.where(rng.random(n_sessions) < 0.55, 1, 0))
    style[legacy] = 2
    style[crawler] = 0
    offset = np.where(style == 1, OFFSETS_MIN[weighted_choice(rng, OFFSET_WEIGHTS, n_sessions)], 0)
    millis = ~app | (rng.random(n_sessions) < 0.5)
    skew = np.where((rng.random(n_sessions) < 0.03) & ~crawler, rng.integers(20_000, 570_000, n_sessions), 0)
    # A few clients whose clock runs ahead browse just before midnight: their events carry
    # the next date but land today (contract: up to 10 minutes after the end of ds).
    n_edge = min(n_human, world.acc.take(("events", "midnight_skew"), max(0.003 * n_human, 0.5)))
    edge = rng.choice(n_human, size=n_edge, replace=False)
    start[edge] = day_start + DAY_MS - rng.integers(10_000, 8 * MINUTE_MS, n_edge)
    skew[edge] = rng.integers(2 * MINUTE_MS, 570_000, n_edge)
    late_web = weighted_choice(rng, np.array([965, 25, 7, 3.0]), n_sessions)
    late_app = weighted_choice(rng, np.array([860, 90, 30, 20.0]), n_sessions)
    late = np.where(app, late_app, late_web)
    late[crawler] = 0
    ua = np.select(
        [crawler, platform == 0, (platform == 1) & ~legacy, platform == 1, ~legacy],
        [
            UA_CRAWLER[0] + weighted_choice(rng, CRAWLER_WEIGHTS, n_sessions),
            rng.integers(*UA_WEB, n_sessions),
            rng.integers(*UA_IOS, n_sessions),
            rng.integers(*UA_IOS_LEGACY, n_sessions),
            rng.integers(*UA_ANDROID, n_sessions),
        ],
        rng.integers(*UA_ANDROID_LEGACY, n_sessions),
    )
    ua_roll = rng.random(n_sessions)
    ua = np.where(~crawler & (ua_roll < 0.005), -2, np.where(~crawler & (ua_roll < 0.01), -1, ua))
    visitor = rng.integers(0, 3 * cfg.users, n_sessions)
    anon_hi = np.where(user >= 0, hash64(cfg.seed, 11, user, platform), np.where(crawler, random_u64(rng, n_sessions), hash64(cfg.seed, 12, visitor, platform)))
    anon_lo = hash64(cfg.seed, 13, anon_hi)
    anon_hi, anon_lo = uuid4_bits(anon_hi, anon_lo)
    market = listing_markets[rng.integers(0, len(listing_markets), n_sessions)]
    ext_ref = np.where(
        app,
        np.where(rng.random(n_sessions) < 0.7, -1, -2),
        np.select([rng.random(n_sessions) < 0.3, rng.random(n_sessions) < 0.15], [-1, -2], weighted_choice(rng, REFERRER_WEIGHTS, n_sessions)),
    )
    ext_ref[crawler] = np.where(rng.random(n_crawler) < 0.5, -1, -2)
    utm = (platform == 0) & ~crawler & (rng.random(n_sessions) < 0.3)
    host = weighted_choice(rng, HOST_WEIGHTS, n_sessions)
    pages_per_session = np.where(crawler, np.minimum(60, rng.geometric(0.1, n_sessions)), np.minimum(30, rng.geometric(0.3, n_sessions)))
    if cfg.experiment_effects:
        pages_per_session = _experiment_effects(world, day, user, crawler, pages_per_session)

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
    listing_market = world.listings.market[np.maximum(listing, 1) - 1]
    search_market = np.where(kind == 1, p_market, np.where(kind == 2, listing_market, p_market))
    enc_roll = rng.random(n_pages)
    multiword = np.array([" " in name for name in MARKETS])[search_market]
    enc_search = np.select(
        [
            (search_market == SAO_PAULO) & (enc_roll >= 0.9),
            multiword & (enc_roll < 0.04),
            multiword & (enc_roll < 0.06),
            (enc_roll >= 0.06) & (enc_roll < 0.09),
        ],
        [4, 1, 2, 3],
        0,
    )
    enc = np.where(kind == 1, enc_search, np.where((kind == 2) & (enc_roll < 0.05), 1, 0)).astype(np.int8)
    sub = np.where(kind == 2, weighted_choice(rng, np.array([80, 10, 6, 4.0]), n_pages), 0).astype(np.int8)
    trail_roll = rng.random(n_pages)
    trail = np.where(kind == 0, trail_roll < 0.85, trail_roll < 0.1)
    other = rng.integers(0, len(OTHER_PAGES), n_pages).astype(np.int8)
    frag_roll = rng.random(n_pages)
    frag = np.select([(kind == 2) & (frag_roll < 0.12), (kind == 3) & (frag_roll < 0.03)], [rng.integers(1, 5, n_pages), 5], 0).astype(np.int8)
    qsrc = np.where((kind == 2) & (rng.random(n_pages) < 0.55), 1 + weighted_choice(rng, np.array([60, 15, 10, 15.0]), n_pages), 0).astype(np.int8)
    adults_roll = rng.random(n_pages)
    adults = np.where(((kind == 1) & (adults_roll < 0.35)) | ((kind == 2) & (adults_roll < 0.2)), rng.integers(1, 7, n_pages), 0).astype(np.int8)
    checkin = np.where((kind == 1) & (rng.random(n_pages) < 0.25), world.epoch_day0 + day + rng.integers(3, 91, n_pages), 0).astype(np.int32)
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
        [
            (kind == 2) & ~p_crawler & p_logged_in & (inter_roll < 0.06),
            (kind == 2) & ~p_crawler & p_logged_in & (inter_roll < 0.075),
            (kind == 2) & ~p_crawler & (inter_roll < 0.1),
        ],
        [2, 3, 4],
        0,
    )
    channel = weighted_choice(rng, SHARE_WEIGHTS, n_pages).astype(np.int8)
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
    return {
        "n": n_sessions,
        "crawler": crawler,
        "user": user,
        "platform": platform,
        "start": start,
        "style": style,
        "offset": offset,
        "legacy": legacy,
        "millis": millis,
        "skew": skew,
        "late": late,
        "ua": ua,
        "anon_hi": anon_hi,
        "anon_lo": anon_lo,
        "page_sess": sess,
        "page_kind": kind,
        "page_listing": listing,
        "page_ts": page_ts,
        "page_dwell": dwell,
        "page_exit": has_exit,
        "page_interaction": inter,
        "page_channel": channel,
        "pages": pages,
    }


def _experiment_effects(world: World, day: int, user: np.ndarray, crawler: np.ndarray, pages: np.ndarray) -> np.ndarray:
    """The pages of the sessions of `day` with the experiment effects applied: a logged-in
    human session of a user whose variant has a lift, first exposed before `day`, views
    pages * (1 + lift) pages (lifts of several experiments multiply), rounded up or down
    at random to keep the mean, at least one. The rounding draws come from their own
    generator, so the day's other draws (and the output without effects) stay as they are."""
    lift = np.ones(len(pages))
    human = (user >= 0) & ~crawler
    for experiment, variant, effect in world.cfg.experiment_effects:
        treated = human & (world.first_exposure_day(experiment, user) < day) & (variant_of(world.cfg.seed, experiment, user) == variant)
        lift[treated] *= 1 + effect
    lifted = np.floor(pages * lift + world.rng("events", day, 1).random(len(pages))).astype(pages.dtype)
    return np.where(lift != 1, np.maximum(1, lifted), pages)
