{#- A select of one row per ds (a DATE) from this run's window start - days_before to its end. -#}
{% macro window_days(days_before=0) -%}
    {%- set window = ds_window() -%}
    {{ ds_days(ds_shift(window.start_ds, -(days_before | int)), window.end_ds) }}
{%- endmacro %}
