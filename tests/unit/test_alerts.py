"""stayhub.operations.alerts: the alert state machine on a DuckDB file, and its sinks, the webhook a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from stayhub.operations import alerts
from stayhub.operations.alerts import ALERT_KINDS, Cause, JsonLinesSink, LogSink, Notification, Sink, WebhookSink

T0 = datetime(2025, 3, 3, 6, 0)

SUMMARIES = {
    "run_failed": "daily run 2025-03-03 failed at model fct_bookings",
    "check_blocked": "fct_page_views ds=2025-03-02: check row_count_drop blocked the partition (observed 0, threshold > 0)",
    "check_warned": "fct_bookings ds=2025-03-02: check null_share warned (observed 0.04, threshold <= 0.02)",
    "deadline_missed": "fct_bookings ds=2025-03-02 not published by its 06:00 UTC deadline",
    "partition_gap": "fct_page_views has no partition ds=2025-02-27",
    "source_stale": "source raw.bookings last landed 2025-03-01 (2 days late)",
    "experiment_alert": "checkout_copy: sample ratio mismatch (p = 0.00002)",
}


def cause(kind: str, name: str = "a", severity: str = "error") -> Cause:
    return Cause(kind, f"{kind}|{name}", severity, f"{SUMMARIES[kind]} [{name}]", {"ds": date(2025, 3, 2), "name": name})


class Webhook:
    """A real HTTP server on 127.0.0.1 recording every POST body; answers `status`."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[dict[str, Any]] = []
        self.content_types: list[str | None] = []
        self.status = 200
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                webhook.posts.append(json.loads(body))
                webhook.content_types.append(self.headers["Content-Type"])
                self.send_response(webhook.status)
                self.end_headers()
                self.wfile.write(b"ok" if webhook.status < 300 else b"boom")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def events(self) -> list[tuple[str, str]]:
        return [(post["alert"]["event"], post["alert"]["key"]) for post in self.posts]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook on 127.0.0.1 is reached directly whatever proxy the environment names."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.stop()


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        yield con


def run(connection: duckdb.DuckDBPyConnection, causes: list[Cause], at: datetime, sinks: list[Sink], kinds: tuple[str, ...] = ALERT_KINDS) -> list[str]:
    """One evaluation: reconcile, then deliver."""
    return alerts.deliver(connection, alerts.reconcile(connection, causes, at, kinds), sinks, at)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@pytest.mark.parametrize("kind", ALERT_KINDS)
