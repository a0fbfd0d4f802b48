"""The dbt unit tests of the cumulative summaries (models/cumulative/_cumulative__unit_tests.yml)
pass: hand-computed rows for the daily path and the backfill path. Their inputs are SQL fixtures,
so they run on an empty warehouse with no landing zone."""

from __future__ import annotations

import json

from tests.integration.conftest import Warehouse

UNIT_TESTS = {
    "cum_user_activity_backfill_path",
    "cum_user_activity_backfill_path_from_a_summary",
    "cum_user_activity_daily_path",
}


def test_unit_tests_of_both_cumulative_paths_pass(tmp_path):
    warehouse = Warehouse(tmp_path)
    # The ds only serves the on-run-start hooks (vars contract); each unit test sets its own window.
    warehouse.dbt("test", "--select", "test_type:unit", "--vars", json.dumps({"ds": "2025-01-04"}))
    results = json.loads((warehouse.target_path / "run_results.json").read_text())["results"]
    statuses = {
        result["unique_id"].split(".")[-1]: result["status"]
        for result in results
        if result["unique_id"].startswith("unit_test.")
    }
    assert UNIT_TESTS <= set(statuses)
    assert {statuses[name] for name in UNIT_TESTS} == {"pass"}
