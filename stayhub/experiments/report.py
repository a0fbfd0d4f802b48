"""HTML reports of the experiment results: one self-contained page per experiment (inline CSS and SVG), and an index."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb

SCHEMA = "experiments"
TABLES = ("exp_definitions", "exp_results", "exp_exposure_accounting", "exp_alerts")
ALL_CUT = "all"
DEFAULT_SRM_ALPHA = 0.001

# Non-control variants' colours, in order; the tests find them in the screenshot.
VARIANT_COLOURS = ("#3b5bdb", "#e8590c", "#9c36b5", "#0ca678", "#c2255c", "#5c940d")
VERDICT_COLOURS = {"better": "#2f9e44", "worse": "#e03131"}
NEUTRAL = "#495057"
HEADER_BACKGROUND = "#1c3d5a"

Row = dict[str, Any]


class ReportError(Exception):
    """The report cannot be written: the tables are missing, or the experiment is unknown."""


@dataclass
class ExperimentData:
    """One experiment's rows as of a ds."""

    key: str
    requested_ds: date | None
    as_of: date | None
    definitions: list[Row]
    results: list[Row]  # ds = as_of
    history: list[Row]  # cut 'all', ds <= as_of
    exposure: Row | None
    alerts: list[Row]  # ds <= as_of, newest first
    colours: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.colours = {variant: VARIANT_COLOURS[i % len(VARIANT_COLOURS)] for i, variant in enumerate(self.treatments())}

    @property
    def info(self) -> Row:
        return self.definitions[0] if self.definitions else {}

    def variants(self) -> list[tuple[str, bool, Any]]:
        """(variant, is_control, expected_share), control first."""
        seen: dict[str, tuple[str, bool, Any]] = {}
        for row in self.definitions:
            seen.setdefault(row["variant"], (row["variant"], bool(row["is_control"]), row["expected_share"]))
        for row in self.results:
            seen.setdefault(row["control_variant"], (row["control_variant"], True, None))
            seen.setdefault(row["variant"], (row["variant"], False, None))
        return sorted(seen.values(), key=lambda v: (not v[1], str(v[0])))

    def treatments(self) -> list[str]:
        return [name for name, is_control, _ in self.variants() if not is_control]

    def metrics(self) -> list[tuple[str, Row]]:
        """(metric, its settings row), primary metrics before guardrails."""
        found: dict[str, Row] = {}
        for row in self.definitions:
            found.setdefault(row["metric"], row)
        for row in self.results:
            found.setdefault(row["metric"], {"metric": row["metric"], "is_guardrail": row["is_guardrail"], "higher_is_better": row["higher_is_better"]})
        return sorted(found.items(), key=lambda item: (bool(item[1].get("is_guardrail")), item[0]))

    def srm_p_value(self) -> float | None:
        values = [row["srm_p_value"] for row in self.results if row["cut_name"] == ALL_CUT and not _missing(row["srm_p_value"])]
        return min(values) if values else None

    def srm_alpha(self) -> float:
        values = [row["srm_alpha"] for row in self.definitions if not _missing(row.get("srm_alpha"))]
        return float(values[0]) if values else DEFAULT_SRM_ALPHA

    def srm_mismatch(self) -> bool | None:
        p = self.srm_p_value()
        return None if p is None else p < self.srm_alpha()

    def open_alerts(self) -> list[Row]:
        return [row for row in self.alerts if row["ds"] == self.as_of]

    def verdict_counts(self) -> dict[str, int]:
        counts = {"better": 0, "worse": 0, "inconclusive": 0}
        for row in self.results:
            if row["cut_name"] == ALL_CUT:
                counts[_verdict(row)] += 1
        return counts


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _verdict(row: Row) -> str:
    verdict = row.get("verdict")
    return verdict if verdict in ("better", "worse") else "inconclusive"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[Row]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def check_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Raises ReportError naming the experiment tables the warehouse lacks."""
    found = {row["table_name"] for row in _rows(con, "select table_name from information_schema.tables where table_schema = ?", [SCHEMA])}
    missing = [f"{SCHEMA}.{table}" for table in TABLES if table not in found]
    if missing:
        raise ReportError(f"the warehouse has no {', '.join(missing)}: build the experiment models first (stayhub build, or dbt build)")


def experiment_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every experiment with a definition or a result."""
    sql = f"select experiment_key from {SCHEMA}.exp_definitions union select experiment_key from {SCHEMA}.exp_results order by 1"
    return [row["experiment_key"] for row in _rows(con, sql) if row["experiment_key"] is not None]


