"""The same project on Spark (local session, .venv-spark): the same landing zone (a generated sample with the
landing reader's edge cases added) built on DuckDB and on Spark gives the same rows in every partitioned table;
a daily run after the range run stays equal; a bad partition is blocked on Spark with production unchanged.

One sample, built once per engine for the module: a range run of FIRST_DS .. RANGE_END_DS, then a daily run
of DAILY_DS for the facts and the cumulative table built on them. Spark takes a few seconds per model, so
the module is one of the suite's few slow end-to-end cases.
"""

from __future__ import annotations

import os
import shutil

import duckdb
import pytest

from stayhub import generate
from stayhub.engine_parity import compare_builds, partitioned_tables, spark_table_folder
from stayhub.spark import SPARK_PYTHON, run_dbt_on_spark
from stayhub.warehouse import write_sample_pii_key
from tests.integration import reader_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_stage_check_exchange import land_day

FIRST_DS = "2025-01-01"
RANGE_END_DS = "2025-01-03"
DAILY_DS = "2025-01-04"
BLOCKED_DS = "2025-01-05"
EDGE_CASES_DS = "2025-01-02"
# A JVM for short runs on tiny data: no C2 compiler, the serial collector (about a third less CPU here).
SHORT_RUN_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# The daily run: the events' chain, facts and cumulative table included.
DAILY_SELECT = ["--select", "+cum_user_activity"]


def require_spark() -> None:
    if not SPARK_PYTHON.exists():
        message = ".venv-spark is missing: create it with scripts/bootstrap_spark.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class SparkBuild:
    def __init__(self, root, raw_root, pii_key):
        self.spark_dir = root / "spark"
        self.raw_root = raw_root
        self.pii_key = pii_key

    def dbt(self, *args: str, check: bool = True, window: dict | None = None):
        return run_dbt_on_spark(list(args), self.raw_root, self.spark_dir, check=check, window=window, extra_env={"WAREHOUSE_PII_KEY_FILE": str(self.pii_key)})

    def partitions(self, schema: str, table: str) -> list[tuple]:
        """(ds, rows, checksum) of a table Spark wrote, read from its parquet files."""
        folder = spark_table_folder(self.spark_dir, schema, table)
        with duckdb.connect() as connection:
            return connection.sql(
                f"select cast(ds as varchar), count(*), sum(hash(t)) from read_parquet('{folder}/ds=*/*.parquet', hive_partitioning = true) as t"
                " group by 1 order by 1"
            ).fetchall()


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """(DuckDB warehouse, Spark build) of one small dirty sample: the range run, then the daily run."""
    require_spark()
    root = tmp_path_factory.mktemp("spark")
    warehouse = Warehouse(root / "duckdb")
    generate.generate(warehouse.raw_root, start_ds=FIRST_DS, days=4, users=300, listings=60, events_per_day=300, in_progress_days=0, seed=29)
    # What the landing reader must survive (invalid UTF-8, control bytes, a 16 MiB line, files not to read, ...).
    reader_landing.add_edge_cases(warehouse.raw_root, EDGE_CASES_DS)
    pii_key = write_sample_pii_key(root / "pii.key")
    spark = SparkBuild(root, warehouse.raw_root, pii_key)
    duck_env = {"WAREHOUSE_PII_KEY_FILE": str(pii_key)}
    range_window = {"start_ds": FIRST_DS, "end_ds": RANGE_END_DS}

    warehouse.dbt("seed", extra_env=duck_env)
    warehouse.dbt("run", window=range_window, extra_env=duck_env)
    # Seeds and models in one invocation: one Spark start-up less.
    spark.dbt("build", "--resource-type", "seed", "--resource-type", "model", window=range_window)
    tables = partitioned_tables(warehouse.target_path / "manifest.json")
    after_range = compare_builds(warehouse.duckdb_path, spark.spark_dir, tables)

    warehouse.dbt("run", *DAILY_SELECT, window={"ds": DAILY_DS}, extra_env=duck_env)
    spark.dbt("run", *DAILY_SELECT, window={"ds": DAILY_DS})
    daily_tables = [table for table in tables if table[1] in ("base_events__lines", "fct_page_views", "cum_user_activity")]
    after_daily = compare_builds(warehouse.duckdb_path, spark.spark_dir, daily_tables)
    return {"warehouse": warehouse, "spark": spark, "tables": tables, "after_range": after_range, "after_daily": after_daily}


def test_every_partitioned_table_is_equal_on_duckdb_and_spark(builds):
    sums, differences = builds["after_range"]
    assert [str(difference) for difference in differences] == []
    # Every partitioned table was compared, over every ds of the range, and they are not all empty.
    assert len(sums) == len(builds["tables"]) >= 33
    # The Python model too: the experiments' statistics, run by Spark in the dbt process.
    assert sums["experiments.exp_results"][RANGE_END_DS][0] > 0
    assert max(ds for partitions in sums.values() for ds in partitions) == RANGE_END_DS
    assert sums["marts.fct_page_views"][RANGE_END_DS][0] > 100
    # The landing reader's edge cases were among the lines compared.
    reasons = builds["warehouse"].query(
        f"select distinct reject_reason from base.base_events__lines where ds = '{EDGE_CASES_DS}' and reject_reason is not null"
    )
    assert {"invalid_utf8", "line_too_long", "invalid_json", "unreadable_file", "unexpected_file"} <= {reason for (reason,) in reasons}
    assert sums["cumulative.cum_user_activity"][RANGE_END_DS][0] > 50


def test_a_daily_run_after_the_range_run_stays_equal(builds):
    sums, differences = builds["after_daily"]
    assert [str(difference) for difference in differences] == []
    assert DAILY_DS in sums["marts.fct_page_views"] and DAILY_DS in sums["cumulative.cum_user_activity"]
    # The daily run rewrote its lookback: 4 days of late data before DAILY_DS, and DAILY_DS itself.
    assert sums["marts.fct_page_views"][DAILY_DS][0] > 100


def test_a_bad_partition_is_blocked_on_spark_and_production_is_unchanged(builds, tmp_path):
    spark = builds["spark"]
    raw_root = tmp_path / "raw"
    shutil.copytree(spark.raw_root, raw_root)
    land_day(raw_root, BLOCKED_DS, listings=[])
    blocked = SparkBuild(spark.spark_dir.parent, raw_root, spark.pii_key)
    blocked.spark_dir = spark.spark_dir
    before = blocked.partitions("base", "base_listings__lines")
    result = blocked.dbt("run", "--select", "base_listings__lines", check=False, window={"ds": BLOCKED_DS})
    assert result.returncode != 0
    assert "Stage-check-exchange stopped base_listings__lines" in result.stdout
    assert f"base_listings__lines ds={BLOCKED_DS} check snapshot_not_empty (error): observed 0, expected >= 1 rows" in result.stdout
    assert blocked.partitions("base", "base_listings__lines") == before
    # The stage (no rows) stays for inspection, and the audit table holds the failed check.
    assert spark_table_folder(spark.spark_dir, "base_stage", "base_listings__lines").is_dir()
    audit = spark_table_folder(spark.spark_dir, "audit", "partition_check_results")
    with duckdb.connect() as connection:
        failed = connection.sql(
            f"select model_name, cast(ds as varchar), check_name, status from read_parquet('{audit}/*.parquet') where status = 'fail'"
        ).fetchall()
    assert ("base_listings__lines", BLOCKED_DS, "snapshot_not_empty", "fail") in failed
