{#- Whether top-level `key` of a parsed JSON object holds a JSON number (not a string of digits). -#}
{% macro json_is_number(json_expr, key) %}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', key) -%}
        {{ exceptions.raise_compiler_error("json_is_number: key '" ~ key ~ "' must be a plain identifier") }}
    {%- endif -%}
    {{- return(adapter.dispatch('json_is_number')(json_expr, key)) -}}
{% endmacro %}

{% macro default__json_is_number(json_expr, key) -%}
    {{ regexp_like('cast(' ~ json_expr ~ ' as ' ~ dbt.type_string() ~ ')', '"' ~ key ~ '"[[:space:]]*:[[:space:]]*-?[0-9]') }}
{%- endmacro %}

{% macro duckdb__json_is_number(json_expr, key) -%}
    coalesce(json_type({{ json_expr }}, '$.{{ key }}') in ('UBIGINT', 'BIGINT', 'HUGEINT', 'DOUBLE'), false)
{%- endmacro %}

{#- Spark: a JSON number parses as a double; a string, boolean, object or null does not. -#}
{% macro spark__json_is_number(json_expr, key) -%}
    coalesce(from_json({{ json_expr }}, 'struct<{{ key }}:double>').{{ key }} is not null, false)
{%- endmacro %}
