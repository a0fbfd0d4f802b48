"""The status page: one self-contained HTML page (inline CSS, no scripts, no external URLs) of the warehouse's health.

For each partitioned model a grid of the last N days coloured by state, then the open alerts, the latest check failures,
the landing sources' freshness and the last runs. The data classes are filled by the loader; this module only renders.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

CELL_STATES = ("published", "warned", "blocked", "late", "missing", "not_due")

# Fill per state (Okabe-Ito-like hues, told apart by lightness too); the tests find them in a screenshot, so no other
# element of the page uses them except the legend and summary swatches.
STATE_COLOURS: dict[str, str] = {
    "published": "#009e73",  # bluish green
    "warned": "#e69f00",  # amber
    "blocked": "#d62828",  # red
    "late": "#7b3fa0",  # purple
    "missing": "#8d99a6",  # blue-grey
    "not_due": "#e6f0fa",  # white-ish (pale blue)
}
# The letter in each cell, and its colour on the fill.
_STATE_LETTERS = {"published": "P", "warned": "W", "blocked": "B", "late": "L", "missing": "M", "not_due": "·"}
_LETTER_COLOURS = {"published": "#ffffff", "warned": "#212529", "blocked": "#ffffff", "late": "#ffffff", "missing": "#ffffff", "not_due": "#6c757d"}
_STATE_HINTS = {
    "published": "published, checks passed",
    "warned": "published with check warnings",
    "blocked": "held back by failing checks",
    "late": "first published after its deadline",
    "missing": "due and not published",
    "not_due": "not due yet, or before the model's first partition",
}
OVERALL_STATES = ("OK", "WARN", "RED")

# Light badges for the tables' statuses (not the grid's fills).
_BADGES = {
    "good": ("#d3f9d8", "#2b8a3e"),
    "warn": ("#fff3bf", "#8f5e00"),
    "bad": ("#ffe3e3", "#c92a2a"),
    "late": ("#f3e8fb", "#6a2c91"),
    "info": ("#e7f1ff", "#1c5fb0"),
    "neutral": ("#e9ecef", "#495057"),
}
_RUN_STATUS_BADGE = {
    "success": "good",
    "upstream_late": "late",
    "check_blocked": "bad",
    "failed": "bad",
    "lock_held": "warn",
    "running": "info",
}
_SOURCE_STATUS_BADGE = {"fresh": "good", "warn": "warn", "stale": "bad", "unknown": "neutral"}
_SEVERITY_BADGE = {"error": "bad", "fail": "bad", "warn": "warn"}
_OVERALL_BADGE = {"OK": "good", "WARN": "warn", "RED": "bad"}
HEADER_BACKGROUND = "#1c3d5a"
CELL_SIZE = 24  # px, each grid cell's width and height

Row = dict[str, Any]


@dataclass(frozen=True)
class Cell:
    """One model's partition on one ds: its state, and a note shown as the cell's tooltip."""

    state: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.state not in CELL_STATES:
            raise ValueError(f"unknown cell state {self.state!r}; known states: {', '.join(CELL_STATES)}")


@dataclass(frozen=True)
class ModelRow:
    """A grid row: a partitioned model and its cells keyed by ds (YYYY-MM-DD); a ds absent is missing."""

    model: str
    schema: str
    cells: dict[str, Cell]

    def cell(self, ds: str) -> Cell:
        return self.cells.get(ds) or Cell("missing")


@dataclass
class StatusData:
    """Everything the page shows; lists of rows are in display order (newest first where it applies)."""

    generated_at: datetime  # UTC
    warehouse: str
    days: list[str]  # oldest first: the grid's columns
    models: list[ModelRow]
    check_failures: list[Row]
    open_alerts: list[Row]
    runs: list[Row]
    sources: list[Row] = field(default_factory=list)

    def state_counts(self) -> dict[str, int]:
        """Cells per state across the grid."""
        counts = dict.fromkeys(CELL_STATES, 0)
        for row in self.models:
            for ds in self.days:
                counts[row.cell(ds).state] += 1
        return counts

    def overall(self) -> str:
        """RED: a cell blocked, late or missing, an open error alert, or the latest run failed.
        WARN: otherwise a warned cell, any open alert, a stale or warned source, or the latest run neither a success nor running.
        OK: otherwise."""
        counts = self.state_counts()
        latest_run = str(self.runs[0].get("status")) if self.runs else "success"
        if counts["blocked"] or counts["late"] or counts["missing"] or latest_run == "failed":
            return "RED"
        if any(alert.get("severity") == "error" for alert in self.open_alerts):
            return "RED"
        if counts["warned"] or self.open_alerts or latest_run not in ("success", "running"):
            return "WARN"
        if any(source.get("status") in ("warn", "stale") for source in self.sources):
            return "WARN"
        return "OK"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _e(value: Any) -> str:
    return "–" if _missing(value) or value == "" else html.escape(str(value), quote=True)


def _time(value: Any) -> str:
    """A timestamp as 'YYYY-MM-DD HH:MM UTC' (naive datetimes are UTC); anything else as text."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, date):
        return value.isoformat()
    return _e(value)


