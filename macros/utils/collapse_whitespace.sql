{#- `expr` trimmed, with every run of inner whitespace collapsed to one space. -#}
{% macro collapse_whitespace(expr) %}
    {{- return(adapter.dispatch('collapse_whitespace')(expr)) -}}
{% endmacro %}

{% macro default__collapse_whitespace(expr) -%}
    trim(regexp_replace({{ expr }}, '\s+', ' '))
{%- endmacro %}

{% macro duckdb__collapse_whitespace(expr) -%}
    trim(regexp_replace({{ expr }}, '\s+', ' ', 'g'))
{%- endmacro %}

{% macro spark__collapse_whitespace(expr) -%}
    trim(regexp_replace({{ expr }}, '\\s+', ' '))
{%- endmacro %}
