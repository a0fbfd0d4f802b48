{#- A select of one row per ds (a DATE) from this run's window start - lookback_days to its end. -#}
{% macro window_days(lookback_days=0) -%}
    {%- set window = ds_window() -%}
    {{ ds_days(ds_shift(window.start_ds, -(lookback_days | int)), window.end_ds) }}
{%- endmacro %}
