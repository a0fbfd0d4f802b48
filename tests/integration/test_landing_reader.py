"""The landing reader never loses or miscounts a line and never fails a run on
a bad one: its Python functions on their own, then a dbt build of the
hand-made zone of reader_landing, checked against Python's gzip."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from dbt_plugins.landing_line_count import count_partition_lines
from dbt_plugins.landing_reader import (
    KEPT_PREFIX_BYTES,
    MAX_LINE_BYTES,
    list_partition_entries,
    read_jsonl_gz,
    split_lines,
)
from tests.integration import reader_landing
from tests.integration.conftest import Warehouse

WINDOW = {"start_ds": reader_landing.FIRST_DS, "end_ds": reader_landing.LAST_DS}


def lines_of(result: dict) -> list[tuple[str | None, str | None]]:
    """(raw_line, read_error) pairs, as DuckDB unnests them beside each other."""
    lines = [] if result["text"] is None else result["text"].split("\n")
    errors = result["read_errors"]
    return [(lines[i] if i < len(lines) else None, errors[i] if i < len(errors) else None) for i in range(max(len(lines), len(errors)))]


# --- The plugin's functions, without dbt -------------------------------------------------


def test_lines_split_on_newline_only_and_keep_every_other_byte():
    data = b'{"a": "x\ry"}\n{"a": "x\x1ey"}\n\n{"a": 1}\r\nlast without newline'
    assert lines_of(split_lines(data)) == [
        ('{"a": "x\ry"}', None),
        ('{"a": "x\x1ey"}', None),
        ("", None),
        ('{"a": 1}\r', None),
        ("last without newline", None),
    ]
    assert lines_of(split_lines(b"")) == []
    assert lines_of(split_lines(b"\n")) == [("", None)]


def test_undecodable_and_too_long_lines_come_back_flagged_with_what_is_safe_to_keep():
    longest = b"a" * MAX_LINE_BYTES
    too_long = "é".encode() * (MAX_LINE_BYTES // 2 + 1)
    data = b"\n".join([b'{"ok": 1}', b'{"bad": "\xff\xfe"}', longest, too_long, b'{"ok": 2}']) + b"\n"
    assert lines_of(split_lines(data)) == [
        ('{"ok": 1}', None),
        ('{"bad": "\ufffd\ufffd"}', "invalid_utf8"),
        ("a" * MAX_LINE_BYTES, None),
        ("é" * (KEPT_PREFIX_BYTES // 2), "line_too_long"),
        ('{"ok": 2}', None),
    ]


def test_a_file_is_opened_by_its_literal_name_and_a_file_that_is_not_gzip_is_one_unreadable_row(tmp_path):
    (tmp_path / "part-00000.jsonl.gz").write_bytes(gzip.compress(b"one\ntwo\n"))
    (tmp_path / "part-*.jsonl.gz").write_bytes(gzip.compress(b"star\n"))
    (tmp_path / "part-00001.jsonl.gz").write_bytes(b"plain text\n")
    assert lines_of(read_jsonl_gz(str(tmp_path / "part-*.jsonl.gz"))) == [("star", None)]
    assert lines_of(read_jsonl_gz(str(tmp_path / "part-00001.jsonl.gz"))) == [(None, "unreadable_file")]
    assert lines_of(read_jsonl_gz(str(tmp_path / "part-00002.jsonl.gz"))) == [(None, "unreadable_file")]


def test_listing_shows_every_file_and_sub_folder_of_the_ds_folders_only(tmp_path):
    folder = tmp_path / "events" / "ds=2025-04-01"
    (folder / "nested").mkdir(parents=True)
    for name in ("_SUCCESS", "part-00000.jsonl.gz", ".hidden", "part-*.jsonl.gz"):
        (folder / name).write_bytes(b"")
    (tmp_path / "events" / "stray.txt").write_bytes(b"")
    prefix = f"{tmp_path}/events/ds=2025-04-01/"
    assert list_partition_entries(f"{tmp_path}/events") == [
        prefix + name for name in (".hidden", "_SUCCESS", "nested/", "part-*.jsonl.gz", "part-00000.jsonl.gz")
    ]
    assert list_partition_entries(f"{tmp_path}/missing") == []


@pytest.fixture(scope="module")
def reader_raw_root(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("reader_landing") / "raw"
    reader_landing.write(raw_root)
    return raw_root


def test_the_singular_tests_counter_agrees_with_pythons_gzip(reader_raw_root):
    counted = {(folder.parent.name, folder.name[len("ds=") :]): count_partition_lines(str(folder)) for folder in sorted(reader_raw_root.glob("*/ds=*"))}
    assert {key: count for key, count in counted.items() if any(count.values())} == reader_landing.count_landed(reader_raw_root)
    assert counted[("events", reader_landing.LAST_DS)] == {"lines": 23, "unexpected_files": 3, "unreadable_files": 1}


# --- A dbt build of the hand-made zone ---------------------------------------------------


@pytest.fixture(scope="module")
def reader_warehouse(tmp_path_factory, reader_raw_root):
    root = tmp_path_factory.mktemp("reader_warehouse")
    warehouse = Warehouse(root)
    warehouse.raw_root = reader_raw_root
    warehouse.log_path = root / "logs"
    warehouse.seed()
    warehouse.build_result = warehouse.build("--log-path", str(warehouse.log_path), **WINDOW)
    return warehouse


def events_line(warehouse, marker: str) -> tuple:
    rows = warehouse.query(
        f"select cast(ds as varchar), line_status, reject_reason, raw_line from base.base_events__lines where contains(raw_line, '{marker}')"
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_each_bad_line_is_one_reject_with_its_reason(reader_warehouse):
    for key, (line, status, reason) in reader_landing.bad_event_lines().items():
        ds, actual_status, actual_reason, raw_line = events_line(reader_warehouse, reader_landing.MARKERS[key])
        assert (ds, actual_status, actual_reason) == (reader_landing.FIRST_DS, status, reason), key
        if reason == "invalid_utf8":
            assert raw_line == line.decode("utf-8", "replace")
        elif reason == "line_too_long":
            assert raw_line == line[:KEPT_PREFIX_BYTES].decode("utf-8")
        else:
            assert raw_line == line.decode("utf-8")
    rejects = reader_warehouse.query(
        f"select reject_reason, count(*) from base.base_landing__rejects where source_name = 'events' and ds = '{reader_landing.FIRST_DS}' group by all"
    )
    assert sorted(rejects) == [("invalid_json", 2), ("invalid_utf8", 1), ("line_too_long", 1)]


def test_the_rest_of_the_partition_loads_long_lines_included(reader_warehouse):
    staged = reader_warehouse.query(
        f"select event_id, length(raw_line) from base.base_events__lines where ds = '{reader_landing.FIRST_DS}' and line_status = 'accepted'"
    )
    assert sorted(event_id for event_id, _ in staged) == sorted([f"e-first-{n}" for n in range(20)] + ["e-cr-whitespace", "e-five-mb"])
    assert dict(staged)["e-five-mb"] > 5 * 1024 * 1024
    assert reader_warehouse.scalar("select count(*) from staging.stg_events__events where event_id in ('e-five-mb', 'e-cr-whitespace')") == 2


def test_no_raw_line_is_printed_logged_or_kept_in_run_results(reader_warehouse):
    assert "Completed successfully" in reader_warehouse.build_result.stdout
    texts = {
        "dbt output": reader_warehouse.build_result.stdout,
        "dbt.log": (reader_warehouse.log_path / "dbt.log").read_text(errors="replace"),
        "run_results.json": (reader_warehouse.target_path / "run_results.json").read_text(),
    }
    for where, text in texts.items():
        assert "base_events__lines" in text, f"{where} is not this build's"
        for marker in reader_landing.MARKERS.values():
            assert marker not in text, f"{marker} is in {where}"


def test_files_that_are_not_read_are_rejects_with_their_path(reader_warehouse):
    rows = reader_warehouse.query(
        "select source_name, cast(ds as varchar), source_file, reject_reason, raw_line from base.base_landing__rejects "
        "where reject_reason in ('unexpected_file', 'unreadable_file')"
    )
    assert {row[:4] for row in rows} == reader_landing.FILE_REJECTS
    assert len(rows) == len(reader_landing.FILE_REJECTS)
    assert all(raw_line is None for *_, raw_line in rows)
    # What they hold was not read: no line of theirs was staged.
    assert reader_warehouse.scalar("select count(*) from base.base_events__lines where event_id in ('e-plain', 'e-json-gz', 'e-nested')") == 0


def test_a_file_named_like_a_glob_is_read_once_by_its_own_name(reader_warehouse):
    per_file = reader_warehouse.query(
        "select source_file, count(*), count(distinct event_id) from base.base_events__lines "
        f"where ds = '{reader_landing.LAST_DS}' and reject_reason is null group by all"
    )
    folder = f"events/ds={reader_landing.LAST_DS}"
    assert sorted(per_file) == [(f"{folder}/part-*.jsonl.gz", 3, 3), (f"{folder}/part-00000.jsonl.gz", 20, 20)]


def test_line_accounting_equals_an_independent_gzip_count(reader_warehouse):
    accounted = {
        (source, ds): {"lines": read, "unexpected_files": unexpected, "unreadable_files": unreadable, "accounted": accounted}
        for source, ds, read, accounted, unexpected, unreadable in reader_warehouse.query(
            "select source_name, cast(ds as varchar), lines_read, lines_staged + lines_duplicate + lines_rejected, "
            "unexpected_files, unreadable_files from base.base_landing__line_accounting"
        )
    }
    landed = reader_landing.count_landed(reader_warehouse.raw_root)
    assert set(accounted) == set(landed) == {(source, ds) for source in reader_landing.SOURCES for ds in WINDOW.values()}
    assert accounted == {key: {**count, "accounted": count["lines"]} for key, count in landed.items()}


def test_the_singular_test_counts_on_its_own_and_fails_when_the_accounting_is_off(reader_warehouse, tmp_path):
    assert "PASS assert_every_landed_line_is_accounted_for" in reader_warehouse.build_result.stdout
    # The same warehouse, checked against a landing zone that has since changed behind its back.
    changed = Warehouse(tmp_path)
    changed.duckdb_path = reader_warehouse.duckdb_path
    changed.raw_root = tmp_path / "raw"
    changed.target_path.mkdir()
    shutil.copyfile(reader_warehouse.target_path / "partial_parse.msgpack", changed.target_path / "partial_parse.msgpack")
    shutil.copytree(reader_warehouse.raw_root, changed.raw_root)
    bookings = changed.raw_root / "bookings" / f"ds={reader_landing.FIRST_DS}"
    (bookings / "part-00001.jsonl.gz").write_bytes(gzip.compress(json.dumps({"late": 1}).encode() + b"\n"))
    (changed.raw_root / "listings" / f"ds={reader_landing.LAST_DS}" / "notes.txt").write_text("hello\n")
    result = changed.dbt("test", "--select", "assert_every_landed_line_is_accounted_for", check=False, window=WINDOW)
    assert result.returncode != 0
    assert "FAIL 2 assert_every_landed_line_is_accounted_for" in result.stdout
