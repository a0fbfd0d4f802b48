"""stayhub experiments report: HTML pages from a small synthetic experiments schema, checked as text and as a headless chromium screenshot."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from stayhub import cli
from stayhub.experiments import report
from tests.png import decode_png, longest_runs, matches

CHROMIUM = "/usr/bin/chromium"
START = date(2024, 3, 1)
DAYS = 10
LAST = START + timedelta(days=DAYS - 1)
Z, Z_ADJ, Z_SEQ = 1.96, 2.39, 3.1

DDL = """
create schema experiments;
create table experiments.exp_definitions (
    experiment_key varchar, description varchar, owner varchar, start_ds date, end_ds date, variant varchar, is_control boolean,
    expected_share double, metric varchar, metric_label varchar, is_guardrail boolean, higher_is_better boolean, alpha double, power double,
    cuped boolean, sequential boolean, sequential_tuning double, correction varchar, capping_type varchar, capping_value double, srm_alpha double,
    cuts varchar);
create table experiments.exp_results (
    ds date, experiment_key varchar, metric varchar, variant varchar, control_variant varchar, cut_name varchar, cut_value varchar,
    is_guardrail boolean, higher_is_better boolean, n_control bigint, n_variant bigint, mean_control double, mean_variant double,
    cuped_theta double, variance_reduction double, lift_abs double, lift_abs_se double, lift_abs_ci_lower double, lift_abs_ci_upper double,
    p_value double, lift_rel double, lift_rel_se double, lift_rel_ci_lower double, lift_rel_ci_upper double, p_value_rel double,
    degrees_of_freedom double, p_value_adjusted double, lift_abs_ci_lower_adjusted double, lift_abs_ci_upper_adjusted double,
    lift_rel_ci_lower_adjusted double, lift_rel_ci_upper_adjusted double, seq_lift_abs_ci_lower double, seq_lift_abs_ci_upper double,
    seq_lift_rel_ci_lower double, seq_lift_rel_ci_upper double, mde_abs double, mde_rel double, srm_chi_square double, srm_p_value double,
    is_significant boolean, verdict varchar);
create table experiments.exp_exposure_accounting (
    ds date, experiment_key varchar, users_exposed bigint, users_contaminated bigint, users_analysed bigint, exposures_first bigint,
    re_exposures bigint, exposures_outside_dates bigint, exposures_unknown_variant bigint, duplicate_deliveries bigint);
create table experiments.exp_alerts (
    ds date, experiment_key varchar, alert_type varchar, metric varchar, variant varchar, cut_name varchar, cut_value varchar,
    p_value double, detail varchar);
