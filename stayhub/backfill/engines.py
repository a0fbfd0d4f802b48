"""Where a backfill builds, and how the runner reaches production and the build, per engine.

DuckDB: production is a database file. The build is a copy of it (build/<file>), every chunk a dbt
run on the copy, and the swap attaches the copy (swap_backfill's build_path).

Spark (WAREHOUSE_TARGET=spark): production is the `spark` target's warehouse folder: tables as parquet
under <spark dir>/warehouse, and a Derby metastore that admits one Spark process at a time. The build is
a copy of the job's tables and of the audit tables in schemas of the same catalog named
bf_<id>_<schema> (create_backfill_build); every chunk is a dbt run with the var backfill_build, which puts
the job's models, their stages and the audit tables in those schemas (backfill_build_schema) and reads
the rest of the project from production; the swap reads the build by that prefix and
drop_backfill_build removes it. The runner's own reads (ledger versions, sanity checks, the comparison)
go through a DuckDB file of views over the parquet files Spark wrote (write_spark_catalog), so they
need no second Spark process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from stayhub.backfill.plan import job_vars_args
from stayhub.engine_parity import spark_table_sql, spark_warehouse_folder
from stayhub.warehouse import run_dbt

if TYPE_CHECKING:
    from stayhub.backfill.state import BackfillState

#: The DuckDB file of views over a Spark warehouse's tables, in the warehouse folder.
SPARK_CATALOG_NAME = "catalog.duckdb"
DEFAULT_SPARK_DIR = "data/spark"


def spark_dir_from_env() -> Path:
    return Path(os.environ.get("WAREHOUSE_SPARK_DIR", DEFAULT_SPARK_DIR))


def write_spark_catalog(spark_dir: Path | str, catalog: Path | str, schema_prefix: str = "") -> Path:
    """A DuckDB file at `catalog` holding, for every table Spark wrote under spark_dir whose schema starts
    with schema_prefix, a view schema.table (the prefix taken off) over its committed parquet files
    (spark_table_sql). Production's (no prefix) leaves out the backfills' builds (bf_...). A table
    without rows has no files, so no view. Written aside and moved into place, so a reader never sees
    half a catalog."""
    catalog = Path(catalog)
    catalog.parent.mkdir(parents=True, exist_ok=True)
    partial = catalog.with_name(f"{catalog.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    with duckdb.connect(str(partial)) as connection:
        for folder in sorted(spark_warehouse_folder(spark_dir).glob(f"{schema_prefix}*.db")):
            schema = folder.name[len(schema_prefix) : -len(".db")]
            if not schema_prefix and schema.startswith("bf_"):
                continue
            for table in sorted(child for child in folder.iterdir() if child.is_dir()):
                table_sql = spark_table_sql(table)
                if table_sql is not None:
                    connection.execute(f'create schema if not exists "{schema}"')
                    connection.execute(f'create view "{schema}"."{table.name}" as select * from {table_sql}')
    os.replace(partial, catalog)
    return catalog


class DuckDBWarehouse:
    """Production on DuckDB: the database file."""

    engine = "duckdb"

    def __init__(self, duckdb_path: Path | str):
        self.path = Path(duckdb_path)

    @property
    def catalog_path(self) -> Path:
        return self.path

    @property
    def location(self) -> Path:
        return self.path

    def exists(self) -> bool:
        return self.path.exists()

    def reads(self) -> Path:
        return self.path

    def lock_path(self) -> Path:
        return self.path

    def dbt(self, args: list[str], raw_root: Path, **options) -> subprocess.CompletedProcess:
        return run_dbt(args, raw_root, self.path, **options)

    def fingerprints(self, raw_root: Path, target_path: Path | None) -> dict[str, str]:
        from stayhub.ledger import current_fingerprints

        return current_fingerprints(raw_root, self.path, target_path=target_path)

    def build(self, state: BackfillState) -> DuckDBBuild:
        return DuckDBBuild(self, state.build_db)


class SparkWarehouse:
    """Production on Spark: the `spark` target's warehouse folder, read through its catalog file."""

    engine = "spark"

    def __init__(self, spark_dir: Path | str):
        self.spark_dir = Path(spark_dir).resolve()

    @property
    def catalog_path(self) -> Path:
        """What state.json records as the warehouse; its folder holds backfills/."""
        return self.spark_dir / SPARK_CATALOG_NAME

    @property
    def location(self) -> Path:
        return self.spark_dir

    def exists(self) -> bool:
        return spark_warehouse_folder(self.spark_dir).is_dir()

    def reads(self) -> Path:
        return write_spark_catalog(self.spark_dir, self.catalog_path)

    def lock_path(self) -> Path:
        return spark_warehouse_folder(self.spark_dir)

    def dbt(self, args: list[str], raw_root: Path, **options) -> subprocess.CompletedProcess:
        from stayhub.spark import run_dbt_on_spark

        return run_dbt_on_spark(args, raw_root, self.spark_dir, **options)

    def fingerprints(self, raw_root: Path, target_path: Path | None) -> dict[str, str]:
        """As Spark's dispatch resolves the macros: the fingerprints its ledger records."""
        from stayhub.ledger import parse_fingerprints

        return parse_fingerprints(self.dbt(["--quiet", "run-operation", "print_partition_fingerprints"], raw_root, target_path=target_path).stdout)

    def build(self, state: BackfillState) -> SparkBuild:
        return SparkBuild(self, state)


