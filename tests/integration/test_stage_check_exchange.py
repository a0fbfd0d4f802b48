"""Stage-check-exchange: bad partitions injected through the landing zone never reach production."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stayhub.generate import write_partition
from stayhub.warehouse import PROJECT_ROOT, dbt_env
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse


def land_day(raw_root, ds, listings=None, events=None):
    """Lands one complete day in every source: a few clean lines, or the lines given."""
    clean_listings = [crafted_landing.listing(12), crafted_landing.listing(99, market="Atlantis"), crafted_landing.listing(13)]
    clean_events = [crafted_landing.event(f"e-{ds}-{n}", f"{ds}T1{n}:00:00Z") for n in range(3)]
    write_partition(raw_root, "listings", ds, clean_listings if listings is None else listings)
    write_partition(raw_root, "events", ds, clean_events if events is None else events)
    write_partition(raw_root, "bookings", ds, [])
    write_partition(raw_root, "users", ds, [])
    write_partition(raw_root, "assignments", ds, [])


def table_state(warehouse, table):
    return warehouse.query(f"select cast(ds as varchar), count(*), sum(hash(t)) from {table} as t group by 1 order by 1")


def audit_rows(warehouse, where):
    return warehouse.query(
        f"select model_name, cast(ds as varchar), check_name, severity, status, observed_value from audit.partition_check_results where {where} order by all"
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, crafted_landing_root):
    """The crafted landing zone built for 03-01 .. 03-03 (events 03-04 completed), in its own copy."""
    warehouse = Warehouse(tmp_path_factory.mktemp("sce"))
    shutil.copytree(crafted_landing_root, warehouse.raw_root)
    (warehouse.raw_root / "events" / f"ds={crafted_landing.IN_PROGRESS_DS}" / "_SUCCESS").touch()
    warehouse.seed()
    warehouse.build(start_ds=crafted_landing.FIRST_DS, end_ds=crafted_landing.LAST_DS)
    return warehouse


def test_a_warning_is_recorded_and_publication_goes_on(warehouse):
    land_day(
        warehouse.raw_root,
        "2025-03-04",
        listings=[
            crafted_landing.listing(12),
            crafted_landing.listing(99, market="Atlantis"),
            crafted_landing.listing(16, room_type="yurt"),
        ],
    )
    result = warehouse.dbt("run", window={"ds": "2025-03-04"})
    assert (
        "[WARNING]: partition check warned, published anyway: dim_listings ds=2025-03-04 check unseen_values__dim_room_type (warn): observed 1"
    ) in result.stdout
    assert warehouse.query("select dim_room_type from marts.dim_listings where id_listing = 16") == [("yurt",)]
    assert audit_rows(warehouse, "model_name = 'dim_listings' and ds = '2025-03-04' and status <> 'pass'") == [
        ("dim_listings", "2025-03-04", "unseen_values__dim_room_type", "warn", "warn", 1.0)
    ]


def test_an_empty_snapshot_day_is_blocked_and_production_is_untouched(warehouse):
    before = table_state(warehouse, "base.base_listings__lines")
    land_day(warehouse.raw_root, "2025-03-05", listings=[])
    result = warehouse.dbt("run", check=False, window={"ds": "2025-03-05"})
    assert result.returncode != 0
    assert "Stage-check-exchange stopped base_listings__lines: 2 blocking check(s) failed, production is unchanged" in result.stdout
    assert "base_listings__lines ds=2025-03-05 check snapshot_not_empty (error): observed 0, expected >= 1 rows" in result.stdout
    assert table_state(warehouse, "base.base_listings__lines") == before
    # The staged rows stay for inspection; downstream models were skipped, so they hold no 03-05 either.
    assert warehouse.scalar("select count(*) from information_schema.tables where table_schema = 'base_stage' and table_name = 'base_listings__lines'") == 1
    assert warehouse.scalar("select count(*) from marts.dim_listings where ds = '2025-03-05'") == 0
    assert ("base_listings__lines", "2025-03-05", "snapshot_not_empty", "error", "fail", 0.0) in audit_rows(warehouse, "ds = '2025-03-05'")


def test_a_volume_spike_is_blocked(warehouse):
    before = table_state(warehouse, "base.base_listings__lines")
    land_day(warehouse.raw_root, "2025-03-06", listings=[crafted_landing.listing(1000 + n) for n in range(40)])
    result = warehouse.dbt("run", check=False, window={"ds": "2025-03-06"})
    assert result.returncode != 0
    assert "base_listings__lines ds=2025-03-06 check snapshot_size_stable (error): observed 40.0, expected within" in result.stdout
    assert table_state(warehouse, "base.base_listings__lines") == before


def test_null_keys_are_blocked(warehouse):
    before = table_state(warehouse, "base.base_events__lines")
    bad = [crafted_landing.event(None, "2025-03-07T10:00:00Z") for _ in range(24)]
    good = [crafted_landing.event(f"e-good-{n}", "2025-03-07T11:00:00Z") for n in range(6)]
    land_day(warehouse.raw_root, "2025-03-07", events=bad + good)
    result = warehouse.dbt("run", "--select", "base_events__lines", check=False, window={"ds": "2025-03-07"})
    assert result.returncode != 0
    assert "base_events__lines ds=2025-03-07 check reject_rate_at_most_half_of_20_or_more_lines (error): observed 0" in result.stdout
    assert table_state(warehouse, "base.base_events__lines") == before


def test_the_audit_table_holds_every_result_of_a_run(warehouse):
    run_id = warehouse.scalar("select run_id from audit.partition_check_results where ds = '2025-03-04' and model_name = 'dim_listings' limit 1")
    per_model = dict(warehouse.query(f"select model_name, count(*) from audit.partition_check_results where run_id = '{run_id}' group by 1"))
    # dim_listings declares 6 checks and owns 1 partition per run; fct_page_views 5 checks over
    # 02-28 .. 03-04 (the run's ds and the lookback_days, 4, before it).
    assert per_model["dim_listings"] == 6
    assert per_model["fct_page_views"] == 5 * 5
    assert per_model["base_events__lines"] == 6


def test_sigkill_during_the_exchange_leaves_the_whole_old_or_whole_new_partition(tmp_path):
    warehouse = Warehouse(tmp_path)
    ds = "2025-03-01"
    write_partition(warehouse.raw_root, "events", ds, [crafted_landing.event(f"old-{n}", f"{ds}T10:00:00Z") for n in range(1000)])
    warehouse.dbt("run", "--select", "base_events__lines", window={"ds": ds})
    old_state = table_state(warehouse, "base.base_events__lines")
    new_lines = [crafted_landing.event(f"new-{n}", f"{ds}T11:00:00Z") for n in range(200_000)]
    write_partition(warehouse.raw_root, "events", ds, new_lines)

    command = [
        str(Path(sys.executable).parent / "dbt"),
        "run",
        "--select",
        "base_events__lines",
        "--vars",
        json.dumps({"ds": ds}),
        "--target-path",
        str(warehouse.target_path),
    ]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=dbt_env(warehouse.raw_root, warehouse.duckdb_path), stdout=subprocess.PIPE, text=True)
    killed_during_exchange = False
    for line in process.stdout:
        if "exchanging partitions" in line:
            process.send_signal(signal.SIGKILL)
            killed_during_exchange = True
            break
    process.wait(timeout=120)
    assert killed_during_exchange and process.returncode == -signal.SIGKILL

    state = table_state(warehouse, "base.base_events__lines")
    counts = [count for _, count, _ in state]
    assert state == old_state or counts == [200_000], f"a partial partition was published: {state}"

    warehouse.dbt("run", "--select", "base_events__lines", window={"ds": ds})
    assert [count for _, count, _ in table_state(warehouse, "base.base_events__lines")] == [200_000]


def test_sigkill_inside_the_exchange_transaction_after_the_delete_leaves_the_old_partition_whole(tmp_path):
    """Killed at a fixed point: the window's old rows deleted, the new ones not inserted, nothing committed.
    The exchange's test hook (WAREHOUSE_TEST_PAUSE_IN_EXCHANGE, macros/stage_check_exchange/exchange_partitions.sql)
    writes the rows it still sees in the window to <fifo>.rows, then blocks reading the FIFO."""
    warehouse = Warehouse(tmp_path)
    ds = "2025-03-01"
    write_partition(warehouse.raw_root, "events", ds, [crafted_landing.event(f"old-{n}", f"{ds}T10:00:00Z") for n in range(1000)])
    warehouse.dbt("run", "--select", "base_events__lines", window={"ds": ds})
    old_state = table_state(warehouse, "base.base_events__lines")
    write_partition(warehouse.raw_root, "events", ds, [crafted_landing.event(f"new-{n}", f"{ds}T11:00:00Z") for n in range(300)])

    fifo = tmp_path / "pause_in_exchange"
    os.mkfifo(fifo)
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "run",
        "--select",
        "base_events__lines",
        "--vars",
        json.dumps({"ds": ds}),
        "--target-path",
        str(warehouse.target_path),
    ]
    env = dbt_env(warehouse.raw_root, warehouse.duckdb_path, {"WAREHOUSE_TEST_PAUSE_IN_EXCHANGE": str(fifo)})
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Opening the FIFO for writing succeeds only once the exchange has it open for reading: dbt is paused there.
    deadline = time.monotonic() + 180
    paused = False
    while not paused and process.poll() is None and time.monotonic() < deadline:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            paused = True
        except OSError:
            time.sleep(0.05)
    if paused:
        process.send_signal(signal.SIGKILL)
    output = process.communicate(timeout=120)[0]
    assert paused, f"dbt never paused inside the exchange:\n{output[-3000:]}"
    assert process.returncode == -signal.SIGKILL
    # Inside the transaction, the old partition's rows were already deleted when dbt died.
    assert (tmp_path / "pause_in_exchange.rows").read_text().strip() == "0"

    assert table_state(warehouse, "base.base_events__lines") == old_state
    warehouse.dbt("run", "--select", "base_events__lines", window={"ds": ds})
    assert [count for _, count, _ in table_state(warehouse, "base.base_events__lines")] == [300]
