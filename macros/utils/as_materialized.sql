{#-
    The `as` of a CTE that the engine must compute once, however many times the
    query reads it (`numbered as_materialized() (select ...)`); dispatched, plain
    `as` where the engine has no such hint.
-#}
{% macro as_materialized() %}
    {{- return(adapter.dispatch('as_materialized')()) -}}
{% endmacro %}

{% macro default__as_materialized() -%}
    as
{%- endmacro %}

{#- DuckDB inlines a CTE without a window or an aggregate into every reader of it. -#}
{% macro duckdb__as_materialized() -%}
    as materialized
{%- endmacro %}
