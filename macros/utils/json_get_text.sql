{#-
    The value of top-level `key` of a JSON object as text (numbers and
    booleans as their JSON text, objects as JSON); null when absent or null.
-#}
{% macro json_get_text(json_expr, key) %}
    {%- if not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', key) -%}
        {{ exceptions.raise_compiler_error("json_get_text: key '" ~ key ~ "' must be a plain identifier") }}
    {%- endif -%}
    {{- return(adapter.dispatch('json_get_text')(json_expr, key)) -}}
{% endmacro %}

{% macro default__json_get_text(json_expr, key) -%}
    json_extract_scalar({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_get_text(json_expr, key) -%}
    json_extract_string({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}

{% macro spark__json_get_text(json_expr, key) -%}
    get_json_object({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}
