"""The landing zone's reader for DuckDB, as a dbt-duckdb plugin.

profiles/profiles.yml loads it (`plugins: [{module: dbt_plugins.landing_reader}]`);
it registers four SQL functions on every connection dbt opens, which the
duckdb__ versions of the macros in macros/landing/ call:

- landing_list_partition_entries(source_folder) -> VARCHAR[]: every entry of
  every `ds=*` folder of a source, files and sub-folders (a folder ends in '/');
- landing_read_jsonl_gz(path) -> STRUCT(text VARCHAR, read_errors VARCHAR[]):
  the physical lines of one gzip file and their read errors (split_lines);
- landing_count_partition_lines(folder) -> STRUCT(lines, unexpected_files,
  unreadable_files): an independent count (dbt_plugins/landing_line_count.py)
  for the singular test tests/base/assert_every_landed_line_is_accounted_for;
- landing_latest_success_at(source_folder) -> TIMESTAMP: when the newest
  _SUCCESS marker of a source was written (UTC), null when there is none:
  the landing sources' freshness (landing_loaded_at_query).

Why Python and not DuckDB's read_csv (measured with DuckDB 2.0): read_csv
splits a line at a lone CR whatever `new_line` says; fails the whole query
on invalid UTF-8, a delimiter byte or a line over max_line_size, with an
error that quotes the line; and expands a file name holding `*` as a glob. Here a file name is opened literally, lines are split
on b"\\n" only, and a line that cannot be used never fails the query: it
comes back with its read error and becomes one reject.

What is stored for a line with a read error (never raised, never logged):
- `invalid_utf8`: the line decoded with every invalid byte replaced by U+FFFD;
- `line_too_long` (over MAX_LINE_BYTES): its first KEPT_PREFIX_BYTES bytes, decoded so;
- `unreadable_file` (not gzip, truncated, vanished): one entry with a null
  line for the whole file; none of its lines is read.
"""

from __future__ import annotations

import gzip
import os
import zlib
from datetime import UTC, datetime

from dbt.adapters.duckdb.plugins import BasePlugin

from dbt_plugins.landing_line_count import count_partition_lines

#: The longest line read; longer ones are rejects (line_too_long).
MAX_LINE_BYTES = 16 * 1024 * 1024
#: How much of a too-long line is kept in raw_line.
KEPT_PREFIX_BYTES = 1024

INVALID_UTF8 = "invalid_utf8"
LINE_TOO_LONG = "line_too_long"
UNREADABLE_FILE = "unreadable_file"

LINES_TYPE = "STRUCT(text VARCHAR, read_errors VARCHAR[])"
COUNT_TYPE = "STRUCT(lines BIGINT, unexpected_files BIGINT, unreadable_files BIGINT)"


def _printable_name(name: str) -> str:
    """A file name as SQL text: bytes that are not UTF-8 (os gives them as surrogates) become U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def list_partition_entries(source_folder: str) -> list[str]:
    """Every entry of every ds=* folder under source_folder, sorted, as
    '<source_folder>/<ds folder>/<name>', with a trailing '/' for a folder.
    Nothing is filtered: deciding what is a part file is the caller's job."""
    entries: list[str] = []
    try:
        with os.scandir(source_folder) as listing:
            partitions = [entry for entry in listing if entry.name.startswith("ds=") and entry.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return entries
    for partition in partitions:
        prefix = f"{source_folder.rstrip('/')}/{_printable_name(partition.name)}/"
        with os.scandir(partition.path) as listing:
            for entry in listing:
                entries.append(prefix + _printable_name(entry.name) + ("/" if entry.is_dir() else ""))
    return sorted(entries)


def latest_success_at(source_folder: str) -> datetime | None:
    """The modification time (naive UTC) of the newest ds=*/_SUCCESS marker under source_folder; None without one."""
    latest: float | None = None
    try:
        with os.scandir(source_folder) as listing:
            partitions = [entry.path for entry in listing if entry.name.startswith("ds=") and entry.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return None
    for partition in partitions:
        try:
            modified = os.stat(os.path.join(partition, "_SUCCESS")).st_mtime
        except FileNotFoundError:
            continue
        latest = modified if latest is None else max(latest, modified)
    return None if latest is None else datetime.fromtimestamp(latest, UTC).replace(tzinfo=None)


def _has_line_longer_than_max(body: bytes) -> bool:
    """Whether a line of body (split on b"\\n") is longer than MAX_LINE_BYTES, without splitting it:
    from the start of a line, the last newline within MAX_LINE_BYTES + 1 bytes ends every line
    begun before it; none there means the line runs longer (unless the body ends first)."""
    start = 0
    while len(body) - start > MAX_LINE_BYTES:
        last_newline = body.rfind(b"\n", start, start + MAX_LINE_BYTES + 1)
        if last_newline == -1:
            return True
        start = last_newline + 1
    return False


def split_lines(data: bytes) -> dict:
    """The physical lines of decompressed bytes, split on b"\\n" only (a CR or
    any other byte stays in its line), as {'text': the lines joined by "\\n",
    None when there is none; 'read_errors': [] when every line reads whole,
    else one entry per line, None or its read error}. A final newline ends
    the last line; without one, the last bytes are a line too.

    One text per file, split by DuckDB, is about three times cheaper than a
    list of Python strings: SQL does `unnest(string_split(text, chr(10)))`
    beside `unnest(read_errors)`, which pads an empty list with nulls."""
    if not data:
        return {"text": None, "read_errors": []}
    body = data[:-1] if data.endswith(b"\n") else data
    # The common case, in C: the whole file is UTF-8 and no line is too long.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _has_line_longer_than_max(body):
        return {"text": text, "read_errors": []}
    kept_lines: list[str] = []
    read_errors: list[str | None] = []
    for line in body.split(b"\n"):
        if len(line) > MAX_LINE_BYTES:
            kept_lines.append(line[:KEPT_PREFIX_BYTES].decode("utf-8", "replace"))
            read_errors.append(LINE_TOO_LONG)
            continue
        try:
            kept_lines.append(line.decode("utf-8"))
            read_errors.append(None)
        except UnicodeDecodeError:
            kept_lines.append(line.decode("utf-8", "replace"))
            read_errors.append(INVALID_UTF8)
    if not any(read_errors):
        read_errors = []
    return {"text": "\n".join(kept_lines), "read_errors": read_errors}


def read_jsonl_gz(path: str) -> dict:
    """The lines of one gzip file (split_lines), opened by its literal name (no glob)."""
    try:
        with open(path, "rb") as handle:
            data = gzip.decompress(handle.read())
    except (OSError, EOFError, zlib.error):
        # BadGzipFile is an OSError. One row for the file: a null line with the error.
        return {"text": None, "read_errors": [UNREADABLE_FILE]}
    return split_lines(data)


class Plugin(BasePlugin):
    """Registers the landing functions on each connection dbt-duckdb opens."""

    def configure_connection(self, conn) -> None:
        conn.create_function("landing_list_partition_entries", list_partition_entries, ["VARCHAR"], "VARCHAR[]")
        conn.create_function("landing_read_jsonl_gz", read_jsonl_gz, ["VARCHAR"], LINES_TYPE)
        conn.create_function("landing_count_partition_lines", count_partition_lines, ["VARCHAR"], COUNT_TYPE)
        conn.create_function("landing_latest_success_at", latest_success_at, ["VARCHAR"], "TIMESTAMP", null_handling="special")