def _number(value: Any) -> str:
    if _missing(value):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    size = abs(value)
    return f"{value:,.1f}" if size >= 1000 else f"{value:.4g}"


def format_duration(seconds: float | None) -> str:
    """'12.3 s', '4 min 05 s', '2 h 03 min'; '–' when unknown."""
    if _missing(seconds) or seconds is None:
        return "–"
    tenths = round(float(seconds), 1)
    if tenths < 60:
        return f"{tenths:.1f} s"
    whole = round(float(seconds))
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = round(float(seconds) / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _short_id(value: Any, length: int = 8) -> str:
    """A run id cut to its first characters, the full id in the tooltip."""
    if _missing(value) or value == "":
        return "–"
    text = str(value)
    shown = text if len(text) <= length + 1 else text[:length] + "…"
    return f'<code title="{_e(text)}">{_e(shown)}</code>'


def _badge(text: Any, kind: str) -> str:
    return f'<span class="badge {kind}">{_e(text)}</span>'


def _status_badge(status: Any, kinds: dict[str, str]) -> str:
    return _badge(status, kinds.get(str(status), "neutral"))


def _swatch(state: str) -> str:
    return f'<span class="swatch s-{state}"></span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], classes: dict[int, str] | None = None) -> str:
    """A table of already-escaped cells (column i gets classes[i]), or 'None.' when there are no rows."""
    if not rows:
        return '<p class="none">None.</p>'
    css = {i: f' class="{name}"' for i, name in (classes or {}).items()}
    head = "".join(f"<th{css.get(i, '')}>{_e(header)}</th>" for i, header in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{css.get(i, '')}>{cell}</td>" for i, cell in enumerate(cells)) + "</tr>" for cells in rows)
    return f'<div class="scroll"><table class="list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _css() -> str:
    states = "".join(f".s-{state} {{ background: {colour}; color: {_LETTER_COLOURS[state]}; }}\n" for state, colour in STATE_COLOURS.items())
    badges = "".join(f".badge.{kind} {{ background: {bg}; color: {fg}; }}\n" for kind, (bg, fg) in _BADGES.items())
    return f"""
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; margin: 0; background: #ffffff; }}
main {{ max-width: 1240px; margin: 0 auto; padding: 12px 20px 40px; }}
h1 {{ font-size: 22px; margin: 6px 0 4px; display: flex; align-items: center; gap: 10px; }}
h2 {{ font-size: 17px; margin: 24px 0 8px; border-bottom: 2px solid #dee2e6; padding-bottom: 3px; }}
.muted, .none {{ color: #6c757d; }}
code {{ font-size: 12px; background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }}
.summary {{ display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 8px 0 4px; font-size: 13px; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 10px 0; font-size: 12.5px; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }}
.swatch.s-not_due, td.c.s-not_due {{ box-shadow: inset 0 0 0 1px #c9d3de; }}
.badge {{ display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }}
.badge.overall {{ font-size: 16px; padding: 2px 12px; border-radius: 6px; }}
{badges}table.grid {{ border-collapse: separate; border-spacing: 2px; font-size: 11px; }}
table.grid th {{ font-weight: 500; color: #495057; padding: 0; }}
table.grid th.ds {{ writing-mode: vertical-rl; transform: rotate(180deg); height: 40px; width: {CELL_SIZE}px; text-align: left;
    font-variant-numeric: tabular-nums; }}
table.grid th.model {{ text-align: left; white-space: nowrap; padding: 0 10px 0 0; font-size: 12.5px; color: #212529; }}
table.grid th.model .schema {{ color: #6c757d; font-weight: 400; font-size: 11.5px; margin-left: 4px; }}
td.c {{ width: {CELL_SIZE}px; min-width: {CELL_SIZE}px; height: {CELL_SIZE}px; padding: 0; text-align: center; vertical-align: middle;
    font-weight: 600; line-height: 1; border-radius: 2px; }}
{states}table.list {{ border-collapse: collapse; font-size: 12px; }}
table.list th {{ background: {HEADER_BACKGROUND}; color: #fff; font-weight: 600; text-align: left; padding: 4px 6px; white-space: nowrap; }}
table.list td {{ padding: 3px 6px; border-bottom: 1px solid #e9ecef; white-space: nowrap; vertical-align: top; }}
table.list td.message, table.list th.message {{ white-space: normal; min-width: 220px; max-width: 480px; }}
.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.list th.num {{ text-align: right; }}
.scroll {{ overflow-x: auto; }}
"""


def _header(data: StatusData) -> str:
    overall = data.overall()
    counts = data.state_counts()
    window = f"{data.days[0]} .. {data.days[-1]} ({len(data.days)} days)" if data.days else "no days"
    chips = "".join(f'<span class="count">{_swatch(state)}{_e(state)} <b>{counts[state]:,}</b></span>' for state in CELL_STATES)
    alerts = len(data.open_alerts)
    alert_kind = "bad" if any(a.get("severity") == "error" for a in data.open_alerts) else "warn" if alerts else "good"
    chips += f'<span class="count">open alerts {_badge(f"{alerts:,}", alert_kind)}</span>'
    return (
        f'<h1>stayhub status <span class="badge overall {_OVERALL_BADGE[overall]}" title="overall state">{overall}</span></h1>\n'
        f'<div class="muted">Warehouse <code>{_e(data.warehouse)}</code> · generated {_time(data.generated_at)} · '
        f"{window} · {len(data.models):,} models</div>\n"
        f'<div class="summary">{chips}</div>\n'
    )


def _legend() -> str:
    items = "".join(
        f'<span title="{_e(_STATE_HINTS[state])}">{_swatch(state)}<b>{_e(state)}</b> <span class="muted">({_STATE_LETTERS[state]}) '
        f"{_e(_STATE_HINTS[state])}</span></span>"
        for state in CELL_STATES
    )
    return f'<div class="legend" aria-label="legend">{items}</div>\n'


def _grid(data: StatusData) -> str:
    if not data.models or not data.days:
        return '<p class="none">None.</p>'
    head = '<th scope="col"></th>' + "".join(f'<th class="ds" scope="col" title="{_e(ds)}">{_e(ds[5:])}</th>' for ds in data.days)
    rows = []
    for row in data.models:
        cells = []
        for ds in data.days:
            cell = row.cell(ds)
            title = cell.note or f"{ds}: {cell.state}"
            cells.append(f'<td class="c s-{cell.state}" title="{_e(title)}" aria-label="{_e(ds)} {_e(cell.state)}">{_STATE_LETTERS[cell.state]}</td>')
        name = f'<th class="model" scope="row" title="{_e(row.schema)}.{_e(row.model)}">{_e(row.model)}<span class="schema">{_e(row.schema)}</span></th>'
        rows.append(f"<tr>{name}{''.join(cells)}</tr>")
    return f'<div class="scroll"><table class="grid"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table></div>"


def _alerts(alerts: Sequence[Row]) -> str:
    rows = [
        [_status_badge(a.get("severity"), _SEVERITY_BADGE), _e(a.get("kind")), _e(a.get("summary")), _time(a.get("opened_at")), _time(a.get("last_seen_at"))]
        for a in alerts
    ]
    return _table(["Severity", "Kind", "Summary", "Opened", "Last seen"], rows)


def _check_failures(failures: Sequence[Row]) -> str:
    rows = [
        [
            _time(f.get("checked_at")),
            _e(f.get("model_name")),
            _time(f.get("ds")),
            _e(f.get("check_name")),
            _e(f.get("severity")),
            _status_badge(f.get("status"), _SEVERITY_BADGE),
            _number(f.get("observed_value")),
            _number(f.get("threshold")),
            _short_id(f.get("run_id")),
        ]
        for f in failures
    ]
    return _table(["Checked at", "Model", "ds", "Check", "Severity", "Status", "Observed", "Threshold", "Run"], rows, {6: "num", 7: "num"})


def _sources(sources: Sequence[Row]) -> str:
    rows = [[_e(s.get("source")), _time(s.get("latest_ds")), _time(s.get("landed_at")), _status_badge(s.get("status"), _SOURCE_STATUS_BADGE)] for s in sources]
    return _table(["Source", "Latest ds", "Landed at", "Status"], rows)


def _runs(runs: Sequence[Row]) -> str:
    rows = [
        [
            _time(r.get("started_at")),
            _short_id(r.get("run_id")),
            _e(r.get("kind")),
            _e(r.get("window")),
            _status_badge(r.get("status"), _RUN_STATUS_BADGE),
            _number(r.get("exit_code")),
            format_duration(r.get("seconds")),
            _number(r.get("models")),
            _number(r.get("rows")),
            _e(r.get("message")),
        ]
        for r in runs
    ]
    classes = {5: "num", 6: "num", 7: "num", 8: "num", 9: "message"}
    return _table(["Started", "Run", "Kind", "Window", "Status", "Exit", "Duration", "Models", "Rows", "Message"], rows, classes)


def render_status_page(data: StatusData) -> str:
    """The status page as one self-contained HTML document."""
    sections = [
        _header(data),
        _legend(),
        f"<h2>Partitions, last {len(data.days)} days</h2>\n{_grid(data)}",
        f"<h2>Open alerts ({len(data.open_alerts):,})</h2>\n{_alerts(data.open_alerts)}",
        f"<h2>Latest check failures</h2>\n{_check_failures(data.check_failures)}",
    ]
    if data.sources:
        sections.append(f"<h2>Landing sources</h2>\n{_sources(data.sources)}")
    sections.append(f"<h2>Last runs</h2>\n{_runs(data.runs)}")
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>stayhub status: {data.overall()}</title>\n<style>{_css()}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_status_page(data: StatusData, out: Path | str) -> Path:
    """Write the page to out (creating its folders); returns the path."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_status_page(data), encoding="utf-8")
    return path