def test_each_kind_fires_once_and_clears_once(kind: str, connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    sinks: list[Sink] = [WebhookSink(webhook.url)]
    red = cause(kind)
    assert run(connection, [red], minutes(0), sinks) == []
    assert webhook.events() == [("firing", red.key)]
    assert webhook.posts[0]["text"] == f"[FIRING] {kind}: {red.summary}"
    assert webhook.content_types == ["application/json"]

    for n in (15, 30, 45):
        assert run(connection, [red], minutes(n), sinks) == []
    assert len(webhook.posts) == 1
    [row] = alerts.open_alerts(connection)
    assert (row["kind"], row["cause_key"], row["opened_at"], row["last_seen_at"], row["notified_at"]) == (kind, red.key, minutes(0), minutes(45), minutes(0))

    assert run(connection, [], minutes(60), sinks) == []
    assert webhook.events() == [("firing", red.key), ("cleared", red.key)]
    cleared = webhook.posts[1]
    assert cleared["text"] == f"[CLEARED] {kind}: {red.summary}"
    assert cleared["alert"]["id"] == webhook.posts[0]["alert"]["id"]
    assert cleared["alert"]["cleared_at"] == "2025-03-03T07:00:00+00:00"
    assert alerts.open_alerts(connection) == []

    assert run(connection, [], minutes(75), sinks) == []
    assert len(webhook.posts) == 2


def test_two_keys_of_one_kind_are_two_alerts(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    sinks: list[Sink] = [WebhookSink(webhook.url)]
    first, second = cause("source_stale", "bookings"), cause("source_stale", "page_views")
    run(connection, [first, second], minutes(0), sinks)
    assert sorted(webhook.events()) == [("firing", first.key), ("firing", second.key)]
    assert len({post["alert"]["id"] for post in webhook.posts}) == 2

    run(connection, [second], minutes(15), sinks)
    assert webhook.events()[2:] == [("cleared", first.key)]
    assert [row["cause_key"] for row in alerts.open_alerts(connection)] == [second.key]


def test_duplicate_keys_count_once(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    red = cause("check_blocked")
    run(connection, [red, red, cause("check_blocked")], minutes(0), [WebhookSink(webhook.url)])
    assert webhook.events() == [("firing", red.key)]
    assert len(alerts.open_alerts(connection)) == 1


def test_kinds_limits_clearing(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    sinks: list[Sink] = [WebhookSink(webhook.url)]
    stale, gap = cause("source_stale"), cause("partition_gap")
    run(connection, [stale, gap], minutes(0), sinks)

    # A monitor that only looked at partitions: the source_stale alert is not its to clear.
    run(connection, [], minutes(15), sinks, kinds=("partition_gap",))
    assert webhook.events()[2:] == [("cleared", gap.key)]
    assert [row["cause_key"] for row in alerts.open_alerts(connection)] == [stale.key]

    run(connection, [], minutes(30), sinks, kinds=("source_stale",))
    assert webhook.events()[3:] == [("cleared", stale.key)]

    with pytest.raises(ValueError, match="unknown alert kind"):
        alerts.reconcile(connection, [], minutes(45), kinds="source_stale")  # a string, not a list of kinds


def test_webhook_down_then_back_delivers_once(connection: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    server = Webhook()
    port, url = server.port, server.url
    server.stop()
    lines = tmp_path / "alerts" / "alerts.jsonl"
    sinks: list[Sink] = [JsonLinesSink(lines), WebhookSink(url, timeout=5)]
    red, other = cause("run_failed"), cause("deadline_missed")

    errors = run(connection, [red, other], minutes(0), sinks)
    assert len(errors) == 1  # the dead webhook is tried once per delivery, not once per notification
    assert errors[0].startswith(f"webhook {url} refused: ") and "1 more notification(s) not sent to it" in errors[0]
    assert all(row["notified_at"] is None for row in alerts.open_alerts(connection))
    assert len(lines.read_text().splitlines()) == 2

    errors = run(connection, [red, other], minutes(15), sinks)  # still down: tried again
    assert len(errors) == 1 and url in errors[0]

    server = Webhook(port)
    try:
        assert run(connection, [red, other], minutes(30), sinks) == []
        assert sorted(server.events()) == [("firing", other.key), ("firing", red.key)]
        assert [post["alert"]["opened_at"] for post in server.posts] == ["2025-03-03T06:00:00+00:00"] * 2
        assert run(connection, [red, other], minutes(45), sinks) == []
        assert len(server.posts) == 2
        assert {row["notified_at"] for row in alerts.open_alerts(connection)} == {minutes(30)}
        # At least once: the JSON-lines sink took the firings each time the webhook did not.
        assert len(lines.read_text().splitlines()) == 6
    finally:
        server.stop()


def test_clear_while_webhook_down_is_sent_later(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    red = cause("experiment_alert")
    run(connection, [red], minutes(0), [WebhookSink(webhook.url)])
    dead = WebhookSink(f"http://127.0.0.1:{_free_port()}/")
    errors = run(connection, [], minutes(15), [dead])
    assert errors and errors[0].startswith(f"webhook {dead.url} refused")
    assert run(connection, [], minutes(30), [WebhookSink(webhook.url)]) == []
    assert run(connection, [], minutes(45), [WebhookSink(webhook.url)]) == []
    assert webhook.events() == [("firing", red.key), ("cleared", red.key)]
    assert webhook.posts[1]["alert"]["cleared_at"] == "2025-03-03T06:15:00+00:00"


def test_webhook_500_counts_as_failed(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    sinks: list[Sink] = [WebhookSink(webhook.url)]
    red = cause("check_warned", severity="warn")
    webhook.status = 500
    errors = run(connection, [red], minutes(0), sinks)
    assert errors == [f"webhook {webhook.url} answered HTTP 500: boom (firing {red.key})"]
    assert alerts.open_alerts(connection)[0]["notified_at"] is None

    webhook.status = 204
    assert run(connection, [red], minutes(15), sinks) == []
    assert run(connection, [red], minutes(30), sinks) == []
    assert webhook.events() == [("firing", red.key)] * 2  # the refused one and the taken one


def test_cause_back_after_clear_is_a_new_alert(connection: duckdb.DuckDBPyConnection, webhook: Webhook) -> None:
    sinks: list[Sink] = [WebhookSink(webhook.url)]
    red = cause("partition_gap")
    run(connection, [red], minutes(0), sinks)
    run(connection, [], minutes(15), sinks)
    run(connection, [red], minutes(30), sinks)
    assert webhook.events() == [("firing", red.key), ("cleared", red.key), ("firing", red.key)]
    first, _, again = (post["alert"]["id"] for post in webhook.posts)
    assert first != again
    [row] = alerts.open_alerts(connection)
    assert (row["alert_id"], row["opened_at"]) == (again, minutes(30))
    assert connection.execute("select count(*) from audit.alerts").fetchone() == (2,)


def test_jsonl_and_log_sinks(connection: duckdb.DuckDBPyConnection, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lines, log_file = tmp_path / "out" / "alerts.jsonl", tmp_path / "logs" / "alerts.log"
    sinks = alerts.sinks_from_config(lines, None, log_file)
    assert [type(sink) for sink in sinks] == [LogSink, JsonLinesSink]
    error, warn = cause("run_failed"), cause("check_warned", severity="warn")
    with caplog.at_level(logging.INFO, logger="stayhub.alerts"):
        assert run(connection, [error, warn], minutes(0), sinks) == []
        assert run(connection, [], minutes(15), sinks) == []
    payloads = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [(p["alert"]["event"], p["alert"]["key"]) for p in payloads] == [
        ("firing", warn.key),  # events at one time go in key order
        ("firing", error.key),
        ("cleared", warn.key),
        ("cleared", error.key),
    ]
    records = [(record.name, record.levelname, record.getMessage()) for record in caplog.records]
    assert [level for _, level, _ in records] == ["INFO", "WARNING", "INFO", "INFO"]
    assert {name for name, _, _ in records} == {"stayhub.alerts"}
    assert records[1][2].startswith(f"[FIRING] run_failed: {error.summary} (alert ")
    written = log_file.read_text().splitlines()
    assert len(written) == 4 and written[1].startswith("2025-03-03T06:00:00+00:00 WARNING [FIRING] run_failed: ")


def test_payload_is_json_with_iso_dates() -> None:
    red = Cause("deadline_missed", "deadline_missed|fct_bookings|2025-03-02", "error", "fct_bookings late", {"ds": date(2025, 3, 2), "due": T0, "n": 1})
    notification = Notification("cleared", "abc", red, T0, minutes(90))
    payload = json.loads(json.dumps(notification.payload()))
    assert payload == {
        "text": "[CLEARED] deadline_missed: fct_bookings late",
        "alert": {
            "id": "abc",
            "event": "cleared",
            "kind": "deadline_missed",
            "key": "deadline_missed|fct_bookings|2025-03-02",
            "severity": "error",
            "summary": "fct_bookings late",
            "details": {"ds": "2025-03-02", "due": "2025-03-03T06:00:00", "n": 1},
            "opened_at": "2025-03-03T06:00:00+00:00",
            "cleared_at": "2025-03-03T07:30:00+00:00",
        },
    }
    assert Notification("firing", "x", Cause("run_failed", "k", "warn", "two\nlines"), T0, None).payload()["text"] == "[FIRING] run_failed: two lines"


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("disk_full", "k", "error", "s"), "alert kind"),
        (("run_failed", "k", "fatal", "s"), "alert severity"),
        (("run_failed", "", "error", "s"), "non-empty key"),
        (("run_failed", "k", "error", "s", {"at": object()}), "not JSON-serialisable"),
        (("run_failed", "k", "error", "s", {"p": float("nan")}), "not JSON-serialisable"),
    ],
)
def test_cause_is_validated(arguments: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cause(*arguments)


def test_open_alerts_and_config(connection: duckdb.DuckDBPyConnection) -> None:
    assert alerts.open_alerts(connection) == []
    alerts.reconcile(connection, [cause("run_failed")], minutes(0))
    alerts.reconcile(connection, [cause("run_failed"), cause("source_stale")], minutes(5))
    rows = alerts.open_alerts(connection)
    assert [row["kind"] for row in rows] == ["source_stale", "run_failed"]
    assert list(rows[0]) == list(alerts.COLUMNS) and json.loads(rows[0]["details"]) == {"ds": "2025-03-02", "name": "a"}

    assert [sink.name for sink in alerts.sinks_from_config(None, "")] == ["log"]
    assert [sink.name for sink in alerts.sinks_from_config("a.jsonl", "https://chat.example/hook")] == [
        "log",
        "jsonl a.jsonl",
        "webhook https://chat.example/hook",
    ]
    with pytest.raises(ValueError, match="http"):
        WebhookSink("file:///etc/passwd")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