def warehouse_from_env(duckdb_path: Path | str) -> DuckDBWarehouse | SparkWarehouse:
    """Production on the engine of $WAREHOUSE_TARGET (duckdb or spark)."""
    target = os.environ.get("WAREHOUSE_TARGET", "duckdb")
    if target == "spark":
        return SparkWarehouse(spark_dir_from_env())
    if target != "duckdb":
        raise SystemExit(f"stayhub backfill and stayhub ledger run on the duckdb and spark targets, not WAREHOUSE_TARGET={target}. Nothing was done.")
    return DuckDBWarehouse(duckdb_path)


def warehouse_of(state: BackfillState) -> DuckDBWarehouse | SparkWarehouse:
    """Production as the backfill recorded it when it was planned."""
    if state.data.get("engine") == "spark":
        return SparkWarehouse(state.data["spark_dir"])
    return DuckDBWarehouse(state.data["duckdb_path"])


class DuckDBBuild:
    """A backfill's build on DuckDB: a copy of the production file, in the backfill's folder."""

    def __init__(self, warehouse: DuckDBWarehouse, path: Path):
        self.warehouse, self.path = warehouse, path

    def exists(self) -> bool:
        return self.path.exists()

    def create(self, raw_root: Path) -> None:
        from stayhub.backfill.publish import copy_database

        copy_database(self.warehouse.path, self.path)

    def reads(self) -> Path:
        return self.path

    def dbt(self, args: list[str], raw_root: Path, job_vars: dict, **options) -> subprocess.CompletedProcess:
        return run_dbt([*args, *job_vars_args(job_vars)], raw_root, self.path, **options)

    def swap_arguments(self) -> dict:
        return {"build_path": str(self.path.resolve())}

    def copies_views(self) -> bool:
        """Whether production's missing views can be copied from the build (publish.copy_views)."""
        return True

    def drop(self, raw_root: Path) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


class SparkBuild:
    """A backfill's build on Spark: bf_<id>_<schema> schemas of production's catalog."""

    def __init__(self, warehouse: SparkWarehouse, state: BackfillState):
        self.warehouse, self.state = warehouse, state
        self.plan = state.plan
        self.schema_prefix = state.backfill_id.lower() + "_"

    def exists(self) -> bool:
        return bool(self.state.data.get("spark_build_created"))

    def _operation(self, macro: str, arguments: dict, raw_root: Path) -> None:
        self.warehouse.dbt(
            ["run-operation", macro, "--args", json.dumps(arguments)],
            raw_root,
            target_path=self.state.folder / "target" / "operations",
            log_path=self.state.folder / "logs",
            die_with_parent=True,
        )

    def create(self, raw_root: Path) -> None:
        from stayhub.backfill.publish import BUILD_AUDIT_RELATIONS

        relations = sorted({model.relation for model in self.plan.models.values()} | set(BUILD_AUDIT_RELATIONS))
        self._operation("create_backfill_build", {"schema_prefix": self.schema_prefix, "relations": relations}, raw_root)
        self.state.data["spark_build_created"] = True
        self.state.save()

    def reads(self) -> Path:
        return write_spark_catalog(self.warehouse.spark_dir, self.state.folder / "build.duckdb", self.schema_prefix)

    def dbt(self, args: list[str], raw_root: Path, job_vars: dict, **options) -> subprocess.CompletedProcess:
        # The job's models (and their stages, and the audit tables) build in the build's schemas; the rest is read from production.
        build = {"schema_prefix": self.schema_prefix, "models": sorted([*self.plan.models, *self.plan.view_relations])}
        return self.warehouse.dbt([*args, *job_vars_args({**job_vars, "backfill_build": build})], raw_root, **options)

    def swap_arguments(self) -> dict:
        # The swap drops the build once swapped, in its own Spark session: one Spark start less.
        return {"build_schema_prefix": self.schema_prefix, "drop_build_after": True}

    def copies_views(self) -> bool:
        return False  # dbt creates them in production from the project

    def drop(self, raw_root: Path) -> None:
        # Also what a copy killed part-way left.
        if any(spark_warehouse_folder(self.warehouse.spark_dir).glob(f"{self.schema_prefix}*.db")):
            self._operation("drop_backfill_build", {"schema_prefix": self.schema_prefix}, raw_root)
        self.state.data["spark_build_created"] = False
        self.state.save()
        (self.state.folder / "build.duckdb").unlink(missing_ok=True)
