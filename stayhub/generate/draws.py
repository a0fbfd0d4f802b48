"""Deterministic randomness: a numpy generator per (seed, source, day, stream),
weighted and diurnal draws, counts carried from day to day, and the stable
hashes and UUID bits that identify visitors and events."""

from __future__ import annotations

import numpy as np

from .contract import GROWTH_HORIZON_DAYS, GROWTH_SHARE, HOUR_MS, SOURCE_SEED
from .reference import DIURNAL_P


def seeded_rng(seed: int, source: str, day: int, stream: int = 0) -> np.random.Generator:
    """The generator of one source and day: no draw of a day depends on another day."""
    return np.random.default_rng([seed, SOURCE_SEED[source], day, stream])


def cumulative_new(total: int, day: int) -> int:
    """Entities created during the sample up to the end of day index `day` (-1: none)."""
    return int(round(total * GROWTH_SHARE * (day + 1) / GROWTH_HORIZON_DAYS))


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def diurnal_ms(rng: np.random.Generator, size: int) -> np.ndarray:
    """Times of day in ms, following the audience's hours."""
    hours = rng.choice(24, size=size, p=DIURNAL_P)
    return hours * HOUR_MS + rng.integers(0, HOUR_MS, size)


U64 = np.uint64


def _mix64(x: np.ndarray) -> np.ndarray:
    x = x + U64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> U64(27))) * U64(0x94D049BB133111EB)
    return x ^ (x >> U64(31))


def hash64(*parts: object) -> np.ndarray:
    """A stable 64-bit hash of integer columns (splitmix64 chained)."""
    arrays = np.broadcast_arrays(*[np.asarray(part).astype(np.int64).astype(np.uint64) for part in parts])
    h = np.zeros(arrays[0].shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for array in arrays:
            h = _mix64(h ^ array)
    return h


def uuid4_bits(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hi = (hi & U64(0xFFFFFFFFFFFF0FFF)) | U64(0x4000)
    lo = (lo & U64(0x3FFFFFFFFFFFFFFF)) | U64(0x8000000000000000)
    return hi, lo


def uuid7_bits(unix_ms: np.ndarray, random_hi: np.ndarray, random_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UUIDv7: 48 bits of Unix milliseconds, version 7, then random bits."""
    hi = (unix_ms.astype(np.uint64) << U64(16)) | U64(0x7000) | (random_hi & U64(0x0FFF))
    lo = (random_lo & U64(0x3FFFFFFFFFFFFFFF)) | U64(0x8000000000000000)
    return hi, lo


def random_u64(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.integers(0, np.iinfo(np.uint64).max, size=size, dtype=np.uint64, endpoint=True)


class Accumulator:
    """Deterministic counts from expected values, carried from day to day:
    the count of a day is the integer part of what has accrued so far."""

    def __init__(self) -> None:
        self.state: dict = {}

    def take(self, key: object, expected: float) -> int:
        accrued = self.state.get(key, 0.5) + max(0.0, expected)
        count = int(accrued)
        self.state[key] = accrued - count
        return count
