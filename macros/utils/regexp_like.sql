{#- Predicate: `expr` contains a match of the regular expression `pattern` (RE2/Java syntax). -#}
{% macro regexp_like(expr, pattern) %}
    {{- return(adapter.dispatch('regexp_like')(expr, pattern)) -}}
{% endmacro %}

{% macro default__regexp_like(expr, pattern) -%}
    regexp_like({{ expr }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro duckdb__regexp_like(expr, pattern) -%}
    regexp_matches({{ expr }}, '{{ pattern | replace("'", "''") }}')
{%- endmacro %}

{% macro spark__regexp_like(expr, pattern) -%}
    {{ expr }} rlike '{{ pattern | replace("'", "''") | replace("\\", "\\\\") }}'
{%- endmacro %}
