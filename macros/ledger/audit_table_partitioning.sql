{#-
    The storage clause of an audit table that is rewritten by partition: none where the engine
    deletes rows (DuckDB); on Spark, whose tables take no DELETE, a parquet table partitioned by
    `columns`, whose partitions are overwritten instead (spark__partition_ledger_upsert).
-#}
{% macro audit_table_partitioning(columns) %}
    {{- return(adapter.dispatch('audit_table_partitioning')(columns)) -}}
{% endmacro %}

{% macro default__audit_table_partitioning(columns) -%}
{%- endmacro %}

{% macro spark__audit_table_partitioning(columns) -%}
    using parquet partitioned by ({{ columns | join(', ') }})
{%- endmacro %}
