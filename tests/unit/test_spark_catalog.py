"""The backfill runner reads a Spark warehouse through a DuckDB file of views over the parquet files Spark
wrote (stayhub/backfill/engines.py write_spark_catalog): production's tables, or a build's by its prefix."""

from __future__ import annotations

import duckdb

from stayhub.backfill.engines import write_spark_catalog


def write_parquet(folder, sql: str, name: str = "part-00000-abc.c000.snappy.parquet") -> None:
    """A part file as Spark lays them out: partition values in the folder names, not in the file."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as connection:
        connection.execute(f"copy ({sql}) to '{folder / name}' (format parquet)")


def test_the_catalog_reads_partitioned_and_plain_tables_and_keeps_builds_apart(tmp_path):
    warehouse = tmp_path / "spark" / "warehouse"
    for day, rows in (("2025-01-01", 2), ("2025-01-02", 3)):
        write_parquet(warehouse / "marts.db" / "fct_page_views" / f"ds={day}", f"select range as id_page_view, 1.5 as m_dwell from range({rows})")
    write_parquet(
        warehouse / "audit.db" / "partition_ledger" / "model_name=fct_page_views" / "ds=2025-01-02", "select 'run-1' as run_id, 3::bigint as row_count"
    )
    write_parquet(warehouse / "audit.db" / "backfill_runs", "select 'bf_1' as backfill_id")
    (warehouse / "marts.db" / "fct_empty").mkdir()  # a table without rows has no files
    # What a killed Spark write leaves: files it never committed, which no reader may see.
    write_parquet(warehouse / "marts.db" / "fct_page_views" / "_temporary" / "0" / "ds=2025-01-01", "select 7 as id_page_view, 1.0 as m_dwell")
    write_parquet(warehouse / "marts.db" / "fct_page_views" / ".spark-staging-1" / "ds=2025-01-02", "select 8 as id_page_view, 1.0 as m_dwell")
    write_parquet(warehouse / "marts.db" / "fct_only_staged" / "_temporary" / "0" / "ds=2025-01-01", "select 9 as id")
    # A backfill's build: the same relation in its own schema, with other rows.
    write_parquet(warehouse / "bf_20261130t101010123_marts.db" / "fct_page_views" / "ds=2025-01-02", "select 99 as id_page_view, 0.5 as m_dwell")

    production = write_spark_catalog(tmp_path / "spark", tmp_path / "production.duckdb")
    build = write_spark_catalog(tmp_path / "spark", tmp_path / "build.duckdb", "bf_20261130t101010123_")

    with duckdb.connect(str(production), read_only=True) as connection:
        assert connection.sql("select cast(ds as varchar), count(*) from marts.fct_page_views group by 1 order by 1").fetchall() == [
            ("2025-01-01", 2),
            ("2025-01-02", 3),
        ]
        # ds is a DATE, model_name text, as the runner's SQL expects them.
        assert connection.sql("select typeof(ds), typeof(model_name), run_id, row_count from audit.partition_ledger").fetchall() == [
            ("DATE", "VARCHAR", "run-1", 3)
        ]
        assert connection.sql("select backfill_id from audit.backfill_runs").fetchall() == [("bf_1",)]
        tables = connection.sql("select table_schema || '.' || table_name from information_schema.tables order by 1").fetchall()
        assert tables == [("audit.backfill_runs",), ("audit.partition_ledger",), ("marts.fct_page_views",)]
    with duckdb.connect(str(build), read_only=True) as connection:
        # The build's tables under production's names, so the runner's SQL reads both alike.
        assert connection.sql("select id_page_view, cast(ds as varchar) from marts.fct_page_views").fetchall() == [(99, "2025-01-02")]
        assert connection.execute("select count(*) from information_schema.tables").fetchone() == (1,)


def test_a_new_catalog_replaces_the_old_one_whole(tmp_path):
    warehouse = tmp_path / "spark" / "warehouse"
    write_parquet(warehouse / "marts.db" / "first" / "ds=2025-01-01", "select 1 as id")
    catalog = write_spark_catalog(tmp_path / "spark", tmp_path / "catalog.duckdb")
    write_parquet(warehouse / "marts.db" / "second" / "ds=2025-01-01", "select 2 as id")
    with duckdb.connect(str(catalog), read_only=True) as reader:
        # A reader keeps the catalog it opened while a new one is written beside it.
        write_spark_catalog(tmp_path / "spark", catalog)
        assert reader.execute("select count(*) from information_schema.tables").fetchone() == (1,)
    with duckdb.connect(str(catalog), read_only=True) as connection:
        assert connection.execute("select count(*) from information_schema.tables").fetchone() == (2,)
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".partial")] == []