def load_experiment(con: duckdb.DuckDBPyConnection, key: str, ds: date | str | None = None) -> ExperimentData:
    """The experiment's rows as of ds: its latest results on or before ds (default: its latest results)."""
    requested = date.fromisoformat(ds) if isinstance(ds, str) else ds
    bound = "and ds <= ?" if requested else ""
    params: list[Any] = [key, requested] if requested else [key]
    as_of = _rows(con, f"select max(ds) as ds from {SCHEMA}.exp_results where experiment_key = ? {bound}", params)[0]["ds"]
    definitions = _rows(con, f"select * from {SCHEMA}.exp_definitions where experiment_key = ? order by metric, not is_control, variant", [key])
    results = _rows(
        con,
        f"select * from {SCHEMA}.exp_results where experiment_key = ? and ds = ? order by metric, variant, cut_name <> '{ALL_CUT}', cut_name, cut_value",
        [key, as_of],
    )
    history = _rows(
        con, f"select * from {SCHEMA}.exp_results where experiment_key = ? and ds <= ? and cut_name = '{ALL_CUT}' order by metric, variant, ds", [key, as_of]
    )
    exposure = _rows(con, f"select * from {SCHEMA}.exp_exposure_accounting where experiment_key = ? and ds <= ? order by ds desc limit 1", [key, as_of])
    alerts = _rows(
        con, f"select * from {SCHEMA}.exp_alerts where experiment_key = ? and ds <= ? order by ds desc, alert_type, metric, variant, cut_name", [key, as_of]
    )
    return ExperimentData(key, requested, as_of, definitions, results, history, exposure[0] if exposure else None, alerts if as_of else [])


