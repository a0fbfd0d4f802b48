"""The views a first backfill creates in production: copied from the build database, each after the views it reads."""

from __future__ import annotations

import duckdb

from stayhub.backfill.publish import copy_views


def test_views_are_copied_from_the_build_in_an_order_that_binds_and_other_models_are_left_to_dbt(tmp_path):
    build, production = tmp_path / "build" / "warehouse.duckdb", tmp_path / "warehouse.duckdb"
    build.parent.mkdir()
    with duckdb.connect(str(build)) as connection:
        connection.execute("create schema base; create schema marts")
        connection.execute("create table base.lines as select range as id from range(3)")
        connection.execute("create view base.a_clean as select id from base.lines where id > 0")
        # Named before the view it reads: copied in name order, it cannot bind until a_clean exists.
        connection.execute("create view marts.a_history as select count(*) as n from base.a_clean")
        connection.execute("create table marts.spine as select 1 as day")
    with duckdb.connect(str(production)) as connection:
        connection.execute("create schema base")
        connection.execute("create table base.lines as select range as id from range(5)")

    left = copy_views(production, build, ["marts.a_history", "base.a_clean", "marts.spine"])

    assert left == ["marts.spine"]
    with duckdb.connect(str(production), read_only=True) as connection:
        # The views read production's rows, not the build's.
        assert connection.execute("select n from marts.a_history").fetchone() == (4,)
        assert connection.execute("select count(*) from information_schema.tables where table_name = 'spine'").fetchone() == (0,)
