{#- Element `position` (1-based) of array `expr`; null when out of range (dispatched). -#}
{% macro array_element(expr, position) %}
    {{- return(adapter.dispatch('array_element')(expr, position)) -}}
{% endmacro %}

{% macro default__array_element(expr, position) -%}
    element_at({{ expr }}, {{ position }})
{%- endmacro %}

{% macro duckdb__array_element(expr, position) -%}
    list_extract({{ expr }}, {{ position }})
{%- endmacro %}

{% macro spark__array_element(expr, position) -%}
    try_element_at({{ expr }}, {{ position }})
{%- endmacro %}
