{#- Integer `expr` shifted left by `bits` (dispatched). -#}
{% macro bit_shift_left(expr, bits) %}
    {{- return(adapter.dispatch('bit_shift_left')(expr, bits)) -}}
{% endmacro %}

{% macro default__bit_shift_left(expr, bits) -%}
    ({{ expr }} << {{ bits }})
{%- endmacro %}

{% macro spark__bit_shift_left(expr, bits) -%}
    shiftleft({{ expr }}, {{ bits }})
{%- endmacro %}
