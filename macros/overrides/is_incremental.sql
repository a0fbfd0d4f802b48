{#-
    dbt's is_incremental(), extended to the `partitioned` materialization: true
    when this run updates partitions of a table that already exists.
-#}
{% macro is_incremental() %}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(this.database, this.schema, this.table) -%}
    {{ return(
        relation is not none
        and relation.type == 'table'
        and model.config.materialized in ('incremental', 'partitioned')
        and not should_full_refresh()
    ) }}
{% endmacro %}
