"""Nothing an operator types loses data: a windowed --full-refresh is refused
with the command that rebuilds the whole history, no exchange may change a
partition outside its window, every var is validated before anything runs,
and warned partition checks show in dbt's own output and summary."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stayhub import generate
from stayhub.warehouse import PROJECT_ROOT, dbt_env
from tests.integration.conftest import Warehouse

FIRST_DS = "2025-02-01"
LAST_BUILT_DS = "2025-02-10"
# Landed, not built by the fixture: its page views drop by 90% (test_a_warned_check_...).
THIN_DS = "2025-02-11"


def table_state(warehouse, table):
    return warehouse.query(f"select cast(ds as varchar), count(*), sum(hash(t)) from {table} as t group by 1 order by 1")


def keep_one_line_in_ten(partition: Path) -> None:
    for part in sorted(partition.glob("part-*.jsonl.gz")):
        lines = gzip.decompress(part.read_bytes()).decode("utf-8").splitlines()
        part.write_bytes(gzip.compress(("\n".join(lines[::10]) + "\n").encode("utf-8"), mtime=0))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Ten days built by one range run; an eleventh landed with a tenth of its events."""
    warehouse = Warehouse(tmp_path_factory.mktemp("operator_safety"))
    generate.generate(
        warehouse.raw_root,
        start_ds=FIRST_DS,
        days=11,
        users=60,
        listings=20,
        events_per_day=150,
        seed=5,
        in_progress_days=0,
        empty_partitions=[],
    )
    keep_one_line_in_ten(warehouse.raw_root / "events" / f"ds={THIN_DS}")
    warehouse.seed()
    warehouse.dbt("run", window={"start_ds": FIRST_DS, "end_ds": LAST_BUILT_DS})
    return warehouse


# 1. A full refresh with a window never deletes the history outside it.


def test_a_windowed_full_refresh_is_refused_and_says_how_to_rebuild_the_whole_history(warehouse):
    tables = {"fct_page_views": "marts.fct_page_views", "base_users__lines": "base.base_users__lines"}
    before = {name: table_state(warehouse, table) for name, table in tables.items()}
    published = {name: [ds for ds, _, _ in state] for name, state in before.items()}
    assert published["fct_page_views"][0] == FIRST_DS and published["fct_page_views"][-1] == LAST_BUILT_DS
    assert len(published["base_users__lines"]) >= 4  # a user change log: days without a change hold no partition

    result = warehouse.dbt("run", "--select", *tables, "--full-refresh", "--vars", json.dumps({"ds": LAST_BUILT_DS}), check=False)
    assert result.returncode != 0
    # fct_page_views rewrites its 4 late partitions: its window starts 4 days earlier.
    lost = [ds for ds in published["fct_page_views"] if ds < "2025-02-06"]
    assert (
        'Full refresh refused for fct_page_views: it would replace "warehouse"."marts"."fct_page_views" with ds 2025-02-06 .. '
        f"{LAST_BUILT_DS} only, deleting {len(lost)} published partition(s) outside that window: {', '.join(lost)}."
        " Production is unchanged. To rebuild the whole history, run: dbt run --select fct_page_views"
        f""" --full-refresh --vars '{{start_ds: "{FIRST_DS}", end_ds: "{LAST_BUILT_DS}"}}'"""
    ) in result.stdout
    lost = [ds for ds in published["base_users__lines"] if ds < LAST_BUILT_DS]
    assert (
        f'Full refresh refused for base_users__lines: it would replace "warehouse"."base"."base_users__lines" with ds '
        f"{LAST_BUILT_DS} .. {LAST_BUILT_DS} only, deleting {len(lost)} published partition(s) outside that window: "
        f"{', '.join(lost)}. Production is unchanged. To rebuild the whole history, run: dbt run --select base_users__lines"
        f""" --full-refresh --vars '{{start_ds: "{FIRST_DS}", end_ds: "{LAST_BUILT_DS}"}}'"""
    ) in result.stdout
    assert {name: table_state(warehouse, table) for name, table in tables.items()} == before

    # The command the message gives rebuilds every partition, and nothing is lost.
    warehouse.dbt("run", "--select", *tables, "--full-refresh", "--vars", json.dumps({"start_ds": FIRST_DS, "end_ds": LAST_BUILT_DS}))
    assert {name: table_state(warehouse, table) for name, table in tables.items()} == before


# 2. Whatever the cause, an exchange that would change a partition outside its window is rolled back.

