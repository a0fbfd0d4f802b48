{#- Number of set bits of integer `expr` (dispatched). -#}
{% macro bit_count(expr) %}
    {{- return(adapter.dispatch('bit_count')(expr)) -}}
{% endmacro %}

{% macro default__bit_count(expr) -%}
    bit_count({{ expr }})
{%- endmacro %}

{% macro trino__bit_count(expr) -%}
    bit_count({{ expr }}, 64)
{%- endmacro %}
