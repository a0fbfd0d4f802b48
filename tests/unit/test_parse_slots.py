"""A run with --vars and a run without keep a partial-parse file each (stayhub.warehouse.swap_parse_slots)."""

from __future__ import annotations

from stayhub.warehouse import swap_parse_slots


def test_each_kind_of_run_finds_the_file_it_left(tmp_path):
    parse_file = tmp_path / "partial_parse.msgpack"
    parse_file.write_text("windowless")
    # A first run with --vars: it starts without a file of its own and leaves one.
    swap_parse_slots(tmp_path)
    assert not parse_file.exists()
    parse_file.write_text("vars")
    swap_parse_slots(tmp_path)
    assert parse_file.read_text() == "windowless"
    # The next run with --vars starts from the file the last one left, and puts the windowless one back after.
    swap_parse_slots(tmp_path)
    assert parse_file.read_text() == "vars"
    swap_parse_slots(tmp_path)
    assert parse_file.read_text() == "windowless"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["partial_parse.msgpack", "partial_parse.vars.msgpack"]
