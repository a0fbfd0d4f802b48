"""Alerts: one record per cause that is red (a failed run, a blocked or warn check, a missed deadline, a partition
gap, a stale source, an experiment alert row), sent to the configured sinks once when it fires and once when it clears.

The monitor finds the causes; reconcile() turns them into alert records in audit.alerts and the notifications
to send, deliver() sends those to every sink. A cause is known by its key: while an alert of that key is open
it is not sent again; once the key is gone from an evaluation of its kind the alert clears (sent once); should
the key come back, a new alert opens and fires again. A notification not taken by every sink (a webhook that was
down) is returned again by the next reconcile, until every sink takes it: at least once, but never again once
delivered. A sink that took it while another did not gets it again on the retry.

Sinks: the log (logger "stayhub.alerts", and optionally a text file), a JSON-lines file, and a webhook that posts
{"text": ..., "alert": {...}}, the "text" being what Slack, Mattermost, Rocket.Chat and Google Chat incoming
webhooks display. Timestamps are naive UTC.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import duckdb

from stayhub.warehouse import table_exists

ALERT_KINDS = ("run_failed", "check_blocked", "check_warned", "deadline_missed", "partition_gap", "source_stale", "experiment_alert")
SEVERITIES = ("error", "warn")
TABLE = "audit.alerts"
COLUMNS = (
    "alert_id",
    "kind",
    "cause_key",
    "severity",
    "summary",
    "details",
    "opened_at",
    "last_seen_at",
    "cleared_at",
    "notified_at",
    "clear_notified_at",
)

logger = logging.getLogger("stayhub.alerts")


def _json_default(value: Any) -> str:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, allow_nan=False)


def _utc_naive(value: datetime) -> datetime:
    """A datetime as naive UTC (an aware one converted, a naive one taken as UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo is not None else value


def _iso(value: datetime | None) -> str | None:
    return value.replace(tzinfo=UTC).isoformat() if value is not None else None


@dataclass(frozen=True)
class Cause:
    """One thing that is red now."""

    kind: str  # one of ALERT_KINDS
    key: str  # stable identity across evaluations, e.g. "check_blocked|fct_page_views|2025-03-02|row_count_drop"
    severity: str  # "error" | "warn"
    summary: str  # one human line
    details: dict[str, Any] = field(default_factory=dict, hash=False)  # JSON-serialisable; dates and datetimes become ISO strings

    def __post_init__(self) -> None:
        if self.kind not in ALERT_KINDS:
            raise ValueError(f"alert kind {self.kind!r} is not one of {', '.join(ALERT_KINDS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"a {self.kind} cause needs a non-empty key")
        if not isinstance(self.summary, str) or not self.summary.strip():
            raise ValueError(f"cause {self.key} needs a summary")
        if not isinstance(self.details, dict):
            raise ValueError(f"cause {self.key}: details must be a dict, got {type(self.details).__name__}")
        try:
            _dumps(self.details)
        except (TypeError, ValueError) as error:
            raise ValueError(f"cause {self.key}: details are not JSON-serialisable ({error})") from error


@dataclass(frozen=True)
class Notification:
    """An alert that fired or cleared, to send to the sinks."""

    event: str  # "firing" | "cleared"
    alert_id: str
    cause: Cause
    opened_at: datetime
    cleared_at: datetime | None  # None for "firing"

    def text(self) -> str:
        """One line: [FIRING|CLEARED] kind: summary."""
        return f"[{self.event.upper()}] {self.cause.kind}: {' '.join(self.cause.summary.split())}"

    def payload(self) -> dict[str, Any]:
        """The JSON sent to the sinks (plain JSON types; timestamps as ISO 8601 UTC)."""
        return {
            "text": self.text(),
            "alert": {
                "id": self.alert_id,
                "event": self.event,
                "kind": self.cause.kind,
                "key": self.cause.key,
                "severity": self.cause.severity,
                "summary": self.cause.summary,
                "details": json.loads(_dumps(self.cause.details)),
                "opened_at": _iso(self.opened_at),
                "cleared_at": _iso(self.cleared_at),
            },
        }


def ensure_alert_table(connection: duckdb.DuckDBPyConnection) -> None:
    """Create audit.alerts (and the audit schema) if missing."""
    connection.execute("create schema if not exists audit")
    connection.execute(
        f"create table if not exists {TABLE} ("
        "alert_id varchar not null, kind varchar not null, cause_key varchar not null, severity varchar not null, "
        "summary varchar not null, details varchar not null, opened_at timestamp not null, last_seen_at timestamp not null, "
        "cleared_at timestamp, notified_at timestamp, clear_notified_at timestamp)"
    )


def reconcile(connection: duckdb.DuckDBPyConnection, causes: Iterable[Cause], now: datetime, kinds: Iterable[str] = ALERT_KINDS) -> list[Notification]:
    """Update audit.alerts with the causes red now and return the notifications to send, oldest event first.

    In one transaction: a cause without an open alert of its key opens one (firing); an open alert whose key is
    among `causes` is seen again (last_seen_at, nothing sent); an open alert of a kind in `kinds` whose key is
    not among `causes` clears (cleared). `kinds` are the kinds the caller evaluated: the others stay as they are.
    Duplicate keys count once (the first). Also returns the firings and clears not yet delivered to every sink.
    """
    kinds = tuple(kinds)
    unknown = [kind for kind in kinds if kind not in ALERT_KINDS]
    if unknown:
        raise ValueError(f"unknown alert kind(s) {', '.join(map(repr, unknown))}: not among {', '.join(ALERT_KINDS)}")
    red: dict[str, Cause] = {}
    for cause in causes:
        red.setdefault(cause.key, cause)
    now = _utc_naive(now)

    ensure_alert_table(connection)
    connection.execute("begin transaction")
    try:
        open_rows = connection.execute(f"select alert_id, kind, cause_key from {TABLE} where cleared_at is null").fetchall()
        open_keys = {key for _, _, key in open_rows}
        seen = [(now, key) for key in red if key in open_keys]
        if seen:
            connection.executemany(f"update {TABLE} set last_seen_at = ? where cause_key = ? and cleared_at is null", seen)
        opened = [
            (uuid.uuid4().hex, cause.kind, cause.key, cause.severity, cause.summary, _dumps(cause.details), now, now)
            for key, cause in red.items()
            if key not in open_keys
        ]
        if opened:
            connection.executemany(
                f"insert into {TABLE} (alert_id, kind, cause_key, severity, summary, details, opened_at, last_seen_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
                opened,
            )
        cleared = [(now, alert_id) for alert_id, kind, key in open_rows if kind in kinds and key not in red]
        if cleared:
            connection.executemany(f"update {TABLE} set cleared_at = ? where alert_id = ?", cleared)
        pending = _rows(connection, "where notified_at is null or (cleared_at is not null and clear_notified_at is null)")
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    return _notifications(pending)


def _rows(connection: duckdb.DuckDBPyConnection, where: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = connection.execute(f"select {', '.join(COLUMNS)} from {TABLE} {where}", parameters or [])
    return [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _notifications(rows: list[dict[str, Any]]) -> list[Notification]:
    """The undelivered firings and clears of alert rows, in the order they happened (an alert's firing before its clear)."""
    found: list[tuple[datetime, int, Notification]] = []
    for row in rows:
        cause = Cause(row["kind"], row["cause_key"], row["severity"], row["summary"], json.loads(row["details"]))
        if row["notified_at"] is None:
            found.append((row["opened_at"], 0, Notification("firing", row["alert_id"], cause, row["opened_at"], None)))
        if row["cleared_at"] is not None and row["clear_notified_at"] is None:
            found.append((row["cleared_at"], 1, Notification("cleared", row["alert_id"], cause, row["opened_at"], row["cleared_at"])))
    found.sort(key=lambda item: (item[0], item[1], item[2].cause.key))
    return [notification for _, _, notification in found]


class SinkError(Exception):
    """A sink did not take a notification; the message names the sink."""


class SinkUnreachable(SinkError):
    """A sink cannot be reached at all: deliver() sends it nothing more in that call."""


class Sink(Protocol):
    """Where notifications go; send() raises when the payload was not taken."""

    name: str

    def send(self, payload: dict[str, Any]) -> None: ...


class LogSink:
    """One line per notification on the logger "stayhub.alerts" (WARNING for an error firing, INFO otherwise),
    and appended to `path` when given."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.name = "log" if self.path is None else f"log {self.path}"

    def send(self, payload: dict[str, Any]) -> None:
        alert = payload["alert"]
        level = logging.WARNING if alert["event"] == "firing" and alert["severity"] == "error" else logging.INFO
        line = f"{payload['text']} (alert {alert['id']}, key {alert['key']})"
        logger.log(level, line)
        if self.path is not None:
            at = alert["cleared_at"] if alert["event"] == "cleared" else alert["opened_at"]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(f"{at} {logging.getLevelName(level)} {line}\n")


class JsonLinesSink:
    """Appends each payload as one JSON line to `path` (creating its folders)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = f"jsonl {self.path}"

    def send(self, payload: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps(payload) + "\n")


class WebhookSink:
    """POSTs each payload as JSON to an incoming-webhook url; anything but a 2xx answer raises SinkError."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise ValueError(f"webhook url must be http:// or https://, got {url!r}")
        self.url = url
        self.timeout = timeout
        self.name = f"webhook {url}"

    def send(self, payload: dict[str, Any]) -> None:
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode("utf-8"),
            headers={"Content-Type": "application/json", "User-Agent": "stayhub-alerts"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            try:
                body = error.read().decode("utf-8", "replace").strip()[:200]
            except OSError:
                body = ""
            raise SinkError(f"webhook {self.url} answered HTTP {error.code}" + (f": {body}" if body else "")) from error
        except urllib.error.URLError as error:
            raise SinkUnreachable(f"webhook {self.url} {_unreachable(error.reason, self.timeout)}") from error
        except TimeoutError as error:
            raise SinkUnreachable(f"webhook {self.url} timed out after {self.timeout:g} s") from error
        except OSError as error:
            raise SinkUnreachable(f"webhook {self.url} unreachable: {error}") from error
        if not 200 <= status < 300:
            raise SinkError(f"webhook {self.url} answered HTTP {status}")


def _unreachable(reason: object, timeout: float) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return f"refused: {reason.strerror or 'Connection refused'}"
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    return f"unreachable: {getattr(reason, 'strerror', None) or reason}"


def deliver(connection: duckdb.DuckDBPyConnection, notifications: list[Notification], sinks: list[Sink], now: datetime) -> list[str]:
    """Send each notification to every sink; mark it delivered (notified_at / clear_notified_at = now) only when
    every sink took it. Returns the failures as messages instead of raising. A notification already marked
    delivered is not sent again; a sink that cannot be reached gets nothing more in this call."""
    now = _utc_naive(now)
    ensure_alert_table(connection)
    ids = sorted({notification.alert_id for notification in notifications})
    marks = connection.execute(f"select alert_id, notified_at, clear_notified_at from {TABLE} where list_contains(?, alert_id)", [ids]).fetchall()
    delivered = {(alert_id, "firing") for alert_id, firing_at, _ in marks if firing_at is not None}
    delivered |= {(alert_id, "cleared") for alert_id, _, cleared_at in marks if cleared_at is not None}
    errors: list[str] = []
    unreachable: dict[str, int] = {}  # sink name -> index of its error in errors
    skipped: dict[str, int] = {}
    for notification in notifications:
        if (notification.alert_id, notification.event) in delivered:
            continue
        payload = notification.payload()
        taken = True
        for sink in sinks:
            if sink.name in unreachable:
                skipped[sink.name] += 1
                taken = False
                continue
            try:
                sink.send(payload)
            except Exception as error:  # one dead sink never stops the run
                taken = False
                message = str(error) if isinstance(error, SinkError) else f"{sink.name} failed: {type(error).__name__}: {error}"
                errors.append(f"{message} ({notification.event} {notification.cause.key})")
                if isinstance(error, SinkUnreachable):
                    unreachable[sink.name] = len(errors) - 1
                    skipped[sink.name] = 0
        if taken:
            column = "notified_at" if notification.event == "firing" else "clear_notified_at"
            connection.execute(f"update {TABLE} set {column} = ? where alert_id = ? and {column} is null", [now, notification.alert_id])
            delivered.add((notification.alert_id, notification.event))
    for name, index in unreachable.items():
        if skipped[name]:
            errors[index] += f"; {skipped[name]} more notification(s) not sent to it"
    return errors


def sinks_from_config(jsonl_path: str | Path | None, webhook_url: str | None, log_file: str | Path | None = None) -> list[Sink]:
    """The log sink always; a JSON-lines sink and a webhook sink when their path and url are given (an empty url is none)."""
    sinks: list[Sink] = [LogSink(log_file)]
    if jsonl_path:
        sinks.append(JsonLinesSink(jsonl_path))
    if webhook_url:
        sinks.append(WebhookSink(webhook_url))
    return sinks


def open_alerts(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The open alerts (cleared_at null), newest first, as dicts of the table's columns (details as JSON text);
    [] when audit.alerts does not exist."""
    if not table_exists(connection, TABLE):
        return []
    return _rows(connection, "where cleared_at is null order by opened_at desc, cause_key")
