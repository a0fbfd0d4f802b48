{#- Epoch milliseconds (an integer) as a UTC timestamp. -#}
{% macro epoch_ms_to_timestamp(expr) %}
    {{- return(adapter.dispatch('epoch_ms_to_timestamp')(expr)) -}}
{% endmacro %}

{% macro default__epoch_ms_to_timestamp(expr) -%}
    from_unixtime({{ expr }} / 1000.0)
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(expr) -%}
    epoch_ms(cast({{ expr }} as bigint))
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(expr) -%}
    timestamp_millis(cast({{ expr }} as bigint))
{%- endmacro %}
