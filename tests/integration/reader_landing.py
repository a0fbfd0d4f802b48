"""A hand-made landing zone of what the reader must survive: bytes that are
not text, control characters, very long lines, files it must not read, and a
file name that looks like a glob.

Every source lands ds 2025-04-01 and 2025-04-02 with ordinary lines (the
records of crafted_landing). On top of them:

- events ds=2025-04-01, in part-00000.jsonl.gz: a line with an invalid UTF-8
  byte, one with a raw 0x1E byte and one with a raw lone CR inside a JSON
  string (both invalid JSON, each one physical line), one with a lone CR
  between JSON tokens (valid JSON whitespace: staged), a valid 5 MB line
  (staged) and a line over 16 MiB (line_too_long);
- events ds=2025-04-02: a second part file literally named `part-*.jsonl.gz`,
  and files the reader must list, not read: `part-00097.jsonl` (plain
  text), `part-00098.json.gz`, a sub-folder `nested/` holding a part file,
  and `part-00099.jsonl.gz`, which is not gzip (unreadable_file);
- users ds=2025-04-01: a hidden `.part-00000.jsonl.gz.crc` (unexpected_file).

Every bad line carries an email-like marker (MARKERS) that must never reach
dbt's output, log or run results.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from stayhub.generate import write_partition
from tests.integration.crafted_landing import assignment, booking, event, listing, user

FIRST_DS = "2025-04-01"
LAST_DS = "2025-04-02"
SOURCES = ("assignments", "bookings", "events", "listings", "users")
MAX_LINE_BYTES = 16 * 1024 * 1024

# Email-like markers, one per line that must not be printed.
MARKERS = {
    "invalid_utf8": "leak.invalid-utf8@example.com",
    "record_separator": "leak.record-separator@example.com",
    "carriage_return": "leak.carriage-return@example.com",
    "too_long": "leak.too-long@example.com",
}


def _event_bytes(event_id: str, **fields) -> bytes:
    return event(event_id, "2025-04-01T10:00:00Z", **fields).encode("utf-8")


def bad_event_lines() -> dict[str, tuple[bytes, str, str | None]]:
    """marker key -> (physical line, expected line_status, expected reject_reason)."""
    utf8 = _event_bytes("e-utf8", user_agent=f"Mozilla/5.0 {MARKERS['invalid_utf8']} BADBYTE")
    separator = _event_bytes("e-separator", user_agent=f"Mozilla/5.0 {MARKERS['record_separator']} RS")
    carriage = _event_bytes("e-cr-in-string", user_agent=f"Mozilla/5.0 {MARKERS['carriage_return']} CR")
    too_long = _event_bytes("e-too-long", user_agent=f"{MARKERS['too_long']} " + "y" * (MAX_LINE_BYTES + 1024))
    return {
        "invalid_utf8": (utf8.replace(b"BADBYTE", b"\xff\xfe"), "rejected", "invalid_utf8"),
        "record_separator": (separator.replace(b" RS", b"\x1e"), "rejected", "invalid_json"),
        "carriage_return": (carriage.replace(b" CR", b"\r"), "rejected", "invalid_json"),
        "too_long": (too_long, "rejected", "line_too_long"),
    }


def cr_whitespace_line() -> bytes:
    """A lone CR between two JSON tokens: JSON whitespace, so the line is valid and staged."""
    return _event_bytes("e-cr-whitespace").replace(b', "event_type"', b',\r"event_type"', 1)


def five_mb_line() -> bytes:
    """A valid 5 MB event (an unknown property key), staged like any other."""
    return _event_bytes("e-five-mb", properties={"padding": "z" * (5 * 1024 * 1024)})


def good_events(ds: str, prefix: str, count: int) -> list[str]:
    return [event(f"{prefix}-{n}", f"{ds}T{10 + n % 10:02d}:00:00Z") for n in range(count)]


def _write_gzip(path: Path, lines: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines), mtime=0))


def write(raw_root: Path) -> None:
    """Writes the zone under raw_root."""
    raw_root = Path(raw_root)
    for ds, next_change in ((FIRST_DS, 1), (LAST_DS, 3)):
        changed_at = f"{ds}T09:00:00Z"
        write_partition(
            raw_root,
            "bookings",
            ds,
            [
                booking(next_change, "c", 100 + next_change, changed_at=changed_at),
                booking(next_change + 1, "u", 100 + next_change, status="confirmed", changed_at=changed_at),
            ],
        )
        write_partition(raw_root, "listings", ds, [listing(12), listing(13, market="new york")])
        write_partition(
            raw_root,
            "users",
            ds,
            [
                user(next_change, "c", next_change, changed_at=changed_at, signup_at=changed_at),
                user(next_change + 1, "c", next_change + 1, changed_at=changed_at, signup_at=changed_at),
            ],
        )
        write_partition(raw_root, "assignments", ds, [assignment(1, f"{ds}T10:00:00Z"), assignment(2, f"{ds}T11:00:00Z", variant="treatment")])

    # events ds=2025-04-01: ordinary lines around every kind of bad line, in one part file.
    folder = raw_root / "events" / f"ds={FIRST_DS}"
    ordinary = [line.encode("utf-8") for line in good_events(FIRST_DS, "e-first", 20)]
    bad = [line for line, _, _ in bad_event_lines().values()]
    _write_gzip(folder / "part-00000.jsonl.gz", ordinary[:10] + bad[:2] + [cr_whitespace_line()] + bad[2:] + [five_mb_line()] + ordinary[10:])
    (folder / "_SUCCESS").write_bytes(b"")

    # events ds=2025-04-02: a file named like a glob, and files that must be listed, not read.
    write_partition(raw_root, "events", LAST_DS, good_events(LAST_DS, "e-second", 20))
    folder = raw_root / "events" / f"ds={LAST_DS}"
    _write_gzip(folder / "part-*.jsonl.gz", [line.encode("utf-8") for line in good_events(LAST_DS, "e-glob", 3)])
    (folder / "part-00097.jsonl").write_text(event("e-plain", f"{LAST_DS}T10:00:00Z") + "\n")
    _write_gzip(folder / "part-00098.json.gz", [event("e-json-gz", f"{LAST_DS}T10:00:00Z").encode("utf-8")])
    _write_gzip(folder / "nested" / "part-00000.jsonl.gz", [event("e-nested", f"{LAST_DS}T10:00:00Z").encode("utf-8")])
    (folder / "part-00099.jsonl.gz").write_bytes(b"not gzip at all\n" + json.dumps({"x": 1}).encode("utf-8"))

    (raw_root / "users" / f"ds={FIRST_DS}" / ".part-00000.jsonl.gz.crc").write_bytes(b"\x00\x01crc")


def add_edge_cases(raw_root: Path, ds: str) -> None:
    """The same edge cases added to an existing landed day of every source (a generated sample): the bad lines,
    the CR-whitespace and 5 MB lines in their own part file, the glob-named part file, the files not to read
    and the hidden checksum file."""
    events = Path(raw_root) / "events" / f"ds={ds}"
    _write_gzip(events / "part-00090.jsonl.gz", [line for line, _, _ in bad_event_lines().values()] + [cr_whitespace_line(), five_mb_line()])
    _write_gzip(events / "part-*.jsonl.gz", [line.encode("utf-8") for line in good_events(ds, "e-glob", 3)])
    (events / "part-00097.jsonl").write_text(event("e-plain", f"{ds}T10:00:00Z") + "\n")
    _write_gzip(events / "part-00098.json.gz", [event("e-json-gz", f"{ds}T10:00:00Z").encode("utf-8")])
    _write_gzip(events / "nested" / "part-00000.jsonl.gz", [event("e-nested", f"{ds}T10:00:00Z").encode("utf-8")])
    (events / "part-00099.jsonl.gz").write_bytes(b"not gzip at all\n" + json.dumps({"x": 1}).encode("utf-8"))
    (Path(raw_root) / "users" / f"ds={ds}" / ".part-00000.jsonl.gz.crc").write_bytes(b"\x00\x01crc")


# (source, ds, source_file, reject_reason) of every file the reader must not read.
FILE_REJECTS = {
    ("events", LAST_DS, f"events/ds={LAST_DS}/part-00097.jsonl", "unexpected_file"),
    ("events", LAST_DS, f"events/ds={LAST_DS}/part-00098.json.gz", "unexpected_file"),
    ("events", LAST_DS, f"events/ds={LAST_DS}/nested/", "unexpected_file"),
    ("events", LAST_DS, f"events/ds={LAST_DS}/part-00099.jsonl.gz", "unreadable_file"),
    ("users", FIRST_DS, f"users/ds={FIRST_DS}/.part-00000.jsonl.gz.crc", "unexpected_file"),
}


def count_landed(raw_root: Path) -> dict[tuple[str, str], dict[str, int]]:
    """An independent count with Python's gzip, per (source, ds) with _SUCCESS:
    physical lines (one per b"\\n", plus an unterminated last one) of every
    regular file named part-*.jsonl.gz, files that are not, and part files
    gzip cannot read. Only non-empty partitions are kept."""
    counts = {}
    for folder in sorted(Path(raw_root).glob("*/ds=*")):
        if not (folder / "_SUCCESS").is_file():
            continue
        count = {"lines": 0, "unexpected_files": 0, "unreadable_files": 0}
        for entry in folder.iterdir():
            name = entry.name
            if name == "_SUCCESS":
                continue
            if not (entry.is_file() and name.startswith("part-") and name.endswith(".jsonl.gz")):
                count["unexpected_files"] += 1
                continue
            try:
                data = gzip.decompress(entry.read_bytes())
            except (OSError, EOFError):
                count["unreadable_files"] += 1
                continue
            count["lines"] += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        if any(count.values()):
            counts[(folder.parent.name, folder.name[len("ds=") :])] = count
    return counts
