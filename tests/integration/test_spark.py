"""The same project on Spark (local session, .venv-spark): the same landing zone (a generated sample with the
landing reader's edge cases added) built on DuckDB and on Spark gives the same rows in every partitioned table;
a daily run after the range run stays equal; a bad partition is blocked on Spark with production unchanged;
the backfill runner rebuilds a range on Spark in schemas of its own and swaps it in.

One sample, built once per engine for the module: a range run of FIRST_DS .. RANGE_END_DS, then a daily run
of DAILY_DS for the facts and the cumulative table built on them. Spark takes a few seconds per model, so
the module is one of the suite's few slow end-to-end cases.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
import yaml

from stayhub import generate
from stayhub.backfill.engines import write_spark_catalog
from stayhub.engine_parity import compare_builds, partitioned_tables, spark_table_folder, spark_table_sql
from stayhub.spark import SPARK_PYTHON, run_dbt_on_spark
from stayhub.warehouse import PROJECT_ROOT, write_sample_pii_key
from tests.integration import reader_landing
from tests.integration.conftest import Warehouse
from tests.integration.test_stage_check_exchange import land_day

FIRST_DS = "2025-01-01"
RANGE_END_DS = "2025-01-03"
DAILY_DS = "2025-01-04"
BLOCKED_DS = "2025-01-05"
EDGE_CASES_DS = "2025-01-02"
# A JVM for short runs on tiny data: no C2 compiler, the serial collector (about a third less CPU here).
# C1 alone shrinks the code cache to 48 MB, which a long swap filled in CI ("Out of space in
# CodeCache"): the default 240 MB is kept.
SHORT_RUN_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m -XX:+UseSerialGC"
# The daily run: the events' chain, facts and cumulative table included.
DAILY_SELECT = ["--select", "+cum_user_activity"]
# The backfill on Spark: a fact and the cumulative table built on it, two days of the range.
BACKFILL_JOB = ["--select", "fct_page_views cum_user_activity", "--start-ds", "2025-01-02", "--end-ds", RANGE_END_DS]


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

    @property
    def env(self) -> dict[str, str]:
        return {
            "WAREHOUSE_PII_KEY_FILE": str(self.pii_key),
            "WAREHOUSE_SPARK_JAVA_OPTIONS": SHORT_RUN_JAVA_OPTIONS,
            # Statements on a few hundred rows: interpreted, not compiled to Java (about a tenth less CPU).
            "WAREHOUSE_SPARK_WHOLE_STAGE_CODEGEN": "false",
        }

    def dbt(self, *args: str, check: bool = True, window: dict | None = None):
        return run_dbt_on_spark(list(args), self.raw_root, self.spark_dir, check=check, window=window, extra_env=self.env)

    def backfill(self, *args: str) -> str:
        """`stayhub backfill ...` on this Spark warehouse (WAREHOUSE_TARGET=spark); its output."""
        command, *rest = args
        return self.stayhub("backfill", command, "--raw-root", str(self.raw_root), *rest)

    def stayhub(self, *args: str) -> str:
        """`stayhub ...` on this Spark warehouse (WAREHOUSE_TARGET=spark); its output."""
        env = {**os.environ, **self.env, "WAREHOUSE_TARGET": "spark", "WAREHOUSE_SPARK_DIR": str(self.spark_dir)}
        result = subprocess.run(
            [sys.executable, "-m", "stayhub", *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert result.returncode == 0, result.stdout
        return result.stdout

    def query(self, sql: str) -> list[tuple]:
        """`sql` over the tables Spark wrote, as the backfill runner reads them (write_spark_catalog)."""
        catalog = write_spark_catalog(self.spark_dir, self.spark_dir.parent / "test-catalog.duckdb")
        with duckdb.connect(str(catalog), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    def partitions(self, schema: str, table: str) -> list[tuple]:
        """(ds, rows, checksum) of a table Spark wrote, read from its committed parquet files."""
        table_sql = spark_table_sql(spark_table_folder(self.spark_dir, schema, table))
        assert table_sql is not None, f"{schema}.{table} has no rows on Spark"
        with duckdb.connect() as connection:
            return connection.sql(f"select cast(ds as varchar), count(*), sum(hash(t)) from {table_sql} as t group by 1 order by 1").fetchall()


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
    failed = spark.query("select model_name, cast(ds as varchar), check_name, status from audit.partition_check_results where status = 'fail'")
    assert ("base_listings__lines", BLOCKED_DS, "snapshot_not_empty", "fail") in failed


def test_the_backfill_runner_rebuilds_a_range_on_spark_in_schemas_of_its_own_and_swaps_it_in(builds):
    """After the module's other tests (it republishes two days of two tables, with the same rows)."""
    spark, warehouse = builds["spark"], builds["warehouse"]
    warehouse_folder = spark.spark_dir / "warehouse"
    before = spark.partitions("marts", "fct_page_views")

    built = spark.backfill("run", *BACKFILL_JOB, "--no-swap")
    assert "Checks passed; not swapped (--no-swap)" in built
    assert "No existing partition changes." in built
    backfill_id = built.split("Backfill ", 1)[1].split(";", 1)[0]
    # The build is schemas of the same catalog, named after the backfill; production is untouched.
    build_schemas = sorted(folder.name for folder in warehouse_folder.glob(f"{backfill_id.lower()}_*.db"))
    assert f"{backfill_id.lower()}_marts.db" in build_schemas and f"{backfill_id.lower()}_audit.db" in build_schemas
    assert spark.partitions("marts", "fct_page_views") == before
    assert spark.query(f"select count(*) from audit.partition_ledger where backfill_id = '{backfill_id}'") == [(0,)]

    swapped = spark.backfill("resume", backfill_id)
    assert f"Backfill {backfill_id} swapped into production:" in swapped
    # Both models' partitions of the range and the lookback before it, in the ledger as this backfill's.
    published = spark.query(
        f"select model_name, count(*), min(cast(ds as varchar)), max(cast(ds as varchar)) from audit.partition_ledger"
        f" where backfill_id = '{backfill_id}' group by 1 order by 1"
    )
    assert [(model, count, last) for model, count, _, last in published] == [("cum_user_activity", 6, RANGE_END_DS), ("fct_page_views", 6, RANGE_END_DS)]
    # The ledger's partitions were overwritten, not added to: one row per model and ds, after the range run,
    # the daily run's lookback and the swap each published some of them.
    assert spark.query("select model_name, ds from audit.partition_ledger group by model_name, ds having count(*) > 1") == []
    assert spark.query(f"select job, partitions from audit.backfill_runs where backfill_id = '{backfill_id}'") == [("fct_page_views cum_user_activity", 12)]
    # The chunk's checks are production's now, once each.
    checks = spark.query(
        "select count(*), count(distinct model_name || cast(ds as varchar) || check_name) from audit.partition_check_results"
        f" where run_id in (select run_id from audit.partition_ledger where backfill_id = '{backfill_id}')"
    )
    assert checks[0][0] == checks[0][1] > 0
    assert not list(warehouse_folder.glob(f"{backfill_id.lower()}_*.db"))
    # The same rows as before, so production still equals the DuckDB build of the same landing zone.
    _, differences = compare_builds(warehouse.duckdb_path, spark.spark_dir, [("marts", "fct_page_views"), ("cumulative", "cum_user_activity")])
    assert [str(difference) for difference in differences] == []

    # The ledger on Spark, read with Spark's fingerprints: the backfill's partitions are current (and the daily
    # run's after them too: republished with the same rows), while a model the daily run left out misses its day
    # (and its partitions built on facts the daily run's lookback republished with late rows are stale).
    stale = spark.backfill("run", "--stale", "--select", "fct_page_views cum_user_activity mtr_marketplace_daily", "--dry-run")
    assert "Backfill of 'mtr_marketplace_daily'" in stale and " in 1 model(s)." in stale
    assert f"partition(s) {FIRST_DS} .. {DAILY_DS}" in stale
    assert "Dry run: nothing was built." in stale
    # `stayhub ledger` reads the same ledger: of the two models, only the one the daily run left out misses its day.
    ledger = spark.stayhub("ledger", "--raw-root", str(spark.raw_root), "--models", "fct_page_views,mtr_marketplace_daily")
    assert f"Partition ledger of {spark.spark_dir}, ds {FIRST_DS} .. {DAILY_DS}" in ledger, ledger
    assert f"missing  {DAILY_DS}  (1 partition)" in ledger and "Total: 1 missing," in ledger
    # A model's first line names it (the rebuild command's line too): fct_page_views has nothing to list.
    listed = {line.split()[0] for line in ledger.splitlines() if line.startswith("  ") and line[2] != " "}
    assert listed == {"mtr_marketplace_daily", "stayhub"}, ledger
    assert "already swapped" in spark.backfill("resume", backfill_id)


def test_the_spark_profiles_leave_the_partition_overwrite_mode_to_the_macros():
    """The tests' session runs at Spark's default, static, which replaces whole tables: the daily run and the
    backfill above then pass only because every overwrite sets the mode itself (dynamic_partition_overwrite)."""
    outputs = yaml.safe_load((PROJECT_ROOT / "profiles" / "profiles.yml").read_text())["stayhub_warehouse"]["outputs"]
    spark_outputs = [output for output in outputs.values() if output["type"] == "spark"]
    assert len(spark_outputs) == 2
    for output in spark_outputs:
        assert "spark.sql.sources.partitionOverwriteMode" not in output["server_side_parameters"]
