"""The benchmark's floor (stayhub/page_views_floor.py) computes exactly fct_page_views' rows: the
scale benchmark compares a range backfill with it, so it must do the same work, no less."""

from __future__ import annotations

from stayhub.page_views_floor import PAGE_VIEW_COLUMNS, landing_files, page_views_floor_sql


def test_the_floor_statement_gives_the_rows_of_fct_page_views(sample_warehouse):
    # The sample's first build, one range run of every landed day, dirty data included.
    start_ds, end_ds = "2025-01-01", "2025-01-08"
    columns = ", ".join(PAGE_VIEW_COLUMNS)
    floor_sql = page_views_floor_sql(landing_files(sample_warehouse.raw_root, start_ds, end_ds), start_ds, end_ds)
    model = sorted(sample_warehouse.query(f"select {columns} from marts.fct_page_views"), key=repr)
    floor = sorted(sample_warehouse.query(f"select {columns} from ({floor_sql})"), key=repr)
    assert len(model) > 1000
    assert sum(1 for row in model if row[-1] is not None) > 100, "views with dwell"
    assert floor == model