FAULTS = {
    # The full refresh refusal missing (as before it existed).
    "macros/stage_check_exchange/assert_full_refresh_keeps_history.sql": """
{% macro assert_full_refresh_keeps_history(existing_relation, first_ds, last_ds) %}{% endmacro %}
""",
    # An exchange whose delete misses its lower bound (dispatch picks duckdb__ before default__).
    "macros/injected_fault_exchange.sql": """
{% macro duckdb__exchange_partitions(target, stage, first_ds, last_ds, columns) %}
    delete from {{ target }} where ds <= {{ ds_literal(last_ds) }};
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ stage }};
{%- endmacro %}
""",
}


def faulty_project(root: Path) -> Path:
    """A copy of the project with the faults above."""
    project = root / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "selectors.yml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    for folder in ("models", "macros", "seeds", "analyses", "dbt_plugins"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder)
    shutil.copytree(PROJECT_ROOT / "tests", project / "tests", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for path, text in FAULTS.items():
        (project / path).write_text(text)
    return project


@pytest.fixture(scope="module")
def faulty(warehouse, tmp_path_factory):
    """A copy of the warehouse, and a copy of the project with the faults above."""
    root = tmp_path_factory.mktemp("faulty")
    copy = Warehouse(root)
    copy.raw_root = warehouse.raw_root
    copy.copy_file_from(warehouse.duckdb_path)
    return copy, faulty_project(root)


def run_in(project: Path, warehouse: Warehouse, *args: str) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--target-path", str(warehouse.target_path)]
    return subprocess.run(
        command,
        cwd=project,
        env=dbt_env(warehouse.raw_root, warehouse.duckdb_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("flags", [["--full-refresh"], []], ids=["full_refresh_without_its_refusal", "exchange_deleting_too_much"])
def test_an_exchange_that_would_change_partitions_outside_its_window_is_rolled_back(faulty, flags):
    copy, project = faulty
    before = table_state(copy, "marts.fct_page_views")
    ledger_before = copy.query("select * from audit.partition_ledger order by all")
    result = run_in(project, copy, "run", "--select", "fct_page_views", *flags, "--vars", json.dumps({"ds": LAST_BUILT_DS}))
    assert result.returncode != 0
    # The window is 2025-02-06 .. 2025-02-10 (4 late partitions rewritten); the 5 before it would be lost.
    lost = ", ".join(f"{ds} ({rows} rows, now 0)" for ds, rows, _ in before if ds < "2025-02-06")
    assert (
        f"Stage-check-exchange stopped fct_page_views: the exchange of ds 2025-02-06 .. {LAST_BUILT_DS} would change"
        f" 5 partition(s) outside that window: {lost}. An exchange may only replace the partitions the run owns;"
        " it was rolled back, production is unchanged."
    ) in result.stdout
    assert table_state(copy, "marts.fct_page_views") == before
    assert copy.query("select * from audit.partition_ledger order by all") == ledger_before


# 3. Every var is validated before anything runs.


def test_a_var_that_is_not_a_number_is_refused_before_anything_runs(warehouse):
    # `| int` turned "abc" into 0, which rejected valid late events as too old, and published.
    before = table_state(warehouse, "base.base_events__lines")
    result = warehouse.dbt("run", "--select", "base_events__lines", "--vars", json.dumps({"ds": LAST_BUILT_DS, "lookback_days": "abc"}), check=False)
    assert result.returncode != 0
    assert "Invalid run vars: var `lookback_days` must be a whole number from 0 to 30, got 'abc'." in result.stdout
    assert "START sql partitioned model" not in result.stdout
    assert table_state(warehouse, "base.base_events__lines") == before


def test_every_bad_var_is_named_in_one_message_and_an_unknown_var_warns(warehouse):
    runs_before = warehouse.scalar("select count(distinct run_id) from audit.partition_ledger")
    bad = {
        "ds": "9999-12-31",
        "microbatch_begin": "2025-13-01",
        "lookback_days": -1,
        "landing_max_lateness_days": "3 days",
        "landing_max_clock_skew_minutes": 1440,
        "publish_mode": "stage_check_exchang",
        "raw_root": ["data"],
        "lookback_day": 2,
    }
    result = warehouse.dbt("run", "--vars", json.dumps(bad), check=False)
    assert result.returncode != 0
    for problem in [
        "var `ds` is 9999-12-31, outside 2000-01-01 .. ",
        "var `microbatch_begin` is not a real calendar date: '2025-13-01'",
        "var `lookback_days` must be a whole number from 0 to 30, got '-1'",
        "var `landing_max_lateness_days` must be a whole number from 0 to 30, got '3 days'",
        "var `landing_max_clock_skew_minutes` must be a whole number from 0 to 1439, got '1440'",
        "var `publish_mode` must be stage_check_exchange, direct or microbatch, got 'stage_check_exchang'",
        "var `raw_root` must be a folder path, got '['data']'",
    ]:
        assert problem in result.stdout, problem
    assert "[WARNING]: Unknown var `lookback_day` is ignored: this project reads only ds, start_ds, end_ds," in result.stdout
    assert "START sql partitioned model" not in result.stdout
    assert warehouse.scalar("select count(distinct run_id) from audit.partition_ledger") == runs_before


def test_the_list_of_known_vars_holds_every_var_the_project_reads():
    macro = (PROJECT_ROOT / "macros" / "run_contract" / "validate_run_vars.sql").read_text()
    known = set(re.findall(r"'(\w+)'", macro[macro.index("macro _known_run_vars") :].split("]")[0]))
    files = [PROJECT_ROOT / "dbt_project.yml", PROJECT_ROOT / "selectors.yml"]
    for folder in ("models", "macros", "analyses", "tests", "seeds"):
        files += [path for path in (PROJECT_ROOT / folder).rglob("*") if path.suffix in (".sql", ".yml")]
    read = {name for path in files for name in re.findall(r"\bvar\(\s*['\"](\w+)['\"]", path.read_text())}
    assert read and read <= known, read - known


def test_a_lines_model_whose_depends_on_past_disagrees_with_its_dedup_window_is_refused(faulty):
    # The backfill runner orders chunks by meta.depends_on_past; the SQL deduplicates over its own window.
    copy, project = faulty
    models_yaml = project / "models/base/events/_events__models.yml"
    text = models_yaml.read_text()
    assert "depends_on_past: 4 " in text
    models_yaml.write_text(text.replace("depends_on_past: 4 ", "depends_on_past: 3 "))
    try:
        before = table_state(copy, "base.base_events__lines")
        result = run_in(project, copy, "run", "--select", "base_events__lines", "--vars", json.dumps({"ds": LAST_BUILT_DS}))
    finally:
        models_yaml.write_text(text)
    assert result.returncode != 0
    assert ("base_events__lines deduplicates against 4 partition(s) before each ds, so its meta.depends_on_past must be 4, not 3.") in result.stdout
    assert table_state(copy, "base.base_events__lines") == before


# 4. A warned check shows in dbt's own output and summary.


def test_a_warned_check_shows_in_dbts_output_and_summary(warehouse):
    result = warehouse.dbt("build", "--select", "base_events__lines", "fct_page_views", check=False, window={"ds": THIN_DS})
    assert result.returncode == 0, result.stdout[-3000:]
    # Published anyway: a warn never blocks.
    views = dict(warehouse.query("select cast(ds as varchar), count(*) from marts.fct_page_views group by 1"))
    assert 0 < views[THIN_DS] < 0.3 * views[LAST_BUILT_DS]
    # Each warned check is a dbt warning where it happens...
    assert f"[WARNING]: partition check warned, published anyway: fct_page_views ds={THIN_DS} check volume_anomaly (warn)" in result.stdout
    # ...the run ends with all of them and the query that lists them...
    assert "partition check result(s) warned in this run and were published: " in result.stdout
    assert f"fct_page_views volume_anomaly on {THIN_DS}" in result.stdout
    # ...and dbt's summary counts them, as does run_results.json.
    assert "Warning in test partition_checks_warned (tests/stage_check_exchange/partition_checks_warned.sql)" in result.stdout
    assert re.search(r"Done\. PASS=\d+ WARN=[1-9]", result.stdout)
    results = json.loads((warehouse.target_path / "run_results.json").read_text())["results"]
    warned = [r for r in results if r["unique_id"].endswith(".partition_checks_warned")]
    assert [r["status"] for r in warned] == ["warn"] and warned[0]["failures"] >= 1
    assert (
        warehouse.scalar(
            "select count(*) from audit.partition_check_results"
            f" where model_name = 'fct_page_views' and ds = '{THIN_DS}' and check_name = 'volume_anomaly' and status = 'warn'"
        )
        == 1
    )

    # The test runs after every partitioned model: its list of them is complete.
    manifest = json.loads((warehouse.target_path / "manifest.json").read_text())
    partitioned = {
        unique_id for unique_id, node in manifest["nodes"].items() if node["resource_type"] == "model" and node["config"]["materialized"] == "partitioned"
    }
    # Except the metric tables and the experiment models: their checks never warn.
    never_warn = {unique_id for unique_id in partitioned if manifest["nodes"][unique_id]["name"].startswith(("mtr_", "exp_"))}
    assert len(never_warn) > 8
    for unique_id in never_warn:
        assert all(check.get("severity", "error") == "error" for check in manifest["nodes"][unique_id]["config"]["meta"].get("partition_checks", []))
    test = next(node for unique_id, node in manifest["nodes"].items() if unique_id.endswith(".partition_checks_warned"))
    assert set(test["depends_on"]["nodes"]) == partitioned - never_warn
