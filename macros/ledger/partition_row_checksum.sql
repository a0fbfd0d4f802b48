{#-
    An aggregate expression: a checksum of the whole rows of a group, as text,
    independent of their order. `row_alias` is the alias of the relation the
    rows come from. The partition ledger records it per published partition,
    so a partition republished with the same rows is known to be unchanged.
-#}
{% macro partition_row_checksum(row_alias) %}
    {{- return(adapter.dispatch('partition_row_checksum')(row_alias)) -}}
{% endmacro %}

{#- No portable row hash: null, and the ledger falls back on run_id and published_at to tell versions apart. -#}
{% macro default__partition_row_checksum(row_alias) -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{#- hash() of the row as a struct, summed: the same multiset of rows gives the same value. -#}
{% macro duckdb__partition_row_checksum(row_alias) -%}
    cast(sum(hash({{ row_alias }})) as {{ dbt.type_string() }})
{%- endmacro %}

{#- Spark: hash() of every column of the row. Values differ from DuckDB's: compare checksums within one engine. -#}
{% macro spark__partition_row_checksum(row_alias) -%}
    cast(sum(cast(hash({{ row_alias }}.*) as bigint)) as {{ dbt.type_string() }})
{%- endmacro %}
