"""Counts a landing partition's lines without the reader.

The singular test tests/base/assert_every_landed_line_is_accounted_for
compares these counts with staging's line accounting, so this module shares
no code with dbt_plugins/landing_reader.py nor with the listing the models
use: it walks the partition folder itself, streams each gzip file and counts
newline bytes; it never splits, decodes or classifies a line. Only the
contract is shared: a file named part-*.jsonl.gz holds lines (one per b"\\n",
plus a last one without it), _SUCCESS is the marker, anything else in the
folder is unexpected, and a part file that is not readable gzip is
unreadable (with its name, when that name is not UTF-8).
"""

from __future__ import annotations

import gzip
import os
import zlib

_CHUNK_BYTES = 1 << 20


def _count_gzip_lines(path: str) -> int:
    """Newline-terminated lines in a gzip file, plus an unterminated last one."""
    lines = 0
    last = b""
    with gzip.open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK_BYTES):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (1 if last not in (b"", b"\n") else 0)


def _is_utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def count_partition_lines(folder: str) -> dict[str, int]:
    """{lines, unexpected_files, unreadable_files} of one partition folder; zeros when it does not exist."""
    counts = {"lines": 0, "unexpected_files": 0, "unreadable_files": 0}
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except (FileNotFoundError, NotADirectoryError):
        return counts
    for entry in entries:
        if entry.name == "_SUCCESS" and entry.is_file():
            continue
        if not (entry.is_file() and entry.name.startswith("part-") and entry.name.endswith(".jsonl.gz")):
            counts["unexpected_files"] += 1
            continue
        try:
            if not _is_utf8_name(entry.name):
                raise OSError("a file name that is not UTF-8")
            counts["lines"] += _count_gzip_lines(entry.path)
        except (OSError, EOFError, zlib.error):
            counts["unreadable_files"] += 1
    return counts
