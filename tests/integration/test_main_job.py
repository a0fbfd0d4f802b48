"""The quick start's main job (`stayhub build`, what scripts/run_warehouse.sh runs) builds a landing
zone end to end and prints what it built, the line accounting and where to look."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

# Its dbt runs write the project's target/ folder (tests/conftest.py).
pytestmark = pytest.mark.xdist_group("project_target")


def test_the_main_job_builds_the_landed_days_and_says_where_to_look(sample_warehouse, tmp_path):
    duckdb_path = tmp_path / "main_job.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "stayhub", "build", "--raw-root", str(sample_warehouse.raw_root), "--duckdb-path", str(duckdb_path)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    for expected in ("Landing lines, all partitions:", "Rejected lines by reason:", "base.base_landing__line_accounting", "next day"):
        assert expected in result.stdout, expected
    # The same days as the fixture's own range build, so the same tables.
    with duckdb.connect(str(duckdb_path), read_only=True) as built:
        for table in ("base.base_landing__line_accounting", "marts.fct_page_views", "cumulative.cum_user_activity"):
            query = f"select count(*), sum(hash(t)) from {table} as t"
            assert built.sql(query).fetchall() == sample_warehouse.query(query), table
