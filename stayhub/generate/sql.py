"""SQL fragments (DuckDB) that turn numpy columns into JSON text: literals and lists,
ISO-8601 and unparseable timestamps, fields that may be missing, invalid lines,
prices, dates, UUIDs; and run_sql, which runs a source's SQL over its columns."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from .contract import KIND, OP_D
from .dirt import GARBAGE_LINES, GARBAGE_TIMESTAMPS


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_lit(value) for value in values) + "]"


def sql_nested_list(rows: Iterable[Iterable[str]]) -> str:
    return "[" + ", ".join(sql_list(row) for row in rows) + "]"


def _offset_sql(off: str) -> str:
    return f"(case when {off} < 0 then '-' else '+' end || lpad((abs({off}) // 60)::varchar, 2, '0') || ':' || lpad((abs({off}) % 60)::varchar, 2, '0'))"


def iso_sql(ms: str, style: str, off: str, millis: str) -> str:
    """ISO-8601 text of epoch-ms column `ms`: style 0 is UTC with Z, 1 local time with its offset."""
    local = f"make_timestamp(({ms} + case when {style} = 1 then {off} else 0 end * 60000) * 1000)"
    return (
        f"(strftime({local}, '%Y-%m-%dT%H:%M:%S')"
        f" || case when {millis} then '.' || lpad(({ms} % 1000)::varchar, 3, '0') else '' end"
        f" || case when {style} = 1 then {_offset_sql(off)} else 'Z' end)"
    )


def unparseable_sql(ms: str, off: str, bad: str) -> str:
    """A JSON string holding an unparseable timestamp: no offset, day 32, or garbage."""
    local = f"make_timestamp(({ms} + {off} * 60000) * 1000)"
    return (
        f"case when {bad} = 0 then '\"' || strftime({local}, '%Y-%m-%dT%H:%M:%S') || '\"'"
        f" when {bad} = 1 then '\"' || strftime({local}, '%Y-%m-') || '32' || strftime({local}, 'T%H:%M:%S') || 'Z\"'"
        f" else to_json({sql_list(GARBAGE_TIMESTAMPS)}[{bad} - 1]) end"
    )


def field_sql(position: int, name: str, value_sql: str) -> str:
    """`"name": value`, or absent / null when the row's missing field is this one."""
    return f"case when miss = {position} then case when miss_null then '\"{name}\": null' end else '\"{name}\": ' || ({value_sql}) end"


def invalid_line_sql(line: str) -> str:
    garbage = sql_list(GARBAGE_LINES)
    return (
        f"case when kind = {KIND['invalid_json']} then case inv"
        f" when 0 then left({line}, greatest(1, least(length({line}) - 1, floor(length({line}) * cut)::integer)))"
        f" when 1 then replace({line}, '\"', '''')"
        f" when 2 then '[' || {line} || ']'"
        f" else {garbage}[inv - 2] end else {line} end"
    )


def json_object_sql(fragments: list[str]) -> str:
    return "'{' || concat_ws(', ', " + ", ".join(fragments) + ") || '}'"


def price_sql(cents: str) -> str:
    return f"(({cents}) // 100)::varchar || '.' || lpad((({cents}) % 100)::varchar, 2, '0')"


def date_sql(epoch_day: str) -> str:
    return f"(date '1970-01-01' + {epoch_day}::integer)::varchar"


def run_sql(con: duckdb.DuckDBPyConnection, tables: dict[str, dict], sql: str) -> list[str]:
    """The column `line` of `sql` run over the column dicts registered as views under their names."""
    for name, columns in tables.items():
        con.register(name, columns)
    try:
        return con.sql(sql).fetchnumpy()["line"].tolist()
    finally:
        for name in tables:
            con.unregister(name)


_DQ = "'\"'"  # the SQL literal holding one double quote


def quoted(sql: str) -> str:
    """A JSON string from SQL text that needs no escaping (identifiers, codes, dates)."""
    return f"{_DQ} || {sql} || {_DQ}"


def cdc_ts_sql(ms: str, style: str, off: str, bad_when: str) -> str:
    """A required timestamp: ISO-8601 with Z or an offset, or unparseable on dirty rows."""
    return f"case when kind = {KIND['unparseable_ts']} and {bad_when} then {unparseable_sql(ms, off, 'bad')} else {quoted(iso_sql(ms, style, off, 'true'))} end"


UUID_SQL = "printf('%08x-%04x-%04x-%04x-%012x', {hi} >> 32, ({hi} >> 16) & 65535, {hi} & 65535, {lo} >> 48, {lo} & 281474976710655)"


def unless_delete(sql: str) -> str:
    """A field that a delete row (op = d) does not carry."""
    return f"case when op <> {OP_D} then {sql} end"
