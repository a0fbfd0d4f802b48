"""Rows as columns: a dict of equally long numpy arrays, how to concatenate and
subset them, and the pool of rows waiting for the partition they land in."""

from __future__ import annotations

import numpy as np


def concat_columns(chunks: list[dict]) -> dict:
    chunks = [chunk for chunk in chunks if len(next(iter(chunk.values()))) > 0] or chunks[:1]
    return {key: np.concatenate([chunk[key] for chunk in chunks]) for key in chunks[0]}


def take_rows(columns: dict, index: np.ndarray) -> dict:
    return {key: value[index] for key, value in columns.items()}


def row_count(columns: dict) -> int:
    return len(next(iter(columns.values())))


class Pool:
    """Rows waiting for the partition they land in (column 'landing', a day index)."""

    def __init__(self) -> None:
        self.chunks: list[dict] = []

    def add(self, columns: dict) -> None:
        if row_count(columns):
            self.chunks.append(columns)

    def take(self, day: int) -> dict | None:
        taken, kept = [], []
        for chunk in self.chunks:
            mask = chunk["landing"] == day
            if mask.any():
                taken.append(take_rows(chunk, np.flatnonzero(mask)))
            if not mask.all():
                kept.append(take_rows(chunk, np.flatnonzero(~mask)) if mask.any() else chunk)
        self.chunks = kept
        return concat_columns(taken) if taken else None
