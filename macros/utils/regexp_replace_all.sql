{#- `expr` with every match of the regular expression `pattern` (RE2/Java syntax) replaced by the text `replacement`. -#}
{% macro regexp_replace_all(expr, pattern, replacement) %}
    {{- return(adapter.dispatch('regexp_replace_all')(expr, pattern, replacement)) -}}
{% endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}')
{%- endmacro %}

{#- DuckDB replaces the first match only, unless told 'g'. -#}
{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace("'", "''") }}', '{{ replacement | replace("'", "''") }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern | replace("'", "''") | replace("\\", "\\\\") }}', '{{ replacement | replace("'", "''") | replace("\\", "\\\\") }}')
{%- endmacro %}
