{#- A double-precision floating-point type (dispatched; dbt.type_float() is single precision on some engines). -#}
{% macro type_double() %}
    {{- return(adapter.dispatch('type_double')()) -}}
{% endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro trino__type_double() -%}
    double
{%- endmacro %}
