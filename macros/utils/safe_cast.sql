{#- dbt.safe_cast on DuckDB: try_cast, null when the value does not convert (dbt's default is a plain cast that fails). -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}

{#- Spark: try_cast, null where the value does not convert. -#}
{% macro spark__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
