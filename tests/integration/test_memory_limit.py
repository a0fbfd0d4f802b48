"""A range larger than DuckDB's memory limit spills to disk and finishes: the profile's limit
(WAREHOUSE_DUCKDB_MEMORY_LIMIT) caps DuckDB, and the lines model's operators spill past it rather than
stop the run. The landing here holds about 170 MB of lines in 20 files of 8.5 MB; DuckDB gets 192 MB.
Grouping identical lines with list() (number_landing_lines before) stopped at that limit; each file's
text is still held whole while it is split, so the limit must exceed a few files' size (128 MB did not)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from tests.integration.conftest import Warehouse

DAYS = ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04")
FILES_PER_DAY = 5
LINES_PER_FILE = 20_000
REPEATS = 2  # each file's first line lands twice more, identical
LIMIT = {"WAREHOUSE_DUCKDB_MEMORY_LIMIT": "192MB"}
MEBIBYTES = "183.1"  # how DuckDB shows that limit


def land_events(raw_root: Path) -> None:
    padding = "x" * 300
    for ds in DAYS:
        folder = raw_root / "events" / f"ds={ds}"
        folder.mkdir(parents=True)
        for part in range(FILES_PER_DAY):
            lines = [
                json.dumps(
                    {
                        "event_id": f"e-{ds}-{part}-{number}",
                        "event_ts": f"{ds}T10:00:00Z",
                        "event_type": "page_view",
                        "anonymous_id": f"a{number % 5000}",
                        "platform": "web",
                        "url": f"https://stayhub.example/rooms/{number % 997}",
                        "user_agent": "Mozilla/5.0",
                        "properties": {"note": padding},
                    }
                )
                for number in range(LINES_PER_FILE)
            ]
            lines += [lines[0]] * REPEATS
            with gzip.open(folder / f"part-{part:05d}.jsonl.gz", "wt", compresslevel=1) as handle:
                handle.write("\n".join(lines) + "\n")
        (folder / "_SUCCESS").touch()


def test_a_range_larger_than_the_memory_limit_spills_and_every_line_is_accounted_for(tmp_path):
    warehouse = Warehouse(tmp_path)
    land_events(warehouse.raw_root)
    shown = warehouse.dbt("--quiet", "show", "--inline", "select current_setting('memory_limit') as memory_limit", extra_env=LIMIT).stdout
    assert f"{MEBIBYTES} MiB" in shown

    warehouse.dbt("run", "--select", "base_events__lines", extra_env=LIMIT, window={"start_ds": DAYS[0], "end_ds": DAYS[-1]})

    files = len(DAYS) * FILES_PER_DAY
    statuses = dict(warehouse.query("select line_status, count(*) from base.base_events__lines group by all"))
    assert statuses == {"accepted": files * LINES_PER_FILE, "duplicate": files * REPEATS}
    # Identical lines of one file are told apart by their occurrence, 1 .. 1 + REPEATS.
    occurrences = warehouse.query("select line_occurrence, count(*) from base.base_events__lines group by all order by 1")
    assert occurrences == [(1, files * LINES_PER_FILE)] + [(n, files) for n in range(2, REPEATS + 2)]
