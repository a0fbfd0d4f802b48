"""The status page: its HTML as text, and a headless chromium screenshot showing each cell state in its colour and place."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stayhub.operations import status_page as sp
from stayhub.operations.status_page import CELL_STATES, STATE_COLOURS, Cell, ModelRow, StatusData
from tests.png import matches, run_lengths, screenshot

GENERATED = datetime(2025, 3, 11, 6, 30, tzinfo=UTC)
DAYS = [(date(2025, 3, 1) + timedelta(days=i)).isoformat() for i in range(10)]
LETTERS = {"P": "published", "W": "warned", "B": "blocked", "L": "late", "M": "missing", "N": "not_due"}
# One model per row, one letter per day; mostly one state per row, a few others to check the columns too. M is left out of the cells.
GRID = {
    "fct_published": "PPPPPPPPPP",
    "fct_warned": "PPPWWWWWWW",
    "fct_blocked": "BBBBBBBBBL",
    "fct_late": "LLLLLLMMMM",
    "fct_missing": "MMMMBMMMMM",
    "fct_not_due": "WWWWWWWNNN",
}


def model_row(name: str, letters: str, schema: str = "marts") -> ModelRow:
    cells = {ds: Cell(LETTERS[letter], f"{LETTERS[letter]} {ds} 05:12 UTC, 3,412 rows") for ds, letter in zip(DAYS, letters, strict=True) if letter != "M"}
    return ModelRow(name, schema, cells)


def run(status: str = "success", seconds: float | None = 12.34, **kw: Any) -> dict[str, Any]:
    row = {"run_id": "1a2b3c4d5e6f7a8b9c0d", "kind": "daily", "window": "2025-03-10", "status": status, "exit_code": 0, "started_at": GENERATED}
    return row | {"seconds": seconds, "models": 41, "rows": 1_234_567, "message": "done"} | kw


def status_data(**kw: Any) -> StatusData:
    data = StatusData(
        generated_at=GENERATED,
        warehouse="/data/stayhub.duckdb",
        days=DAYS,
        models=[model_row(name, letters) for name, letters in GRID.items()],
        check_failures=[
            {
                "model_name": "fct_blocked",
                "ds": "2025-03-10",
                "check_name": "row_count_drop",
                "severity": "error",
                "status": "fail",
                "observed_value": 0.42,
                "threshold": 0.5,
                "checked_at": datetime(2025, 3, 11, 5, 10),
                "run_id": "1a2b3c4d5e6f7a8b9c0d",
            }
        ],
        open_alerts=[
            {
                "kind": "deadline",
                "severity": "error",
                "summary": "fct_late 2025-03-07 is late",
                "opened_at": datetime(2025, 3, 8, 4),
                "last_seen_at": GENERATED,
            }
        ],
        runs=[run("failed", 245.2, exit_code=1, message="dbt failed"), run("success", 12.34), run("upstream_late", None, exit_code=3)],
        sources=[{"source": "bookings", "latest_ds": "2025-03-10", "landed_at": datetime(2025, 3, 11, 3), "status": "fresh"}],
    )
    return replace(data, **kw)


def cells_of(page: str, state: str) -> list[tuple[str, str]]:
    """(title, letter) of each grid cell in the state."""
    return re.findall(rf'<td class="c s-{state}" title="([^"]*)"[^>]*>([^<]*)</td>', page)


def test_every_state_has_a_distinct_colour_and_its_cells():
    assert set(STATE_COLOURS) == set(CELL_STATES)
    rgb = {state: np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) for state, colour in STATE_COLOURS.items()}
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in STATE_COLOURS.values())
    for a in CELL_STATES:
        for b in CELL_STATES:
            assert a == b or np.abs(rgb[a] - rgb[b]).max() >= 60, (a, b)
    assert rgb["not_due"].min() >= 220  # white-ish
    assert rgb["published"][1] > rgb["published"][0] and rgb["blocked"][0] > 2 * rgb["blocked"][1]  # green, red

    page = sp.render_status_page(status_data())
    expected = {state: sum(letters.count(letter) for letters in GRID.values()) for letter, state in LETTERS.items()}
    for state in CELL_STATES:
        assert f".s-{state} {{ background: {STATE_COLOURS[state]};" in page, state
        cells = cells_of(page, state)
        assert len(cells) == expected[state], state
        assert {letter for _, letter in cells} == {sp._STATE_LETTERS[state]}
    # The note is the tooltip; a ds absent from the cells is missing, its tooltip says so.
    assert ("published 2025-03-01 05:12 UTC, 3,412 rows", "P") in cells_of(page, "published")
    assert ("2025-03-07: missing", "M") in cells_of(page, "missing")
    assert page.count('<td class="c ') == len(GRID) * len(DAYS)
    assert page.count('<th class="ds"') == len(DAYS) and ">03-01</th>" in page and ">03-10</th>" in page
    # The legend names every state beside its swatch.
    legend = page[page.index('<div class="legend"') :]
    assert all(f'<span class="swatch s-{state}"></span><b>{state}</b>' in legend for state in CELL_STATES)


def test_the_header_counts_states_alerts_and_says_the_overall_state():
    page = sp.render_status_page(status_data())
    assert "<title>stayhub status: RED</title>" in page and 'class="badge overall bad"' in page
    assert "<code>/data/stayhub.duckdb</code>" in page and "generated 2025-03-11 06:30 UTC" in page
    assert "2025-03-01 .. 2025-03-10 (10 days) · 6 models" in page
    assert '<span class="swatch s-published"></span>published <b>13</b>' in page
    assert '<span class="swatch s-missing"></span>missing <b>13</b>' in page
    assert '<span class="swatch s-not_due"></span>not_due <b>3</b>' in page
    assert 'open alerts <span class="badge bad">1</span>' in page and "<h2>Open alerts (1)</h2>" in page


def test_the_overall_state():
    calm = status_data(models=[model_row("a", "PPPPPPPNNN")], open_alerts=[], runs=[run()], sources=[])
    assert calm.overall() == "OK"
    assert replace(calm, models=[model_row("a", "PPWPPPPNNN")]).overall() == "WARN"
    warn_alert = {"kind": "gap", "severity": "warn", "summary": "s", "opened_at": GENERATED, "last_seen_at": GENERATED}
    assert replace(calm, open_alerts=[warn_alert]).overall() == "WARN"
    assert replace(calm, sources=[{"source": "s", "latest_ds": "2025-03-01", "landed_at": None, "status": "stale"}]).overall() == "WARN"
    assert replace(calm, runs=[run("lock_held"), run()]).overall() == "WARN"
    assert replace(calm, runs=[run("running"), run()]).overall() == "OK"
    assert replace(calm, open_alerts=[warn_alert | {"severity": "error"}]).overall() == "RED"
    assert replace(calm, runs=[run("failed"), run()]).overall() == "RED"
    for letters in ("PPBPPPPNNN", "PPLPPPPNNN", "PPMPPPPNNN"):
        assert replace(calm, models=[model_row("a", letters)]).overall() == "RED"
    assert "<title>stayhub status: OK</title>" in sp.render_status_page(calm)


def test_tables_show_alerts_failures_sources_and_runs():
    page = sp.render_status_page(status_data())
    alerts = page[page.index("<h2>Open alerts") : page.index("<h2>Latest check failures")]
    assert '<span class="badge bad">error</span>' in alerts and "fct_late 2025-03-07 is late" in alerts and "2025-03-08 04:00 UTC" in alerts
    failures = page[page.index("<h2>Latest check failures") : page.index("<h2>Landing sources")]
    assert "row_count_drop" in failures and '<td class="num">0.42</td><td class="num">0.5</td>' in failures
    assert '<code title="1a2b3c4d5e6f7a8b9c0d">1a2b3c4d…</code>' in failures and "2025-03-11 05:10 UTC" in failures
    sources = page[page.index("<h2>Landing sources") : page.index("<h2>Last runs")]
    assert "bookings" in sources and '<span class="badge good">fresh</span>' in sources
    runs = page[page.index("<h2>Last runs") :]
    assert runs.index("4 min 05 s") < runs.index("12.3 s")  # in the order given, newest first
    assert '<span class="badge bad">failed</span>' in runs and '<span class="badge good">success</span>' in runs
    assert '<span class="badge late">upstream_late</span>' in runs and '<td class="num">–</td>' in runs  # no duration
    assert '<td class="num">1,234,567</td>' in runs and '<td class="message">dbt failed</td>' in runs


@pytest.mark.parametrize(
    "seconds, text",
    [(None, "–"), (float("nan"), "–"), (0.04, "0.0 s"), (12.34, "12.3 s"), (59.94, "59.9 s"), (59.96, "1 min 00 s"), (245.2, "4 min 05 s")]
    + [(3599.4, "59 min 59 s"), (3599.6, "1 h 00 min"), (7300, "2 h 02 min")],
)
def test_durations(seconds: float | None, text: str):
    assert sp.format_duration(seconds) == text


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script> & co'
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"
    data = status_data(
        warehouse=evil,
        models=[ModelRow(evil, evil, {DAYS[0]: Cell("published", evil)})],
        check_failures=[{"model_name": evil, "ds": evil, "check_name": evil, "severity": evil, "status": evil, "observed_value": evil}],
        open_alerts=[{"kind": evil, "severity": evil, "summary": evil, "opened_at": evil, "last_seen_at": evil}],
        runs=[run(evil, run_id=evil, kind=evil, window=evil, message=evil)],
        sources=[{"source": evil, "latest_ds": evil, "landed_at": evil, "status": evil}],
    )
    page = sp.render_status_page(data)
    assert "<script" not in page and '"x"' not in page
    assert page.count(escaped) >= 20
    assert f'<td class="c s-published" title="{escaped}"' in page


def test_empty_sections_say_none():
    page = sp.render_status_page(status_data(models=[], check_failures=[], open_alerts=[], runs=[], sources=[]))
    for heading in ("Partitions, last 10 days", "Open alerts (0)", "Latest check failures", "Last runs"):
        assert f'<h2>{heading}</h2>\n<p class="none">None.</p>' in page, heading
    assert page.count("None.") == 4 and "Landing sources" not in page  # the sources section only when given
    assert "<title>stayhub status: OK</title>" in page
    no_days = sp.render_status_page(status_data(days=[]))
    assert '<h2>Partitions, last 0 days</h2>\n<p class="none">None.</p>' in no_days and "no days" in no_days


def test_the_page_is_self_contained_and_small(tmp_path: Path):
    days = [(date(2025, 2, 1) + timedelta(days=i)).isoformat() for i in range(30)]
    note = "published 2025-03-03 05:12 UTC, 3,412 rows, run 1a2b3c4d5e6f"
    models = [ModelRow(f"fct_model_{i:02d}", "marts", {ds: Cell("published", note) for ds in days}) for i in range(30)]
    path = sp.write_status_page(status_data(days=days, models=models, runs=[run()] * 20), tmp_path / "a" / "b" / "status.html")
    assert path == tmp_path / "a" / "b" / "status.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.count('<td class="c s-published"') == 900
    assert len(text.encode()) < 200_000
    assert "http://" not in text and "https://" not in text
    assert not re.findall(r"""(?:src|href|url)\s*[=(]""", text, re.I)
    assert "<script" not in text and "<link" not in text and "@import" not in text and "<img" not in text


def test_unknown_states_are_refused():
    with pytest.raises(ValueError, match="unknown cell state 'ok'; known states: published, warned"):
        Cell("ok")


def read_grid(image: np.ndarray, columns: int) -> tuple[list[str], dict[str, float]]:
    """The grid read back from a screenshot: per screen row of cells, one letter per column ('?' where no state's colour
    fills a cell); and per state, its cells' pixel count over their number times the cell area.

    A cell is a box of a state's colour at least 18 px tall or wide: legend swatches, text and the letters' antialiasing
    are smaller."""
    found: list[tuple[int, int, str]] = []  # (top, left, state)
    coverage = {}
    for state, colour in STATE_COLOURS.items():
        mask = matches(image, colour)
        filled = np.asarray(mask & ((run_lengths(mask) >= 18) | (run_lengths(mask.T).T >= 18)))
        pixels, boxes = 0, 0
        for top, bottom in segments(filled.any(axis=1)):
            for left, right in segments(filled[top:bottom].any(axis=0)):
                assert 20 <= bottom - top <= 30 and 20 <= right - left <= 30, (state, top, bottom, left, right)
                found.append((top, left, state))
                pixels += int(mask[top:bottom, left:right].sum())
                boxes += 1
        coverage[state] = pixels / max(boxes, 1) / sp.CELL_SIZE**2
    assert found, "no cells on screen"
    tops = sorted({top for top, _, _ in found})
    rows = [tops[0]] + [top for previous, top in zip(tops, tops[1:], strict=False) if top - previous > 4]
    lefts = sorted({left for _, left, _ in found})
    pitch = (lefts[-1] - lefts[0]) / (columns - 1)
    grid = [["?"] * columns for _ in rows]
    codes = {state: letter for letter, state in LETTERS.items()}
    for top, left, state in found:
        row = max(i for i, row_top in enumerate(rows) if top >= row_top - 4)
        grid[row][round((left - lefts[0]) / pitch)] = codes[state]
    return ["".join(row) for row in grid], coverage


def segments(line: Any) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], np.asarray(line, dtype=np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(), strict=True))


def test_chromium_shows_each_state_in_its_colour_and_place(tmp_path: Path):
    page = sp.write_status_page(status_data(), tmp_path / "status.html")
    image = screenshot(page, tmp_path / "status.png", 1280, 1400)
    if os.environ.get("KEEP_STATUS_SCREENSHOT"):
        shutil.copy(tmp_path / "status.png", os.environ["KEEP_STATUS_SCREENSHOT"])
    rows, coverage = read_grid(image, len(DAYS))
    # Every cell is on screen in its state's colour, the models top to bottom in the order given, the days left to right.
    assert rows == list(GRID.values())
    # The cells' fill is mostly the state's colour (the letter takes the rest).
    for state, share in coverage.items():
        assert 0.75 <= share <= 1.0, (state, share)
    # The legend's swatches show every colour too, above the grid.
    for state, colour in STATE_COLOURS.items():
        assert matches(image, colour)[:200].sum() >= 150, state