"""

# key -> description, owner, variants (name, share, true relative lift per metric), metrics (name, label, guardrail, higher is better, base mean),
# cuts, sequential, correction, srm p-value.
EXPERIMENTS: dict[str, dict[str, Any]] = {
    "search_ranking_v2": {
        "description": 'Re-rank search results by <b>booking</b> likelihood & "freshness"',
        "owner": "search-team",
        "end_ds": None,
        "variants": [("control", 0.34, {}), ("treatment_a", 0.33, {"bookings_per_user": 0.04, "page_load_ms": 0.002}), ("treatment_b", 0.33, {})],
        "metrics": [("bookings_per_user", "Bookings per user", False, True, 0.42), ("page_load_ms", "Page load (ms)", True, False, 812.0)],
        "cuts": {"platform": ["ios", "android", "web"], "guest__country": ["US", "FR"]},
        "sequential": True,
        "correction": "holm",
        "srm_p_value": 0.41,
    },
    "checkout_copy": {
        "description": "New checkout copy",
        "owner": "payments",
        "end_ds": LAST,
        "variants": [("control", 0.5, {}), ("new_copy", 0.5, {"conversion": -0.06, "revenue_per_user": -0.01})],
        "metrics": [("conversion", "Checkout conversion", False, True, 0.081), ("revenue_per_user", "Revenue per user", True, True, 37.5)],
        "cuts": {"platform": ["ios", "web"]},
        "sequential": False,
        "correction": "none",
        "srm_p_value": 0.00002,
    },
}


def result_rows() -> list[dict[str, Any]]:
    """Daily cumulative results: n grows with the day, the interval shrinks; a few values are NULL or NaN."""
    rows = []
    for key, spec in EXPERIMENTS.items():
        control = spec["variants"][0][0]
        for day in range(DAYS):
            ds = START + timedelta(days=day)
            for variant, share, lifts in spec["variants"][1:]:
                for metric, _, guardrail, higher, base in spec["metrics"]:
                    cuts = [("all", "all", 1.0)] + [(name, value, 1 / len(values)) for name, values in spec["cuts"].items() for value in values]
                    for index, (cut_name, cut_value, fraction) in enumerate(cuts):
                        n_control = int(4000 * (day + 1) * fraction)
                        n_variant = int(n_control * share / spec["variants"][0][1])
                        lift_rel = lifts.get(metric, 0.0) + 0.01 * math.sin(day + index + len(variant))
                        se_rel = 0.45 / math.sqrt(n_control)
                        mean_variant = base * (1 + lift_rel)
                        significant = abs(lift_rel) > Z_ADJ * se_rel
                        better = (lift_rel > 0) == higher
                        rows.append(
                            {
                                "ds": ds,
                                "experiment_key": key,
                                "metric": metric,
                                "variant": variant,
                                "control_variant": control,
                                "cut_name": cut_name,
                                "cut_value": cut_value,
                                "is_guardrail": guardrail,
                                "higher_is_better": higher,
                                "n_control": n_control,
                                "n_variant": n_variant,
                                "mean_control": base,
                                "mean_variant": mean_variant,
                                "cuped_theta": 0.8,
                                "variance_reduction": 0.31,
                                "lift_abs": mean_variant - base,
                                "lift_abs_se": se_rel * base,
                                "lift_abs_ci_lower": (lift_rel - Z * se_rel) * base,
                                "lift_abs_ci_upper": (lift_rel + Z * se_rel) * base,
                                "p_value": 0.001 if significant else 0.3,
                                "lift_rel": lift_rel,
                                "lift_rel_se": se_rel,
                                "lift_rel_ci_lower": lift_rel - Z * se_rel,
                                "lift_rel_ci_upper": lift_rel + Z * se_rel,
                                "p_value_rel": 0.001 if significant else 0.3,
                                "degrees_of_freedom": float(n_control + n_variant - 2),
                                "p_value_adjusted": 0.004 if significant else 0.6,
                                "lift_abs_ci_lower_adjusted": (lift_rel - Z_ADJ * se_rel) * base,
                                "lift_abs_ci_upper_adjusted": (lift_rel + Z_ADJ * se_rel) * base,
                                "lift_rel_ci_lower_adjusted": lift_rel - Z_ADJ * se_rel,
                                "lift_rel_ci_upper_adjusted": lift_rel + Z_ADJ * se_rel,
                                "seq_lift_abs_ci_lower": (lift_rel - Z_SEQ * se_rel) * base if spec["sequential"] else None,
                                "seq_lift_abs_ci_upper": (lift_rel + Z_SEQ * se_rel) * base if spec["sequential"] else None,
                                "seq_lift_rel_ci_lower": lift_rel - Z_SEQ * se_rel if spec["sequential"] else None,
                                "seq_lift_rel_ci_upper": lift_rel + Z_SEQ * se_rel if spec["sequential"] else None,
                                "mde_abs": 2.8 * se_rel * base,
                                "mde_rel": 2.8 * se_rel,
                                "srm_chi_square": 0.7 if spec["srm_p_value"] > 0.01 else 18.1,
                                "srm_p_value": spec["srm_p_value"],
                                "is_significant": significant,
                                "verdict": ("better" if better else "worse") if significant else "inconclusive",
                            }
                        )
    # A cut with too few users: no lift, no p-value; and a day whose relative lift is NaN.
    for row in rows:
        if row["experiment_key"] == "checkout_copy" and row["cut_value"] == "web" and row["metric"] == "revenue_per_user":
            row.update({key: None for key in row if key.startswith(("lift", "p_value", "seq", "mde"))}, mean_variant=None, verdict=None, is_significant=None)
        if row["experiment_key"] == "search_ranking_v2" and row["ds"] == START + timedelta(days=3) and row["cut_name"] == "all":
            row.update(lift_rel=float("nan"), lift_rel_ci_lower=float("nan"))
    return rows


def build_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        for key, spec in EXPERIMENTS.items():
            for variant, share, _ in spec["variants"]:
                for metric, label, guardrail, higher, _ in spec["metrics"]:
                    con.execute(
                        "insert into experiments.exp_definitions values "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.05, 0.8, true, ?, 0.4, ?, 'percentile', 0.99, 0.001, ?)",
                        [key, spec["description"], spec["owner"], START, spec["end_ds"], variant, variant == "control", share, metric, label, guardrail, higher]
                        + [spec["sequential"], spec["correction"], ",".join(spec["cuts"])],
                    )
            for day in range(DAYS):
                users = 12000 * (day + 1)
                duplicates = None if key == "checkout_copy" else 3 * day
                con.execute(
                    "insert into experiments.exp_exposure_accounting values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [START + timedelta(days=day), key, users, 17 * day, users - 17 * day, users, 2 * users, day, 4, duplicates],
                )
        rows = result_rows()
        columns = list(rows[0])
        con.executemany(
            f"insert into experiments.exp_results ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})", [list(r.values()) for r in rows]
        )
        con.execute(
            "insert into experiments.exp_alerts values (?, 'checkout_copy', 'sample_ratio_mismatch', null, null, 'all', 'all', 0.00002, ?)",
            [LAST, "control 50.9% vs new_copy 49.1% (expected 50/50)"],
        )
        older = "select ?, 'checkout_copy', 'guardrail_worse', 'revenue_per_user', 'new_copy', 'platform', 'ios', 0.003, 'older'"
        con.execute(f"insert into experiments.exp_alerts {older}", [START + timedelta(days=2)])
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("experiments") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def pages(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    assert cli.main(["experiments", "report", "--out", str(out), "--duckdb-path", str(warehouse)]) == 0
    return out


def test_one_page_per_experiment_and_an_index(pages: Path, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert sorted(path.name for path in pages.iterdir()) == ["checkout_copy.html", "index.html", "search_ranking_v2.html"]
    index = (pages / "index.html").read_text()
    assert '<a href="search_ranking_v2.html">search_ranking_v2</a>' in index and '<a href="checkout_copy.html">checkout_copy</a>' in index
    assert "MISMATCH" in index and "OK" in index

    with duckdb.connect(str(warehouse), read_only=True) as con:
        written = report.write_reports(con, tmp_path, experiment="checkout_copy")
    assert written == [tmp_path / "checkout_copy.html", tmp_path / "index.html"]
    # The index still lists every experiment, and links the pages there.
    index = (tmp_path / "index.html").read_text()
    assert '<a href="checkout_copy.html">' in index and "search_ranking_v2" in index and 'href="search_ranking_v2.html"' not in index


def test_the_page_summarises_the_experiment_and_tabulates_every_metric(pages: Path):
    page = (pages / "search_ranking_v2.html").read_text()
    assert "<title>Experiment search_ranking_v2</title>" in page
    assert "Re-rank search results by &lt;b&gt;booking&lt;/b&gt; likelihood &amp; &quot;freshness&quot;" in page
    assert "<b>booking</b>" not in page
    assert f"Results as of <strong>{LAST}</strong>" in page
    for text in ("search-team", "open-ended", "treatment_a", "treatment_b", "(control)", "holm", "on (tuning 0.4)", "percentile 0.99"):
        assert text in page, text
    assert '<span class="badge better">OK</span>' in page and "MISMATCH" not in page
    # Exposure counts as of the last day: 120,000 exposed, 153 contaminated.
    assert "<td>120,000</td>" in page and "<td>153</td>" in page and "<td>119,847</td>" in page
    assert page.count('<table class="results full">') == 2 and page.count("<svg ") == 4
    assert "Bookings per user <code>bookings_per_user</code>" in page and '<span class="badge guardrail">guardrail</span>' in page
    assert "lower is better" in page and "Rel. CI · adj. · seq." in page and "CUPED var. red." in page
    # 2 variants x (all + 3 platforms + 2 countries) rows per metric, each with its verdict.
    assert page.count("<td>platform = ios</td>") == 4 and page.count("<td>guest__country = FR</td>") == 4
    last = [r for r in result_rows() if r["experiment_key"] == "search_ranking_v2" and r["ds"] == LAST and r["cut_name"] == "all"]
    a = next(r for r in last if r["variant"] == "treatment_a" and r["metric"] == "bookings_per_user")
    assert report._pct(a["lift_rel"]) in page and f"{a['lift_rel'] * 100:+.2f}%" in page
    assert report._interval(a["lift_rel_ci_lower_adjusted"], a["lift_rel_ci_upper_adjusted"]) in page
    assert '<td class="num">40,000 / 38,823</td>' in page  # n control and variant, cut all, last day
    assert a["verdict"] == "better" and '<span class="badge better">better</span>' in page
    assert '<span class="badge inconclusive">inconclusive</span>' in page


def test_srm_alerts_missing_values_and_no_sequential(pages: Path):
    page = (pages / "checkout_copy.html").read_text()
    assert '<span class="badge worse">MISMATCH</span>' in page and "p-value &lt;0.001" in page
    assert "Open alerts (1)" in page and "sample_ratio_mismatch" in page and "control 50.9% vs new_copy 49.1% (expected 50/50)" in page
    assert "Earlier alerts (1)" in page and "guardrail_worse" in page
    assert "Rel. CI · adj.</th>" in page and "dashed box" in page  # no sequential column; the legend still explains the chart
    assert "n/a" in page  # the web cut has no lift: the chart says so
    assert "<td>–</td>" in page  # duplicate deliveries NULL
    assert "nan" not in page.lower().replace("nanum", "")


def test_a_page_as_of_an_earlier_ds(warehouse: Path, tmp_path: Path):
    assert (
        cli.main(["experiments", "report", "--duckdb-path", str(warehouse), "--out", str(tmp_path), "--experiment", "search_ranking_v2", "--ds", "2024-03-05"])
        == 0
    )
    page = (tmp_path / "search_ranking_v2.html").read_text()
    assert "Results as of <strong>2024-03-05</strong>" in page and "Exposure (as of 2024-03-05)" in page
    assert "Users exposed</th><td>60,000</td>" in page and "Users exposed</th><td>120,000</td>" not in page
    assert "03-05" in page and "03-06" not in page  # the line chart stops at the ds


def test_pages_are_self_contained(pages: Path):
    for path in pages.iterdir():
        text = path.read_text()
        assert not re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:|//|file:)""", text, re.I), path
        assert "<script" not in text and "<link" not in text and "@import" not in text and "<img" not in text


