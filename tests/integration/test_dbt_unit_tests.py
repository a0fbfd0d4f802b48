"""The project's dbt unit tests (unit_tests: in the models' YAML) all run and pass.

They feed hand-written raw lines and fact rows to the models (the line
classifier, the timestamp and URL parsers, both paths of the cumulative
summary), so they need no landing zone, key or built table: only a valid ds
for the on-run-start hooks.
"""

import json
import subprocess
import sys
from pathlib import Path

from stayhub.warehouse import PROJECT_ROOT, dbt_env


def test_every_dbt_unit_test_runs_and_passes(tmp_path):
    env = dbt_env(tmp_path / "no_landing_zone", tmp_path / "unit.duckdb")
    env.pop("DBT_EXCLUDE_RESOURCE_TYPES")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "test",
            "--select",
            "test_type:unit",
            "--vars",
            json.dumps({"ds": "2025-01-05"}),
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    declared = {node["name"] for node in manifest["unit_tests"].values()}
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    passed = {entry["unique_id"].split(".")[-1] for entry in results if entry["status"] == "pass"}
    assert passed == declared
    # The line classifier and the timestamp and URL parsers, and both paths of the cumulative summary.
    assert {
        "base_events__lines__parses_event_timestamps",
        "base_events__lines__parses_urls",
        "base_events__lines__classifies_lines",
        "base_events__lines__deduplicates_against_earlier_partitions",
        "base_bookings__lines__parses_changed_at",
        "cum_user_activity_daily_path",
        "cum_user_activity_backfill_path",
        "cum_user_activity_backfill_path_from_a_summary",
    } <= declared
