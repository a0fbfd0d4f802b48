"""The same landing zone built on DuckDB and on Spark: are the partitioned tables equal?

Both builds are read by one DuckDB connection: the DuckDB warehouse attached read-only, the Spark
warehouse's tables as the parquet files Spark wrote (<spark dir>/warehouse/<schema>.db/<table>/ds=*/),
so both sides are normalised and hashed by the same code. Per table and ds: the row count and an
order-independent checksum, the sum of one hash per row over every column, where a floating-point or
decimal value counts rounded to FLOAT_DECIMALS decimal places, integers as BIGINT, timestamps as
TIMESTAMP and everything else as its text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: Floating-point values are compared rounded to this many decimal places (sums in another order).
FLOAT_DECIMALS = 6

_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")


@dataclass(frozen=True)
class TableDifference:
    table: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table}: {self.problem}"


def partitioned_tables(manifest_path: Path | str) -> list[tuple[str, str]]:
    """(schema, table) of every model the manifest materializes as `partitioned`, sorted."""
    manifest = json.loads(Path(manifest_path).read_text())
    return sorted(
        (node["schema"], node["alias"] or node["name"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "partitioned"
    )


#: Partition columns of the project's Spark tables, with the types DuckDB reads them as.
_PARTITION_TYPES = {"ds": "date", "model_name": "varchar"}


def spark_warehouse_folder(spark_dir: Path | str) -> Path:
    """Where the `spark` target keeps its tables (spark.sql.warehouse.dir): <schema>.db/<table>/ in it."""
    return Path(spark_dir).resolve() / "warehouse"


def spark_table_folder(spark_dir: Path | str, schema: str, table: str) -> Path:
    return spark_warehouse_folder(spark_dir) / f"{schema}.db" / table


def _first_committed_file(table: Path) -> Path | None:
    """A part file of the table outside the folders Spark writes before it commits (_temporary,
    .spark-staging-...): under partition folders (key=value) only, or in the table's own folder."""
    for path in table.rglob("*.parquet"):
        folders = path.relative_to(table).parts[:-1]
        if not path.name.startswith(("_", ".")) and all("=" in folder and not folder.startswith(("_", ".")) for folder in folders):
            return path
    return None


def spark_table_sql(table: Path) -> str | None:
    """A DuckDB relation over the committed parquet files of a table Spark wrote in folder `table`, its
    partition columns read from the folder names (ds as a DATE); None when it has no file (no rows).
    It globs the partition folders only, as deep as the table's: never a killed write's _temporary or
    .spark-staging files."""
    first_file = _first_committed_file(table)
    if first_file is None:
        return None
    keys = [part.split("=", 1)[0] for part in first_file.relative_to(table).parts[:-1]]
    types = ", ".join(f"'{key}': {_PARTITION_TYPES[key]}" for key in keys if key in _PARTITION_TYPES)
    options = f", hive_partitioning = true, hive_types = {{{types}}}" if keys else ""
    files = "/".join([str(table).replace("'", "''"), *(f"{key}=*" for key in keys), "*.parquet"])
    return f"read_parquet('{files}'{options})"


def _normalised(expression: str, column_type: str) -> str:
    """The value of `expression` (of DuckDB type column_type) as both engines' builds should agree on it."""
    if column_type.endswith("[]"):
        element = _normalised("element", column_type[:-2])
        return f"cast(list_transform({expression}, lambda element: {element}) as varchar)"
    base_type = column_type.split("(")[0].upper()
    if base_type in _FLOAT_TYPES or base_type == "DECIMAL":
        return f"round(cast({expression} as double), {FLOAT_DECIMALS})"
    if base_type in _INTEGER_TYPES:
        return f"cast({expression} as bigint)"
    if base_type.startswith("TIMESTAMP"):
        return f"cast({expression} as timestamp)"
    return f"cast({expression} as varchar)"


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _columns(connection: duckdb.DuckDBPyConnection, relation_sql: str) -> dict[str, str]:
    return {row[0].lower(): row[1] for row in connection.execute(f"describe select * from {relation_sql}").fetchall()}


def _partition_sums(connection: duckdb.DuckDBPyConnection, relation_sql: str, columns: dict[str, str]) -> dict[str, tuple[int, int]]:
    names = sorted(columns)
    row_hash = "hash(" + ", ".join(_normalised(_quoted(name), columns[name]) for name in names) + ")"
    rows = connection.execute(f"select cast(ds as varchar), count(*), sum({row_hash}) from {relation_sql} group by all").fetchall()
    return {ds: (count, int(checksum)) for ds, count, checksum in rows}


def compare_builds(
    duckdb_path: Path | str, spark_dir: Path | str, tables: list[tuple[str, str]]
) -> tuple[dict[str, dict[str, tuple[int, int]]], list[TableDifference]]:
    """Per table, {ds: (rows, checksum)} of the DuckDB build, and every difference from the Spark build."""
    connection = duckdb.connect()
    connection.execute(f"attach '{Path(duckdb_path)}' as duck (read_only)")
    sums: dict[str, dict[str, tuple[int, int]]] = {}
    differences: list[TableDifference] = []
    for schema, table in tables:
        name = f"{schema}.{table}"
        folder = spark_table_folder(spark_dir, schema, table)
        duck_sql = f'duck."{schema}"."{table}"'
        duck_columns = _columns(connection, duck_sql)
        duck = _partition_sums(connection, duck_sql, duck_columns)
        sums[name] = duck
        if not folder.is_dir():
            differences.append(TableDifference(name, f"no Spark table at {folder}"))
            continue
        spark: dict[str, tuple[int, int]] = {}
        # A table without rows has no partition folder on Spark: nothing to read, and nothing to compare its columns with.
        spark_sql = spark_table_sql(folder)
        if spark_sql is not None:
            spark_columns = _columns(connection, spark_sql)
            if set(duck_columns) != set(spark_columns):
                only_duck = sorted(set(duck_columns) - set(spark_columns))
                only_spark = sorted(set(spark_columns) - set(duck_columns))
                differences.append(TableDifference(name, f"columns differ: only on DuckDB {only_duck}, only on Spark {only_spark}"))
                continue
            spark = _partition_sums(connection, spark_sql, spark_columns)
        for ds in sorted(set(duck) | set(spark)):
            if duck.get(ds, (0, 0))[0] != spark.get(ds, (0, 0))[0]:
                differences.append(TableDifference(name, f"ds {ds}: {duck.get(ds, (0, 0))[0]} rows on DuckDB, {spark.get(ds, (0, 0))[0]} on Spark"))
            elif duck.get(ds) != spark.get(ds):
                differences.append(TableDifference(name, f"ds {ds}: same row count, different rows (checksums differ)"))
    connection.close()
    return sums, differences