def page_name(key: str) -> str:
    """The report's file name: the key, with anything unsafe in a file name replaced."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", key).lstrip(".") + ".html"


def write_reports(con: duckdb.DuckDBPyConnection, out_dir: Path | str, experiment: str | None = None, ds: date | str | None = None) -> list[Path]:
    """Writes <out_dir>/<experiment_key>.html for one or every experiment, and index.html; returns the pages, then the index."""
    check_tables(con)
    keys = experiment_keys(con)
    if experiment is not None and experiment not in keys:
        known = ", ".join(keys) if keys else "none: exp_definitions and exp_results are empty"
        raise ReportError(f"unknown experiment '{experiment}'; known experiments: {known}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    experiments = [load_experiment(con, key, ds) for key in keys]
    written = []
    for data in experiments:
        if experiment is None or data.key == experiment:
            path = out / page_name(data.key)
            path.write_text(render_page(data), encoding="utf-8")
            written.append(path)
    index = out / "index.html"
    index.write_text(render_index(experiments, {data.key for data in experiments if (out / page_name(data.key)).exists()}), encoding="utf-8")
    return [*written, index]


# Formatting: every value shown goes through one of these, and every text through _e.


def _e(value: Any) -> str:
    return "–" if _missing(value) else html.escape(str(value), quote=True)


def _num(value: Any, signed: bool = False) -> str:
    if _missing(value):
        return "–"
    x = float(value)
    size = abs(x)
    text = f"{x:,.0f}" if size >= 1000 else f"{x:.1f}" if size >= 100 else f"{x:.2f}" if size >= 1 else "0" if x == 0 else f"{x:.3g}"
    return f"+{text}" if signed and x > 0 else text


def _pct(value: Any, signed: bool = True) -> str:
    if _missing(value):
        return "–"
    x = float(value) * 100
    text = f"{x:+.2f}" if signed else f"{x:.2f}"
    return (text if abs(x) < 10 else f"{x:+.1f}" if signed else f"{x:.1f}") + "%"


def _p(value: Any) -> str:
    return "–" if _missing(value) else "<0.001" if value < 0.001 else f"{value:.3f}"


def _int(value: Any) -> str:
    return "–" if _missing(value) else f"{int(value):,}"


def _interval(lower: Any, upper: Any, fmt: Any = _pct) -> str:
    return "–" if _missing(lower) and _missing(upper) else f"[{fmt(lower)}, {fmt(upper)}]"


def _cut(row: Row) -> str:
    return ALL_CUT if row["cut_name"] == ALL_CUT else f"{row['cut_name']} = {row['cut_value'] if not _missing(row['cut_value']) else '(null)'}"


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge {kind}">{_e(text)}</span>'


def _verdict_badge(row: Row) -> str:
    verdict = _verdict(row)
    return _badge(verdict if row.get("verdict") in ("better", "worse", "inconclusive") else "n/a", verdict)


def _srm_badge(data: ExperimentData) -> str:
    mismatch = data.srm_mismatch()
    text = "n/a" if mismatch is None else "MISMATCH" if mismatch else "OK"
    return _badge(text, "neutral" if mismatch is None else "worse" if mismatch else "better")


def _distinct(rows: Iterable[Row], render: Any) -> str:
    values = list(dict.fromkeys(render(row) for row in rows))
    return "–" if not values else values[0] if len(values) == 1 else " / ".join(values) + " (varies by metric)"


CSS = f"""
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; margin: 0; background: #f8f9fa; }}
main {{ max-width: 1240px; margin: 0 auto; padding: 16px 20px 40px; }}
h1 {{ font-size: 24px; margin: 8px 0 4px; }}
h2 {{ font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #dee2e6; padding-bottom: 4px; }}
h3 {{ font-size: 15px; margin: 14px 0 6px; }}
.muted {{ color: #6c757d; }}
code {{ font-size: 12px; background: #e9ecef; padding: 1px 4px; border-radius: 3px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.card {{ background: #fff; border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 12px; flex: 1 1 230px; }}
table {{ border-collapse: collapse; background: #fff; font-size: 12px; }}
th {{ background: {HEADER_BACKGROUND}; color: #fff; font-weight: 600; text-align: left; padding: 5px 6px; white-space: nowrap; }}
td {{ padding: 4px 6px; border-bottom: 1px solid #e9ecef; white-space: nowrap; vertical-align: top; }}
td .sub {{ color: #6c757d; font-size: 11.5px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.kv th {{ background: #e9ecef; color: #212529; font-weight: 500; }}
table.kv th, table.kv td, table.results th, table.index td {{ white-space: normal; }}
.badge, .nowrap {{ white-space: nowrap; }}
table.results tr.all td {{ font-weight: 600; background: #f1f3f5; }}
table.full {{ width: 100%; }}
.badge {{ display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; }}
.badge.better {{ background: #d3f9d8; color: #2b8a3e; }}
.badge.worse {{ background: #ffe3e3; color: #c92a2a; }}
.badge.inconclusive, .badge.neutral {{ background: #e9ecef; color: #495057; }}
.badge.guardrail {{ background: #fff3bf; color: #8f5e00; }}
.swatch {{ display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 10px; }}
.chart {{ background: #fff; border: 1px solid #dee2e6; border-radius: 6px; padding: 6px; flex: 1 1 560px; }}
.chart svg {{ width: 100%; height: auto; display: block; }}
.scroll {{ overflow-x: auto; }}
a {{ color: #1864ab; }}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "", row_classes: Sequence[str] | None = None) -> str:
    """An HTML table; the headers are text (escaped here), the cells already HTML."""
    head = "".join(f"<th>{_e(header)}</th>" for header in headers)
    body = []
    for i, cells in enumerate(rows):
        css_row = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        body.append(f"<tr{css_row}>" + "".join(cell if cell.startswith("<td") else f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _lines(texts: Sequence[str]) -> str:
    """The first text, and the others below it in small grey."""
    return texts[0] + "".join(f'<div class="sub">{text}</div>' for text in texts[1:])


def _num_td(text: str) -> str:
    return f'<td class="num">{text}</td>'


def _kv(pairs: Sequence[tuple[str, str]]) -> str:
    return '<table class="kv full">' + "".join(f'<tr><th scope="row">{_e(k)}</th><td>{v}</td></tr>' for k, v in pairs) + "</table>"


def render_page(data: ExperimentData) -> str:
    """The experiment's page."""
    info = data.info
    parts = [
        '<p class="muted"><a href="index.html">All experiments</a></p>',
        f"<h1>Experiment <code>{_e(data.key)}</code></h1>",
        f"<p>{_e(info.get('description'))}</p>",
    ]
    if data.as_of is None:
        bound = f" on or before {data.requested_ds}" if data.requested_ds else ""
        parts.append(f"<p><strong>No results{_e(bound)}.</strong></p>")
    else:
        note = f" (the latest results on or before the requested {data.requested_ds})" if data.requested_ds and data.requested_ds != data.as_of else ""
        parts.append(f"<p>Results as of <strong>{_e(data.as_of)}</strong>{_e(note)}.</p>")
    parts.append(_summary(data))
    parts.append(_alerts(data))
    for metric, settings in data.metrics():
        parts.append(_metric_section(data, metric, settings))
    return _page(f"Experiment {data.key}", "\n".join(parts))


def _summary(data: ExperimentData) -> str:
    info, defs = data.info, data.definitions
    end = info.get("end_ds")
    about = _kv(
        [
            ("Owner", _e(info.get("owner"))),
            ("Dates", f"{_e(info.get('start_ds'))} → {_e(end) if not _missing(end) else 'open-ended'}"),
            ("Metrics", _e(", ".join(metric for metric, _ in data.metrics()))),
            ("Cuts", _e(_distinct(defs, lambda r: r.get("cuts") or "none"))),
        ]
    )
    exposure = data.exposure or {}
    counts = [
        ("Users exposed", "users_exposed"),
        ("Users analysed", "users_analysed"),
        ("Contaminated (saw several variants)", "users_contaminated"),
        ("First exposures", "exposures_first"),
        ("Re-exposures", "re_exposures"),
        ("Exposures outside the dates", "exposures_outside_dates"),
        ("Exposures, unknown variant", "exposures_unknown_variant"),
        ("Duplicate deliveries", "duplicate_deliveries"),
    ]
    as_of = f" (as of {exposure['ds']})" if exposure.get("ds") else " (none recorded)"
    exposures = f"<h3>Exposure{_e(as_of)}</h3>" + _kv([(label, _int(exposure.get(column))) for label, column in counts])
    settings = _kv(
        [
            ("Alpha", _e(_distinct(defs, lambda r: _num(r["alpha"])))),
            ("Power", _e(_distinct(defs, lambda r: _num(r["power"])))),
            ("Correction", _e(_distinct(defs, lambda r: str(r["correction"] or "none")))),
            ("CUPED", _e(_distinct(defs, lambda r: "on" if r["cuped"] else "off"))),
            ("Sequential", _e(_distinct(defs, lambda r: f"on (tuning {_num(r['sequential_tuning'])})" if r["sequential"] else "off"))),
            ("Capping", _e(_distinct(defs, _capping))),
            ("SRM alpha", _e(_num(data.srm_alpha()))),
        ]
    )
    return (
        '<div class="cards">'
        f'<div class="card"><h3>About</h3>{about}</div>'
        f'<div class="card"><h3>Variants and split</h3>{_split(data)}<p>Sample ratio: {_srm_badge(data)} '
        f"p-value {_e(_p(data.srm_p_value()))} (mismatch below {_e(_num(data.srm_alpha()))})</p></div>"
        f'<div class="card">{exposures}</div>'
        f'<div class="card"><h3>Settings</h3>{settings}</div>'
        "</div>"
    )


def _capping(row: Row) -> str:
    kind = row.get("capping_type") or "none"
    return "none" if kind == "none" else f"{kind} {_num(row.get('capping_value'))}"


def _split(data: ExperimentData) -> str:
    """Each variant's expected share and observed users (its largest n over the metrics, cut 'all')."""
    observed: dict[str, int] = {}
    for row in data.results:
        if row["cut_name"] != ALL_CUT:
            continue
        for variant, n in ((row["control_variant"], row["n_control"]), (row["variant"], row["n_variant"])):
            if not _missing(n):
                observed[variant] = max(observed.get(variant, 0), int(n))
    total = sum(observed.values())
    rows = []
    for variant, is_control, share in data.variants():
        swatch = f'<span class="swatch" style="background:{data.colours[variant]}"></span>' if variant in data.colours else ""
        n = observed.get(variant)
        rows.append(
            [
                f"{swatch}{_e(variant)}" + (" <span class='muted'>(control)</span>" if is_control else ""),
                _num_td(_pct(share, signed=False)),
                _num_td(_int(n)),
                _num_td(_pct(n / total, signed=False) if n is not None and total else "–"),
            ]
        )
    return _table(["Variant", "Expected", "Users", "Observed"], rows, "full")


def _alerts(data: ExperimentData) -> str:
    def table(rows: list[Row]) -> str:
        return _table(
            ["ds", "Alert", "Metric", "Variant", "Cut", "p-value", "Detail"],
            [
                [_e(r["ds"]), _badge(str(r["alert_type"]), "worse"), _e(r["metric"]), _e(r["variant"]), _e(_cut(r)), _num_td(_p(r["p_value"])), _e(r["detail"])]
                for r in rows
            ],
            "full",
        )

    open_alerts = data.open_alerts()
    earlier = [row for row in data.alerts if row["ds"] != data.as_of]
    out = f"<h2>Open alerts ({len(open_alerts)})</h2>" + (table(open_alerts) if open_alerts else '<p class="muted">None as of this ds.</p>')
    if earlier:
        out += f"<details><summary>Earlier alerts ({len(earlier)})</summary>{table(earlier)}</details>"
    return out


def _metric_section(data: ExperimentData, metric: str, settings: Row) -> str:
    rows = [row for row in data.results if row["metric"] == metric]
    label = settings.get("metric_label") or metric
    badges = _badge("guardrail", "guardrail") if settings.get("is_guardrail") else ""
    higher = settings.get("higher_is_better")
    direction = "" if _missing(higher) else "higher is better" if higher else "lower is better"
    heading = f'<h2 id="metric-{_e(metric)}">{_e(label)} <code>{_e(metric)}</code> {badges} <span class="muted">{_e(direction)}</span></h2>'
    if not rows:
        return heading + '<p class="muted">No results for this metric as of this ds.</p>'
    history = [row for row in data.history if row["metric"] == metric]
    charts = f'<div class="charts"><div class="chart">{forest_svg(rows, data.colours)}</div><div class="chart">{line_svg(history, data.colours)}</div></div>'
    sequential = any(not _missing(row["seq_lift_rel_ci_lower"]) for row in rows)
    cuped = any(not _missing(row["variance_reduction"]) for row in rows)
    headers = ["Variant", "Cut", "n control / variant", "Mean control → variant", "Abs. lift", "Abs. CI · adj.", "Rel. lift"]
    headers += ["Rel. CI · adj." + (" · seq." if sequential else ""), "p-value · adj.", "MDE (rel.)"] + (["CUPED var. red."] if cuped else []) + ["Verdict"]
    body = []
    for r in rows:
        swatch = f'<span class="swatch" style="background:{data.colours.get(r["variant"], NEUTRAL)}"></span>'
        rel_ci = [
            _interval(r["lift_rel_ci_lower"], r["lift_rel_ci_upper"]),
            "adj. " + _interval(r["lift_rel_ci_lower_adjusted"], r["lift_rel_ci_upper_adjusted"]),
        ]
        if sequential:
            rel_ci.append("seq. " + _interval(r["seq_lift_rel_ci_lower"], r["seq_lift_rel_ci_upper"]))
        abs_ci = [
            _interval(r["lift_abs_ci_lower"], r["lift_abs_ci_upper"], _num),
            "adj. " + _interval(r["lift_abs_ci_lower_adjusted"], r["lift_abs_ci_upper_adjusted"], _num),
        ]
        cells = [f"{swatch}{_e(r['variant'])}", _e(_cut(r)), _num_td(f"{_int(r['n_control'])} / {_int(r['n_variant'])}")]
        cells += [_num_td(f"{_num(r['mean_control'])} → {_num(r['mean_variant'])}"), _num_td(_num(r["lift_abs"], signed=True)), _num_td(_lines(abs_ci))]
        cells += [
            _num_td(f"<strong>{_pct(r['lift_rel'])}</strong>"),
            _num_td(_lines(rel_ci)),
            _num_td(_lines([_p(r["p_value"]), "adj. " + _p(r["p_value_adjusted"])])),
        ]
        cells.append(_num_td(_pct(r["mde_rel"], signed=False)))
        if cuped:
            cells.append(_num_td(_pct(r["variance_reduction"], signed=False)))
        cells.append(_verdict_badge(r))
        body.append(cells)
    classes = ["all" if r["cut_name"] == ALL_CUT else "" for r in rows]
    return heading + charts + _table(headers, body, "results full", classes)


# Charts: inline SVG, scaled to their box by the viewBox.


def _finite(*values: Any) -> list[float]:
    return [float(v) for v in values if not _missing(v) and math.isfinite(float(v))]


def _ticks(lower: float, upper: float, count: int = 5) -> list[float]:
    """Round values spanning [lower, upper]."""
    span = upper - lower
    raw = span / count if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lower / step) * step
    return [round(first + i * step, 12) for i in range(int((upper - first) / step + 1e-9) + 1)]


def _domain(values: list[float]) -> tuple[float, float]:
    lower, upper = min([0.0, *values]), max([0.0, *values])
    pad = (upper - lower) * 0.06 or 0.01
    return lower - pad, upper + pad


def _interval_of(row: Row) -> tuple[Any, Any]:
    """The adjusted relative interval, else the unadjusted one."""
    if not _missing(row["lift_rel_ci_lower_adjusted"]) or not _missing(row["lift_rel_ci_upper_adjusted"]):
        return row["lift_rel_ci_lower_adjusted"], row["lift_rel_ci_upper_adjusted"]
    return row["lift_rel_ci_lower"], row["lift_rel_ci_upper"]


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return f'<svg viewBox="0 0 {width} {height}" role="img" font-family="system-ui, sans-serif" font-size="11"><title>{_e(title)}</title>{"".join(body)}</svg>'


def forest_svg(rows: list[Row], colours: dict[str, str]) -> str:
    """Each variant x cut's relative lift: a point, its (adjusted) interval as a bar, the unadjusted one as a line, the sequential one as a dashed box."""
    width, left, right, top, row_height = 560, 190, 18, 30, 22
    height = top + row_height * len(rows) + 46
    values = [v for r in rows for v in _finite(r["lift_rel"], *_interval_of(r), r["lift_rel_ci_lower"], r["lift_rel_ci_upper"], *_seq(r))]
    lower, upper = _domain(values)

    def x(value: float) -> float:
        return left + (value - lower) / (upper - lower) * (width - left - right)

    out = [f'<text x="{left}" y="14" font-weight="600">Relative lift vs control, by variant and cut</text>']
    bottom = top + row_height * len(rows)
    for tick in _ticks(lower, upper):
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{bottom}" stroke="#e9ecef"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{bottom + 14}" text-anchor="middle" fill="#495057">{_e(_pct(tick))}</text>')
    out.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top - 4}" y2="{bottom}" stroke="#212529" stroke-width="1.5"/>')
    for i, r in enumerate(rows):
        y = top + i * row_height + row_height / 2
        colour = colours.get(r["variant"], NEUTRAL)
        if r["cut_name"] == ALL_CUT and i:
            out.append(f'<line x1="4" x2="{width - 4}" y1="{y - row_height / 2:.1f}" y2="{y - row_height / 2:.1f}" stroke="#ced4da"/>')
        weight = ' font-weight="600"' if r["cut_name"] == ALL_CUT else ""
        label = f"{r['variant']} (all)" if r["cut_name"] == ALL_CUT else _cut(r)
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end"{weight}>{_e(_clip(label, 30))}</text>')
        seq_lower, seq_upper = _seq(r)
        if not _missing(seq_lower) and not _missing(seq_upper):
            out.append(
                f'<rect x="{x(seq_lower):.1f}" y="{y - 7:.1f}" width="{max(x(seq_upper) - x(seq_lower), 1):.1f}" height="14" fill="none" '
                'stroke="#343a40" stroke-dasharray="3 2"/>'
            )
        if not _missing(r["lift_rel_ci_lower"]) and not _missing(r["lift_rel_ci_upper"]):
            x1, x2 = x(r["lift_rel_ci_lower"]), x(r["lift_rel_ci_upper"])
            out.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="2"/>')
        bar_lower, bar_upper = _interval_of(r)
        if not _missing(bar_lower) and not _missing(bar_upper):
            out.append(f'<rect x="{x(bar_lower):.1f}" y="{y - 4:.1f}" width="{max(x(bar_upper) - x(bar_lower), 2):.1f}" height="8" rx="2" fill="{colour}"/>')
        if _missing(r["lift_rel"]):
            out.append(f'<text x="{x(0) + 6:.1f}" y="{y + 4:.1f}" fill="#868e96">n/a</text>')
        else:
            fill = VERDICT_COLOURS.get(_verdict(r), NEUTRAL)
            out.append(f'<circle cx="{x(r["lift_rel"]):.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="#fff" stroke-width="1.5"/>')
    legend = "bar: adjusted CI · line: CI · dashed box: sequential CI · point: green better, red worse"
    out.append(f'<text x="{width / 2}" y="{bottom + 32}" text-anchor="middle" fill="#495057">{legend}</text>')
    return _svg(width, height, "Relative lift by variant and cut", out)


def _seq(row: Row) -> tuple[Any, Any]:
    return row["seq_lift_rel_ci_lower"], row["seq_lift_rel_ci_upper"]


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def line_svg(history: list[Row], colours: dict[str, str]) -> str:
    """The daily relative lift (cut 'all') per variant: a line, its (adjusted) interval as a band, the sequential interval dashed."""
    width, height, left, right, top, bottom = 560, 250, 58, 16, 34, 40
    days = sorted({row["ds"] for row in history})
    values = [v for r in history for v in _finite(r["lift_rel"], *_interval_of(r), *_seq(r))]
    lower, upper = _domain(values)
    plot_bottom = height - bottom

    def x(day: date) -> float:
        if len(days) < 2:
            return (left + width - right) / 2
        return left + (day - days[0]).days / (days[-1] - days[0]).days * (width - left - right)

    def y(value: float) -> float:
        return plot_bottom - (value - lower) / (upper - lower) * (plot_bottom - top)

    out = [f'<text x="{left}" y="14" font-weight="600">Relative lift over time (cut all)</text>']
    for tick in _ticks(lower, upper):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e9ecef"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#495057">{_e(_pct(tick))}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#212529" stroke-width="1.5"/>')
    step = max(1, math.ceil(len(days) / 6))
    for day in days[::step]:
        out.append(f'<text x="{x(day):.1f}" y="{plot_bottom + 16}" text-anchor="middle" fill="#495057">{_e(day.strftime("%m-%d"))}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle" fill="#495057">ds · band: adjusted CI · dashed: sequential CI</text>'
    )
    variants = list(dict.fromkeys(row["variant"] for row in history))
    for k, variant in enumerate(variants):
        colour = colours.get(variant, NEUTRAL)
        series = [row for row in history if row["variant"] == variant]
        legend_x = width - right - 110 * (len(variants) - k)
        out.append(f'<rect x="{legend_x}" y="6" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{legend_x + 14}" y="15">{_e(_clip(str(variant), 15))}</text>')
        for run in _runs(series, lambda r: _interval_of(r)):
            upper_points = [f"{x(r['ds']):.1f},{y(_interval_of(r)[1]):.1f}" for r in run]
            lower_points = [f"{x(r['ds']):.1f},{y(_interval_of(r)[0]):.1f}" for r in reversed(run)]
            out.append(f'<polygon points="{" ".join(upper_points + lower_points)}" fill="{colour}" fill-opacity="0.16" stroke="none"/>')
        for run in _runs(series, _seq):
            for index in (0, 1):
                points = " ".join(f"{x(r['ds']):.1f},{y(_seq(r)[index]):.1f}" for r in run)
                out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1" stroke-dasharray="4 3"/>')
        for run in _runs(series, lambda r: (r["lift_rel"],)):
            points = " ".join(f"{x(r['ds']):.1f},{y(r['lift_rel']):.1f}" for r in run)
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
            out += [f'<circle cx="{x(r["ds"]):.1f}" cy="{y(r["lift_rel"]):.1f}" r="3" fill="{colour}"/>' for r in run]
    if not values:
        out.append(f'<text x="{(left + width - right) / 2}" y="{(top + plot_bottom) / 2}" text-anchor="middle" fill="#868e96">no data</text>')
    return _svg(width, height, "Relative lift over time", out)


def _runs(series: list[Row], values: Any) -> list[list[Row]]:
    """The series split where any of values(row) is missing: a line or band is drawn only over known values."""
    runs: list[list[Row]] = [[]]
    for row in series:
        if all(not _missing(v) for v in values(row)):
            runs[-1].append(row)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def render_index(experiments: list[ExperimentData], linked: set[str]) -> str:
    """index.html: every experiment, its dates, sample ratio, verdicts and open alerts, linking the pages written."""
    rows = []
    for data in experiments:
        info = data.info
        name = f'<a href="{_e(quote(page_name(data.key)))}">{_e(data.key)}</a>' if data.key in linked else _e(data.key)
        counts = data.verdict_counts()
        verdicts = " ".join(_badge(f"{counts[v]} {v}", v) for v in ("better", "worse", "inconclusive") if counts[v])
        end = info.get("end_ds")
        rows.append(
            [
                name,
                _e(info.get("description")),
                f'<span class="nowrap">{_e(info.get("owner"))}</span>',
                f'<span class="nowrap">{_e(info.get("start_ds"))} →</span> <span class="nowrap">{_e(end) if not _missing(end) else "open"}</span>',
                f'<span class="nowrap">{_e(data.as_of)}</span>',
                _e(", ".join(data.treatments())),
                _srm_badge(data),
                verdicts or "–",
                _num_td(str(len(data.open_alerts()))),
            ]
        )
    headers = ["Experiment", "Description", "Owner", "Dates", "As of", "Variants vs control", "Sample ratio", "Verdicts (cut all)", "Open alerts"]
    body = "<h1>Experiments</h1>" + _table(headers, rows, "index full") if rows else "<h1>Experiments</h1><p>No experiments.</p>"
    return _page("Experiments", body)
