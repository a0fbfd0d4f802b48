"""Personal data (email addresses) never leaves staging."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def relations_holding_emails(warehouse, schema_predicate: str) -> set[tuple[str, str, str]]:
    """(schema, relation, column) of every text column in which a value looks like an email address."""
    columns = warehouse.query(
        f"""
        select table_schema, table_name, column_name
        from information_schema.columns
        where {schema_predicate} and data_type in ('VARCHAR', 'JSON')
        """
    )
    found = set()
    for schema, table, column in columns:
        hits = warehouse.scalar(
            f"""select count(*) from "{schema}"."{table}" where regexp_matches(cast("{column}" as varchar), '{EMAIL.pattern}')"""
        )
        if hits:
            found.add((schema, table, column))
    return found


def test_no_relation_outside_staging_holds_an_email_address(sample_warehouse):
    outside = sample_warehouse.query(
        "select count(*) from information_schema.columns where table_schema <> 'staging'"
    )[0][0]
    assert outside > 0, "nothing outside staging was built: the scan would prove nothing"
    assert relations_holding_emails(sample_warehouse, "table_schema <> 'staging'") == set()


def test_the_scan_finds_the_emails_that_staging_keeps_in_raw_lines(sample_warehouse):
    # The positive control: the same scan does see the clear emails of the raw users lines.
    found = relations_holding_emails(sample_warehouse, "table_schema = 'staging'")
    assert ("staging", "stg_users__lines", "raw_line") in found
    assert {column for _, _, column in found} <= {"raw_line"}
