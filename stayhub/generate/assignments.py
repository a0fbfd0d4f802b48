"""The assignments source: experiment exposures logged during logged-in visits
(re-exposures, contamination and redeliveries included), pooled until the day
they land, and the SQL that writes their lines; a user's variant, their first
exposure day, and the experiment effects (--experiment-effect) the visits apply."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from .columns import concat_columns, row_count, take_rows
from .contract import DAY_MS, FLAG, KIND, MINUTE_MS, REQUIRED_FIELDS
from .dirt import dirt_columns, mark_dirty
from .draws import U64, hash64
from .reference import EXPERIMENTS, PLATFORMS
from .sql import cdc_ts_sql, field_sql, invalid_line_sql, json_object_sql, quoted, sql_list, sql_nested_list

if TYPE_CHECKING:
    from .world import World


def parse_experiment_effects(values: Iterable[str | tuple[str, str, float]]) -> tuple[tuple[int, int, float], ...]:
    """Checked experiment effects, "KEY:VARIANT=LIFT" or (key, variant, lift), as
    (experiment index, variant index, lift) sorted; ValueError naming the problem."""
    if isinstance(values, str):
        values = [values]
    effects: dict[tuple[int, int], float] = {}
    keys = [key for key, *_ in EXPERIMENTS]
    for value in values:
        lift_text: object
        if isinstance(value, str):
            target, sep, lift_text = value.partition("=")
            key, colon, variant = target.partition(":")
            if not sep or not colon:
                raise ValueError(f"experiment effect {value!r}: expected KEY:VARIANT=LIFT, e.g. search_ranking_v2:treatment=0.3")
        else:
            key, variant, lift_text = value
        try:
            lift = float(lift_text)
        except (TypeError, ValueError):
            raise ValueError(f"experiment effect {value!r}: lift {lift_text!r} is not a number") from None
        key, variant = key.strip(), variant.strip()
        if key not in keys:
            raise ValueError(f"experiment effect {value!r}: unknown experiment {key!r} (one of {', '.join(keys)})")
        experiment = keys.index(key)
        variants = EXPERIMENTS[experiment][1]
        if variant == variants[0]:
            raise ValueError(f"experiment effect {value!r}: {variant!r} is the control variant; name a treatment ({', '.join(variants[1:])})")
        if variant not in variants:
            raise ValueError(f"experiment effect {value!r}: unknown variant {variant!r} of {key} (one of {', '.join(variants[1:])})")
        if not math.isfinite(lift) or lift <= -1:
            raise ValueError(f"experiment effect {value!r}: lift must be a finite number above -1, got {lift}")
        if (experiment, variants.index(variant)) in effects:
            raise ValueError(f"experiment effect {value!r}: {key}:{variant} is given twice")
        effects[(experiment, variants.index(variant))] = lift
    return tuple((experiment, variant, lift) for (experiment, variant), lift in sorted(effects.items()))


def describe_experiment_effects(effects: tuple[tuple[int, int, float], ...]) -> str:
    """The effects as the summary prints them: "key:variant=0.3 (page views x 1.3)", or none."""
    if not effects:
        return "none"
    described = []
    for experiment, variant, lift in effects:
        key, variants, *_ = EXPERIMENTS[experiment]
        described.append(f"{key}:{variants[variant]}={lift:g} (page views x {1 + lift:g})")
    return ", ".join(described)


def variant_of(seed: int, experiment: int, user: np.ndarray) -> np.ndarray:
    """The variant index of users in an experiment: a hash of (seed, experiment, user)."""
    return (hash64(seed, 21, experiment, user) % U64(len(EXPERIMENTS[experiment][1]))).astype(np.int8)


def simulate_day(world: World, day: int, visits: dict) -> None:
    """Draws the exposures of the visits of `day`, records each user's first exposure
    day (world.first_exposure), and adds the exposures to the pool."""
    if visits["n"] == 0:
        return
    rng = world.rng("assignments", day)
    logged_in = np.flatnonzero((visits["user"] >= 0) & ~visits["crawler"])
    chunks = []
    for experiment, (_, _, platforms, first_day, probability) in enumerate(EXPERIMENTS):
        exposed = logged_in[np.isin(visits["platform"][logged_in], platforms) & (rng.random(len(logged_in)) < probability)]
        if day < first_day:
            exposed = exposed[:0]
        at = visits["start"][exposed] + rng.integers(500, 30_000, len(exposed))
        again = rng.random(len(exposed)) < 0.2
        user = visits["user"][exposed]
        variant = variant_of(world.cfg.seed, experiment, user)
        world.record_exposures(experiment, user, day)
        for index, times, flag in (
            (np.arange(len(exposed)), at, 0),
            (np.flatnonzero(again), at + rng.integers(MINUTE_MS, 15 * MINUTE_MS, len(exposed)), FLAG["re_exposure"]),
        ):
            visit = exposed[index]
            chunks.append(
                {
                    "exp": np.full(len(index), experiment, np.int8),
                    "variant": variant[index],
                    "user_id": user[index],
                    "platform": visits["platform"][visit].astype(np.int8),
                    "assigned_ms": times[index],
                    "style": np.where(visits["style"][visit] == 1, 1, 0).astype(np.int8),
                    "off": visits["offset"][visit].astype(np.int16),
                    "flags": np.full(len(index), flag, np.int16),
                }
            )
    rows = concat_columns(chunks)
    n = row_count(rows)
    if n == 0:
        return
    rows = take_rows(rows, np.argsort(rows["assigned_ms"], kind="stable"))
    kind = np.zeros(n, np.int8)
    mark_dirty(
        rng,
        [("contaminated", world.dirt("assignments", "contaminated", n // 5))]
        + [(name, world.dirt("assignments", name, n)) for name in ("invalid_json", "missing_required", "unparseable_ts")],
        np.arange(n),
        kind,
    )
    contaminated = np.flatnonzero(kind == KIND["contaminated"])
    n_variants = np.array([len(variants) for _, variants, *_ in EXPERIMENTS])[rows["exp"][contaminated]]
    rows["variant"][contaminated] = (rows["variant"][contaminated] + 1 + rng.integers(0, 10, len(contaminated)) % (n_variants - 1)) % n_variants
    rows.update(dirt_columns(rng, kind, np.full(n, len(REQUIRED_FIELDS["assignments"]))))
    rows["kind"] = kind
    rows["landing"] = rows["assigned_ms"] // DAY_MS - world.epoch_day0
    rows["orig_landing"] = rows["landing"].copy()
    rows["arrival"] = rows["assigned_ms"] + rng.integers(100, 5_000, n)
    clean = np.flatnonzero((kind == 0) | (kind == KIND["contaminated"]))
    dups = rng.choice(clean, size=min(world.dirt("assignments", "duplicate", n), len(clean)), replace=False)
    if len(dups):
        dup = take_rows(rows, dups)
        next_day = rng.random(len(dups)) < 0.4
        dup["landing"] = dup["landing"] + next_day
        end_of_day = world.start_ms + (dup["landing"] + 1) * DAY_MS - 1
        dup["arrival"] = np.where(
            next_day,
            world.start_ms + dup["landing"] * DAY_MS + rng.integers(0, DAY_MS, len(dups)),
            np.minimum(dup["arrival"] + rng.integers(1_000, 30 * MINUTE_MS, len(dups)), end_of_day),
        )
        dup["kind"] = np.full(len(dups), KIND["duplicate"], np.int8)
        rows = concat_columns([rows, dup])
    world.assignment_pool.add(rows)


def partition(world: World, day: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The exposure lines landing in the assignments partition of `day`, in arrival order."""
    rows = world.assignment_pool.take(day)
    return world.pooled_partition(rows, "assignments", _ASSIGNMENTS_SQL, "asg")


_ASSIGNMENT_FIELDS = [
    field_sql(1, "experiment_key", quoted(f"{sql_list([key for key, *_ in EXPERIMENTS])}[exp + 1]")),
    field_sql(2, "variant", quoted(f"{sql_nested_list([variants for _, variants, *_ in EXPERIMENTS])}[exp + 1][variant + 1]")),
    field_sql(3, "user_id", "user_id::varchar"),
    field_sql(4, "assigned_at", cdc_ts_sql("assigned_ms", "style", "off", "true")),
    field_sql(5, "platform", quoted(f"{sql_list(PLATFORMS)}[platform + 1]")),
]

_ASSIGNMENTS_SQL = f"""
with fields as (
    select
        *,
        {json_object_sql(_ASSIGNMENT_FIELDS)} as full_line
    from asg
)

select {invalid_line_sql("full_line")} as line
from fields
order by i
"""
