{#- An array of the SQL expressions `items` (dispatched). -#}
{% macro array_of(items) %}
    {{- return(adapter.dispatch('array_of')(items)) -}}
{% endmacro %}

{% macro default__array_of(items) -%}
    array[{{ items | join(', ') }}]
{%- endmacro %}

{% macro duckdb__array_of(items) -%}
    list_value({{ items | join(', ') }})
{%- endmacro %}

{% macro spark__array_of(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}
