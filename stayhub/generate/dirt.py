"""Dirty-data injection: which rows get a dirty kind, and per row how: the missing
field, how an invalid line is broken, how a timestamp is unparseable."""

from __future__ import annotations

import numpy as np

from .contract import KIND
from .draws import weighted_choice

# Invalid lines: style 0 truncates the real line, 1 writes it with Python-repr quotes,
# 2 wraps it in a JSON array (valid JSON, not an object), 3.. replace it with text.
GARBAGE_LINES = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
    "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    "2025-01-01 00:00:00,000 ERROR [collector] failed to serialise record: buffer overflow",
)
_INVALID_STYLE_WEIGHTS = np.array([50, 15, 10, 10, 10, 5], dtype=float)
# Unparseable timestamps: style 0 has no offset, 1 has day 32, 2.. are garbage.
GARBAGE_TIMESTAMPS = ("not-a-date", "undefined", "NaN", "Invalid Date", "0000-00-00 00:00:00", "yesterday")
_UNPARSEABLE_STYLE_WEIGHTS = np.array([55, 15, 30], dtype=float)


def mark_dirty(rng: np.random.Generator, dirty_kinds: list[tuple[str, int]], eligible: np.ndarray, kind: np.ndarray) -> None:
    """Gives disjoint random subsets of `eligible` rows the requested kinds."""
    order = rng.permutation(eligible)
    position = 0
    for name, count in dirty_kinds:
        count = max(0, min(count, len(order) - position))
        kind[order[position : position + count]] = KIND[name]
        position += count


def dirt_columns(rng: np.random.Generator, kind: np.ndarray, n_fields: np.ndarray) -> dict:
    """Per-row details of the dirty kinds: which field is missing, how a line is broken, how a time is bad."""
    n = len(kind)
    miss = np.where(kind == KIND["missing_required"], 1 + np.floor(rng.random(n) * n_fields).astype(np.int64), 0)
    return {
        "miss": miss.astype(np.int8),
        "miss_null": rng.random(n) < 0.25,
        "inv": weighted_choice(rng, _INVALID_STYLE_WEIGHTS, n).astype(np.int8),
        "cut": rng.uniform(0.05, 0.95, n),
        "bad": _unparseable_style(rng, n),
    }


def _unparseable_style(rng: np.random.Generator, n: int) -> np.ndarray:
    style = weighted_choice(rng, _UNPARSEABLE_STYLE_WEIGHTS, n)
    garbage = 2 + rng.integers(0, len(GARBAGE_TIMESTAMPS), n)
    return np.where(style == 2, garbage, style).astype(np.int8)