def test_errors_say_what_to_do(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert cli.main(["experiments", "report", "--duckdb-path", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)]) == 1
    assert "no warehouse at" in capsys.readouterr().err

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert cli.main(["experiments", "report", "--duckdb-path", str(empty), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "experiments.exp_definitions" in err and "stayhub build, or dbt build" in err

    assert cli.main(["experiments", "report", "--duckdb-path", str(warehouse), "--out", str(tmp_path), "--experiment", "nope"]) == 1
    assert "unknown experiment 'nope'; known experiments: checkout_copy, search_ranking_v2" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exited:
        cli.main(["experiments", "report", "--ds", "03/05/2024"])
    assert exited.value.code == 2
    assert "must be a date written YYYY-MM-DD" in capsys.readouterr().err
    assert list(tmp_path.glob("*.html")) == []


def test_chromium_renders_the_tables_and_charts(pages: Path, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install it with scripts/ensure_chromium.sh (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    screenshot = tmp_path / "page.png"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
    command += ["--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000"]
    command += [f"--screenshot={screenshot}", (pages / "search_ranking_v2.html").resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and screenshot.exists(), result.stderr[-2000:]
    if os.environ.get("KEEP_REPORT_SCREENSHOT"):
        shutil.copy(screenshot, os.environ["KEEP_REPORT_SCREENSHOT"])
    image = decode_png(screenshot.read_bytes())
    assert image.shape == (2000, 1280, 3)
    # The table headers' background, the charts' variant colours (bars, lines, swatches) and the verdict badges are on screen.
    assert matches(image, report.HEADER_BACKGROUND).sum() > 20_000
    assert matches(image, report.VARIANT_COLOURS[0]).sum() > 800
    assert matches(image, report.VARIANT_COLOURS[1]).sum() > 800
    assert matches(image, report.VERDICT_COLOURS["better"]).sum() > 30  # a point coloured by its verdict
    assert matches(image, "#d3f9d8").sum() > 300  # a green verdict badge in the table
    # Drawn shapes, not only the 10 px colour swatches: a table header row spans the page; the forest charts' bars and the
    # lines are horizontal runs of the variant's colour, 20 px or longer, on many screen rows.
    assert (matches(image, report.HEADER_BACKGROUND).sum(axis=1) > 1000).sum() >= 15
    for colour in report.VARIANT_COLOURS[:2]:
        assert (longest_runs(matches(image, colour)) >= 20).sum() >= 30, colour
