"""The landing zone on disk: write_partition writes one part file of a partition
(gzip JSON Lines, mtime 0) and its _SUCCESS marker, write_parts splits a day's
lines into part files, count_lines counts the lines of complete partitions."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np

DS_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def write_partition(raw_root, source: str, ds: str, lines: list[str], success: bool = True, part: int = 0) -> Path:
    """Writes already-serialised lines as <raw_root>/<source>/ds=<ds>/part-<NNNNN>.jsonl.gz
    (gzip, mtime 0, UTF-8, every line terminated by a newline), then an empty _SUCCESS
    when `success`. No lines: no part file (an empty day), the folder and _SUCCESS only.
    Returns the partition folder."""
    if not source or "/" in source or source.startswith("."):
        raise ValueError(f"write_partition: bad source name {source!r}")
    ds = str(ds)
    if not DS_PATTERN.match(ds):
        raise ValueError(f"write_partition: ds {ds!r} is not YYYY-MM-DD")
    folder = Path(raw_root) / source / f"ds={ds}"
    folder.mkdir(parents=True, exist_ok=True)
    if lines:
        text = "\n".join(lines) + "\n"
        if text.count("\n") != len(lines) or "\r" in text:
            raise ValueError(f"write_partition: a line of {source} ds={ds} holds a line break (\\n or \\r)")
        data = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
        (folder / f"part-{part:05d}.jsonl.gz").write_bytes(data)
    if success:
        (folder / "_SUCCESS").write_bytes(b"")
    return folder


def write_parts(raw_root, source: str, ds: str, lines: list[str], parts: int, success: bool) -> None:
    """Writes a partition in up to `parts` part files, then _SUCCESS when `success`."""
    folder = Path(raw_root) / source / f"ds={ds}"
    n_parts = max(1, min(parts, len(lines)))
    bounds = np.linspace(0, len(lines), n_parts + 1).astype(int)
    for part in range(n_parts):
        chunk = lines[bounds[part] : bounds[part + 1]]
        if chunk or part == 0:
            write_partition(raw_root, source, ds, chunk, success=False, part=part)
    if success:
        (folder / "_SUCCESS").write_bytes(b"")


def count_lines(raw_root) -> dict[str, dict[str, int]]:
    """{source: {ds: lines}} over every part file of every complete partition (one with
    _SUCCESS), counting what a line reader sees, without parsing anything. A complete
    partition without part files counts 0."""
    counts: dict[str, dict[str, int]] = {}
    root = Path(raw_root)
    if not root.is_dir():
        return counts
    for source_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        for folder in sorted(source_dir.glob("ds=*")):
            ds = folder.name[3:]
            if not DS_PATTERN.match(ds) or not (folder / "_SUCCESS").exists():
                continue
            total = 0
            for part in sorted(folder.glob("*.jsonl.gz")):
                with gzip.open(part, "rb") as handle:
                    data = handle.read()
                total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            counts.setdefault(source_dir.name, {})[ds] = total
    return counts
