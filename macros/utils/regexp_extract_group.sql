{#- Capture group `group` of the first match of `pattern` in `expr`; null when nothing matches. -#}
{% macro regexp_extract_group(expr, pattern, group=1) %}
    {{- return(adapter.dispatch('regexp_extract_group')(expr, pattern, group)) -}}
{% endmacro %}

{% macro default__regexp_extract_group(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern | replace("'", "''") }}', {{ group | int }}), '')
{%- endmacro %}

{% macro spark__regexp_extract_group(expr, pattern, group) -%}
    nullif(regexp_extract({{ expr }}, '{{ pattern | replace("'", "''") | replace("\\", "\\\\") }}', {{ group | int }}), '')
{%- endmacro %}
