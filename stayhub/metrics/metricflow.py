"""MetricFlow's answer to a saved query, in a metric table's column names.

`mf query --saved-query <name>` reads the same semantic-layer YAML (from
<project>/target/semantic_manifest.json, written by `dbt parse`; dbt-metricflow
0.15 ignores --target-path and DBT_TARGET_PATH, but follows DBT_PROJECT_DIR)
and queries the warehouse through the project's profile, run from the
project folder so the profile's DuckDB plugins load. Its columns are renamed as the
metric tables name them: metric_time__day -> ds, <entity>__<dimension> ->
dim_<entity>_<dimension>, <metric> -> m_<metric>.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from pathlib import Path

from stayhub.project import PROJECT_ROOT
from stayhub.warehouse import dbt_env


def mf_command() -> Path:
    return Path(sys.executable).parent / "mf"


def mf_query(
    saved_query: str, start_ds: str, end_ds: str, raw_root: Path | str, duckdb_path: Path | str, project_dir: Path | None = None
) -> list[dict[str, str | None]]:
    """MetricFlow's rows for `saved_query` from start_ds to end_ds (inclusive); empty cells are None.
    project_dir: a folder with dbt_project.yml and target/semantic_manifest.json (default: the project)."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"{saved_query}.csv"
        command = [str(mf_command()), "query", "--saved-query", saved_query, "--start-time", start_ds, "--end-time", end_ds, "--csv", str(output)]
        env = dbt_env(raw_root, duckdb_path, {"DBT_PROJECT_DIR": str(project_dir)} if project_dir is not None else None)
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0 or not output.exists():
            raise RuntimeError(f"mf query --saved-query {saved_query} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        with output.open(newline="") as rows:
            return [{metric_table_column(k): (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(rows)]


def metric_table_column(mf_column: str) -> str:
    if mf_column == "metric_time__day":
        return "ds"
    if "__" in mf_column:
        return "dim_" + mf_column.replace("__", "_")
    return f"m_{mf_column}"
