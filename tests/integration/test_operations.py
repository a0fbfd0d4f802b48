"""Operations end to end on the crafted landing zone: the daily runner's exit codes (a partition that
lands while it waits, one that never does, a blocking check, a dbt failure, a second runner on the
same warehouse), run history, the monitor's alerts reaching a webhook on 127.0.0.1 once per cause and
clearing once, the status page of the warehouse, and catch-up over several days.

The tests of this module run in order on one warehouse, as days go by in production."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import duckdb
import pytest

from stayhub.generate import write_partition
from stayhub.operations import alerts, monitor, status
from stayhub.operations.lock import lock_path_for
from stayhub.warehouse import PROJECT_ROOT, dbt_env
from tests.integration import crafted_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_stage_check_exchange import land_day

YURT_LISTINGS = [crafted_landing.listing(12), crafted_landing.listing(99, market="Atlantis"), crafted_landing.listing(16, room_type="yurt")]
CLEAN_LISTINGS = [crafted_landing.listing(12), crafted_landing.listing(99, market="Atlantis"), crafted_landing.listing(13)]
# Deadlines are judged as of this time: ds 03-05 was due 03-06 06:00 UTC, ds 03-06 is due 03-07 06:00.
NOW = datetime(2025, 3, 6, 7, 0)


def daily_command(warehouse: Warehouse, *args: str) -> list[str]:
    return [sys.executable, "-m", "stayhub", "daily", "--target-path", str(warehouse.target_path), "--log-path", str(warehouse.log_path), *args]


def daily(warehouse: Warehouse, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The daily runner as a scheduler runs it: a process, its exit code, its output."""
    return subprocess.run(
        daily_command(warehouse, *args),
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path, env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def daily_runs(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query("select cast(ds as varchar), status, exit_code, dbt_run_id, waited_seconds from audit.daily_runs order by started_at")


def ledger_days(warehouse: Warehouse, model: str) -> list[str]:
    return [ds for (ds,) in warehouse.query(f"select cast(ds as varchar) from audit.partition_ledger where model_name = '{model}' order by 1")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, crafted_landing_root) -> Warehouse:
    """The crafted landing zone built for 03-01 .. 03-03 by a range run; events 03-04 are in progress (no _SUCCESS)."""
    warehouse = Warehouse(tmp_path_factory.mktemp("operations"))
    shutil.copytree(crafted_landing_root, warehouse.raw_root)
    warehouse.seed()
    warehouse.build(start_ds=crafted_landing.FIRST_DS, end_ds=crafted_landing.LAST_DS)
    return warehouse


class Webhook:
    """A chat webhook on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/stayhub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[tuple[str, str, str]]:
        """(event, kind, key) of the posts since the last take."""
        taken = [(post["alert"]["event"], post["alert"]["kind"], post["alert"]["key"]) for post in self.posts]
        self.posts.clear()
        return taken


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.server.shutdown()


def test_a_partition_that_never_lands_exits_3_and_builds_nothing(warehouse):
    before = ledger_days(warehouse, "fct_page_views")
    result = daily(warehouse, "--ds", "2025-03-04", "--wait-timeout", "1.5", "--poke-interval", "0.5", "--no-monitor")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "waiting for ds=2025-03-04 of events (_SUCCESS), 0 of 2 s" in result.stdout
    assert "upstream_late: upstream not landed after 2 s: no " in result.stdout
    assert f"{warehouse.raw_root}/events/ds=2025-03-04/_SUCCESS" in result.stdout
    assert ledger_days(warehouse, "fct_page_views") == before
    assert daily_runs(warehouse)[-1][:3] == ("2025-03-04", "upstream_late", 3)


def test_a_partition_that_lands_while_waiting_is_built_and_a_second_runner_is_refused(warehouse):
    land_day(warehouse.raw_root, "2025-03-04", listings=YURT_LISTINGS, events=[crafted_landing.event("e-0304", "2025-03-04T10:00:00Z")])
    events_marker = warehouse.raw_root / "events" / "ds=2025-03-04" / "_SUCCESS"
    events_marker.unlink()
    first = subprocess.Popen(
        daily_command(warehouse, "--ds", "2025-03-04", "--wait-timeout", "300", "--poke-interval", "0.5", "--no-monitor"),
        cwd=PROJECT_ROOT,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert first.stdout is not None
    assert "waiting for ds=2025-03-04 of events (_SUCCESS)" in first.stdout.readline()
    events_marker.touch()
    # Once it builds it holds the warehouse's lock: a second runner stops at once and names it.
    lock = lock_path_for(warehouse.duckdb_path)
    deadline = time.monotonic() + 120
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    second = daily(warehouse, "--ds", "2025-03-04", "--no-monitor")
    output, _ = first.communicate(timeout=900)
    assert first.returncode == 0, output
    assert second.returncode == 5, second.stdout + second.stderr
    assert f"the warehouse is locked by pid {first.pid} on " in second.stderr
    assert "stayhub daily --ds 2025-03-04" in second.stderr and "Nothing was built" in second.stderr

    assert "2025-03-04" in ledger_days(warehouse, "fct_page_views")
    ds, state, code, run_id, waited = daily_runs(warehouse)[-1]
    assert (ds, state, code) == ("2025-03-04", "success", 0) and waited > 0
    # Run history: every model this invocation ran, with its status, rows and time, beside the ledger and check results.
    history = warehouse.query(
        "select node_name, status, rows_affected, seconds, window_start_ds, window_end_ds from audit.run_history"
        f" where run_id = '{run_id}' and resource_type = 'model'"
    )
    by_model = {name: rest for name, *rest in history}
    assert by_model["fct_page_views"][0] == "success" and by_model["fct_page_views"][2] > 0
    assert str(by_model["fct_page_views"][3]) == str(by_model["fct_page_views"][4]) == "2025-03-04"
    published = warehouse.scalar(f"select sum(row_count) from audit.partition_ledger where run_id = '{run_id}' and model_name = 'fct_page_views'")
    assert by_model["fct_page_views"][1] == published
    assert set(by_model) >= {"base_events__lines", "dim_listings", "fct_page_views", "cum_user_activity"}
    assert warehouse.scalar(f"select count(*) from audit.partition_check_results where run_id = '{run_id}'") > 0


def test_a_blocking_check_exits_4_and_production_keeps_its_partitions(warehouse):
    land_day(warehouse.raw_root, "2025-03-05", listings=[])
    result = daily(warehouse, "--ds", "2025-03-05", "--no-monitor")
    assert result.returncode == 4, result.stdout[-3000:] + result.stderr
    assert "check_blocked: a check blocked the publication: base_listings__lines ds=2025-03-05: snapshot_not_empty" in result.stdout
    assert "2025-03-05" not in ledger_days(warehouse, "base_listings__lines")
    assert daily_runs(warehouse)[-1][:3] == ("2025-03-05", "check_blocked", 4)


def test_a_failure_that_is_not_a_check_exits_1(warehouse, tmp_path):
    result = daily(warehouse, "--ds", "2025-03-05", "--no-monitor", env={"WAREHOUSE_PII_KEY_FILE": str(tmp_path / "no-such.key")})
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "failed: dbt build exited 2 before running any node: " in result.stdout
    assert "no-such.key" in result.stdout.splitlines()[-1]
    assert daily_runs(warehouse)[-1][:3] == ("2025-03-05", "failed", 1)


def monitor_once(warehouse: Warehouse, webhook: Webhook, now: datetime = NOW) -> monitor.MonitorResult:
    sinks: list[alerts.Sink] = [alerts.WebhookSink(webhook.url)]
    return monitor.run_monitor(warehouse.raw_root, warehouse.duckdb_path, warehouse.target_path, now=now, sinks=sinks, log_path=warehouse.log_path)


def test_each_alert_reaches_the_webhook_once_and_clears_once(warehouse, webhook):
    # Make one cause of every kind the runs above did not: a lost partition (a gap), a stale source, an experiment alert row.
    lost = warehouse.query("select * from audit.partition_ledger where model_name = 'fct_booking_events' and ds = '2025-03-02'")
    with warehouse_connection(warehouse) as connection:
        connection.execute("delete from audit.partition_ledger where model_name = 'fct_booking_events' and ds = '2025-03-02'")
        connection.execute(
            "insert into experiments.exp_alerts (ds, experiment_key, alert_type, metric, variant, cut_name, cut_value, p_value, detail) "
            "values ('2025-03-04', 'search_ranking_v2', 'sample_ratio_mismatch', null, null, 'all', 'all', 0.0001, 'control 700, treatment 300')"
        )
    markers = sorted((warehouse.raw_root / "users").glob("ds=*/_SUCCESS"))
    three_days_ago = time.time() - 3 * 86400
    for marker in markers:
        os.utime(marker, (three_days_ago, three_days_ago))

    result = monitor_once(warehouse, webhook)
    fired = webhook.take()
    assert {event for event, _, _ in fired} == {"firing"}
    assert sorted({kind for _, kind, _ in fired}) == sorted(alerts.ALERT_KINDS)
    keys = [key for _, _, key in fired]
    assert len(keys) == len(set(keys)) == len(result.causes)
    made = {
        "run_failed|2025-03-05",
        "check_blocked|base_listings__lines|2025-03-05|snapshot_not_empty",
        "check_warned|dim_listings|2025-03-04|unseen_values__dim_room_type",
        "deadline_missed|2025-03-05",
        "partition_gap|fct_booking_events|2025-03-02|2025-03-02",
        "source_stale|users",
        "experiment_alert|search_ranking_v2|sample_ratio_mismatch||",
    }
    assert made <= set(keys)
    # The deadline report: 03-05 of the listings branch not published by 03-06 06:00 (missing), 03-04 published after its deadline (late), 03-06 not due.
    assert ("dim_listings", "2025-03-05", "missing") in {(f.model, f.ds, f.state) for f in result.deadlines}
    assert ("fct_page_views", "2025-03-04", "late") in {(f.model, f.ds, f.state) for f in result.deadlines}
    assert not [f for f in result.deadlines if f.ds == "2025-03-06"]
    assert result.gaps == [("fct_booking_events", "2025-03-02", "2025-03-02")]

    # The same causes again: nothing is sent.
    monitor_once(warehouse, webhook)
    assert webhook.take() == []

    # The status page of this warehouse shows each state where it is.
    page = status.load_status(warehouse.raw_root, warehouse.duckdb_path, warehouse.target_path, days=7, end_ds="2025-03-06", now=NOW)
    cells = {(row.model, ds): row.cell(ds).state for row in page.models for ds in page.days}
    assert cells[("base_listings__lines", "2025-03-05")] == "blocked"
    assert cells[("dim_listings", "2025-03-04")] == "warned"
    assert cells[("fct_page_views", "2025-03-04")] == "late"
    assert cells[("dim_listings", "2025-03-05")] == "missing"
    assert cells[("fct_page_views", "2025-03-06")] == "not_due"
    assert cells[("fct_booking_events", "2025-03-02")] == "missing"
    assert {alert["kind"] for alert in page.open_alerts} == set(alerts.ALERT_KINDS)
    assert [run["status"] for run in page.runs[:3]] == ["failed", "check_blocked", "success"]

    # Mend every cause: land good listings for 03-05 and 03-04 and rebuild both (the facts' lookback republishes the
    # lost partition), a new delivery of users, the experiment's next results without the alert.
    write_partition(warehouse.raw_root, "listings", "2025-03-05", CLEAN_LISTINGS)
    write_partition(warehouse.raw_root, "listings", "2025-03-04", CLEAN_LISTINGS)
    for ds in ("2025-03-04", "2025-03-05"):
        rebuilt = daily(warehouse, "--ds", ds, "--no-monitor")
        assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr
    assert lost and "2025-03-02" in ledger_days(warehouse, "fct_booking_events")
    with warehouse_connection(warehouse) as connection:
        connection.execute("delete from experiments.exp_alerts where experiment_key = 'search_ranking_v2'")
    for marker in markers:
        marker.touch()

    result = monitor_once(warehouse, webhook)
    cleared = webhook.take()
    assert {event for event, _, _ in cleared} == {"cleared"}
    # Every cause made above clears, once; what stays are the warnings of the crafted days themselves, still true.
    still = {cause.key for cause in result.causes}
    assert sorted(key for _, _, key in cleared) == sorted(set(keys) - still)
    assert made <= {key for _, _, key in cleared}
    assert all(key.startswith("check_warned|") and key.split("|")[2] <= crafted_landing.LAST_DS for key in still), still
    monitor_once(warehouse, webhook)
    assert webhook.take() == []


def test_catch_up_runs_every_landed_day_in_order_and_stops_at_one_not_landed(warehouse):
    for ds in ("2025-03-06", "2025-03-07", "2025-03-09"):
        land_day(warehouse.raw_root, ds)
    runs_before = len(daily_runs(warehouse))
    result = daily(warehouse, "--no-monitor")
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr
    assert "catching up 2 ds: 2025-03-06 .. 2025-03-07" in result.stdout
    assert "not landed in every source yet: ds 2025-03-08" in result.stderr
    assert [row[:3] for row in daily_runs(warehouse)[runs_before:]] == [("2025-03-06", "success", 0), ("2025-03-07", "success", 0)]
    assert ledger_days(warehouse, "fct_page_views")[-2:] == ["2025-03-06", "2025-03-07"]
    # Again: nothing left to run before the day that has not landed.
    again = daily(warehouse, "--no-monitor")
    assert again.returncode == 3 and "catching up 0 ds" in again.stdout
    assert len(daily_runs(warehouse)) == runs_before + 2


def warehouse_connection(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse.duckdb_path))
