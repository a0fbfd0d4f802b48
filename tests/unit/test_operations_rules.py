"""The operations layer's rules, on hand-made inputs: deadlines (late, missing, not due), gaps in a
model's history, which days the daily runner catches up, the landing sources a selection waits for,
and the warehouse lock (a second holder waits, or fails naming the first)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from stayhub.operations.daily import catch_up_days, sources_read, wait_for_landing
from stayhub.operations.lock import WarehouseLocked, warehouse_lock
from stayhub.operations.monitor import Deadline, PartitionedModel, Publication, deadline_causes, deadline_findings, freshness_causes, gaps


def publication(first: str, last: str | None = None) -> Publication:
    return Publication(datetime.fromisoformat(first), datetime.fromisoformat(last or first), 10, "pass", "run")


def test_a_deadline_is_a_day_offset_and_a_utc_time():
    deadline = Deadline.parse("D+1 06:00")
    assert deadline.due_at("2025-03-02") == datetime(2025, 3, 3, 6, 0)
    assert Deadline.parse("D+0 23:30").due_at("2025-12-31") == datetime(2025, 12, 31, 23, 30)
    assert str(Deadline.parse("D+2 07:05")) == "D+2 07:05 UTC"
    for bad in ("06:00", "D+1 6:00", "D-1 06:00", "D+1 24:00", "tomorrow"):
        with pytest.raises(ValueError, match='is not written "D\\+<days> HH:MM"'):
            Deadline.parse(bad, "fct_page_views")


def test_deadlines_find_late_and_missing_partitions_and_leave_the_others():
    models = [PartitionedModel("fct_a", "marts", Deadline.parse("D+1 06:00")), PartitionedModel("fct_b", "marts", None)]
    published = {
        ("fct_a", "2025-03-01"): publication("2025-03-02 05:59"),  # on time
        ("fct_a", "2025-03-02"): publication("2025-03-03 06:01", "2025-03-05 01:00"),  # late: the first publication counts
        ("fct_a", "2025-03-04"): publication("2025-03-05 02:00"),  # on time, then rewritten later
        ("fct_b", "2025-03-01"): publication("2025-03-09 00:00"),  # no deadline: never late
    }
    now = datetime(2025, 3, 5, 7, 0)
    found = {(f.model, f.ds, f.state) for f in deadline_findings(models, published, now, horizon_days=7)}
    # 03-03 was due 03-04 06:00 and is not published; 03-05 is not due until 03-06; before 03-01 fct_a did not exist.
    assert found == {("fct_a", "2025-03-02", "late"), ("fct_a", "2025-03-03", "missing")}
    # Only days within the horizon count.
    assert {(f.ds, f.state) for f in deadline_findings(models, published, now, horizon_days=1)} == set()
    # One alert cause per ds, naming the models.
    causes = deadline_causes(deadline_findings(models, published, now, 7))
    assert [(cause.key, cause.details["models"]) for cause in causes] == [("deadline_missed|2025-03-03", ["fct_a"])]


def test_gaps_are_runs_of_days_without_a_partition_between_published_ones():
    models = [PartitionedModel("fct_a", "marts", None), PartitionedModel("fct_b", "marts", None)]
    days_a = ["2025-03-01", "2025-03-02", "2025-03-05", "2025-03-07"]
    published = {("fct_a", ds): publication("2025-03-08 00:00") for ds in days_a}
    published[("fct_b", "2025-03-03")] = publication("2025-03-08 00:00")
    assert gaps(models, published) == [("fct_a", "2025-03-03", "2025-03-04"), ("fct_a", "2025-03-06", "2025-03-06")]


def test_catch_up_runs_the_landed_days_after_the_last_complete_one_up_to_a_day_not_landed():
    landed = {
        "events": {"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-06", "2025-03-07"},
        "listings": {"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04", "2025-03-06"},
    }
    # fct_a has 03-02 but fct_b not: 03-01 is the last day complete everywhere; a model with no rows is not counted.
    published = {"fct_a": {"2025-03-01", "2025-03-02"}, "fct_b": {"2025-03-01"}, "fct_new": set()}
    assert catch_up_days(landed, ["events", "listings"], published) == (["2025-03-02", "2025-03-03", "2025-03-04"], ["2025-03-05"])
    # An empty ledger starts at the first landed day; a day landed in one source only is not run.
    assert catch_up_days(landed, ["events", "listings"], {}) == (["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"], ["2025-03-05"])
    # Only the sources the selection reads count: events alone has 03-07.
    assert catch_up_days(landed, ["events"], {"fct_a": {"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"}}) == ([], ["2025-03-05"])
    assert catch_up_days(landed, ["events"], {"fct_a": {"2025-03-04", "2025-03-05"}}) == (["2025-03-06", "2025-03-07"], [])
    # Everything published: nothing to do.
    assert catch_up_days(landed, ["events"], {"fct_a": {"2025-03-07"}}) == ([], [])


def test_a_selection_waits_for_the_sources_its_models_read():
    assert sources_read(["base_events__lines", "stg_events__page_views", "fct_page_views"]) == ["events"]
    assert sources_read(["fct_page_views", "dim_listings"]) == []
    assert sources_read(["base_users__lines", "base_bookings__lines"]) == ["bookings", "users"]


def test_waiting_sees_a_marker_that_appears_and_gives_up_on_one_that_does_not(tmp_path: Path):
    (tmp_path / "events" / "ds=2025-03-02").mkdir(parents=True)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            (tmp_path / "events" / "ds=2025-03-02" / "_SUCCESS").touch()

    missing, _ = wait_for_landing(tmp_path, ["events"], "2025-03-02", timeout=60, poke_interval=0.01, sleep=sleep)
    assert missing == [] and len(sleeps) == 2
    missing, waited = wait_for_landing(tmp_path, ["events", "users"], "2025-03-02", timeout=0.05, poke_interval=0.01)
    assert missing == ["users"] and waited >= 0.05


def _hold(path: str, ready: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with warehouse_lock(path, "stayhub daily --ds 2025-03-02"):
        ready.set()
        release.wait(30)


def test_the_lock_names_its_holder_and_a_waiter_gets_it_once_released(tmp_path: Path):
    path = str(tmp_path / "warehouse.duckdb")
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(path, ready, release))
    holder.start()
    assert ready.wait(30)
    with pytest.raises(WarehouseLocked, match=f"locked by pid {holder.pid} on .*stayhub daily --ds 2025-03-02"):
        with warehouse_lock(path, "second", timeout=0):
            pass
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    with warehouse_lock(path, "second", timeout=30, poll=0.1):
        assert time.monotonic() - started >= 0.4
    holder.join(30)
    # A holder killed outright leaves no lock behind.
    ready, release = context.Event(), context.Event()
    killed = context.Process(target=_hold, args=(path, ready, release))
    killed.start()
    assert ready.wait(30)
    os.kill(killed.pid or 0, 9)
    killed.join(30)
    with warehouse_lock(path, "third", timeout=5, poll=0.1):
        pass


def test_stale_sources_are_causes_by_dbt_freshness_status():
    sources = [
        {"source": "events", "status": "pass", "max_loaded_at": "2025-03-02T00:10:00+00:00", "age_hours": 3.0},
        {"source": "users", "status": "warn", "max_loaded_at": "2025-03-01T00:10:00+00:00", "age_hours": 30.0},
        {"source": "listings", "status": "runtime error", "max_loaded_at": None, "age_hours": None},
    ]
    causes = {cause.key: cause for cause in freshness_causes(sources)}
    assert set(causes) == {"source_stale|users", "source_stale|listings"}
    assert causes["source_stale|users"].severity == "warn" and causes["source_stale|listings"].severity == "error"
    assert "no complete partition" in causes["source_stale|listings"].summary
