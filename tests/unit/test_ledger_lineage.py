"""Which partitions the partition ledger calls stale because of their inputs (stayhub/ledger.py), on
hand-made ledger rows: the rule the on-run-end report applies in SQL too."""

from __future__ import annotations

from datetime import datetime

from stayhub.ledger import Version, input_changed, stale_by_inputs

EARLY, BUILT, LATER = datetime(2025, 1, 6, 1), datetime(2025, 1, 6, 2), datetime(2025, 1, 7, 3)


def test_an_input_changed_when_its_rows_did_not_when_it_was_republished_alike():
    recorded = Version("run-1", EARLY, 10, "123")
    assert not input_changed(recorded, Version("run-1", EARLY, 10, "123"))
    # Republished with the same rows: nothing built on it changes.
    assert not input_changed(recorded, Version("run-2", LATER, 10, "123"))
    assert input_changed(recorded, Version("run-2", LATER, 11, "456"))
    # Without checksums (an engine with no row hash), any republication counts.
    assert input_changed(Version("run-1", EARLY, 10, None), Version("run-2", LATER, 10, None))
    # Not published then: it counts once it has rows; gone since: it counts when it had rows.
    assert input_changed(Version(None, None, None, None), Version("run-2", LATER, 3, "789"))
    assert not input_changed(Version(None, None, None, None), Version("run-2", LATER, 0, "0"))
    assert not input_changed(Version(None, None, None, None), None)
    assert input_changed(recorded, None) and not input_changed(Version("run-1", EARLY, 0, "0"), None)


def test_staleness_reaches_every_partition_built_on_a_changed_one_with_its_reason():
    ledger = {
        ("lines", "2025-01-02"): Version("rerun", LATER, 12, "new"),
        ("lines", "2025-01-03"): Version("daily", EARLY, 9, "l3"),
        ("fact", "2025-01-02"): Version("rerun", LATER, 5, "f2"),
        ("fact", "2025-01-03"): Version("daily", BUILT, 4, "f3"),
        ("cum", "2025-01-02"): Version("rerun", LATER, 7, "c2"),
        ("cum", "2025-01-03"): Version("daily", BUILT, 8, "c3"),
        ("cum", "2025-01-04"): Version("daily", BUILT, 8, "c4"),
        ("other", "2025-01-03"): Version("daily", BUILT, 1, "o3"),
    }
    inputs = [
        # The fact of 01-03 read the landing partitions 01-02 and 01-03: 01-02 was re-run with new rows since.
        ("fact", "2025-01-03", "lines", "2025-01-02", Version("daily", EARLY, 10, "old")),
        ("fact", "2025-01-03", "lines", "2025-01-03", Version("daily", EARLY, 9, "l3")),
        ("fact", "2025-01-02", "lines", "2025-01-02", Version("rerun", LATER, 12, "new")),
        # The cumulative table: yesterday's partition and today's fact.
        ("cum", "2025-01-02", "fact", "2025-01-02", Version("rerun", LATER, 5, "f2")),
        ("cum", "2025-01-03", "cum", "2025-01-02", Version("daily", EARLY, 6, "c2-old")),
        ("cum", "2025-01-03", "fact", "2025-01-03", Version("daily", BUILT, 4, "f3")),
        ("cum", "2025-01-04", "cum", "2025-01-03", Version("daily", BUILT, 8, "c3")),
        # Republished with the same rows: not stale.
        ("other", "2025-01-03", "lines", "2025-01-03", Version("older", EARLY, 9, "l3")),
    ]
    assert stale_by_inputs(ledger, inputs) == {
        ("fact", "2025-01-03"): "input lines ds=2025-01-02 republished at 2025-01-07 03:00:00 after it",
        ("cum", "2025-01-03"): "input cum ds=2025-01-02 republished at 2025-01-07 03:00:00 after it",
        ("cum", "2025-01-04"): "built on stale cum ds=2025-01-03",
    }
