{#- A select of one row per ds (a DATE) from this run's window start - days_before to its end. -#}
{% macro window_days(days_before=0) -%}
    {%- set window = ds_window() -%}
    select cast(date_day as date) as ds
    from (
        {{ dbt.date_spine(
            'day',
            ds_literal(ds_shift(window.start_ds, -(days_before | int))),
            ds_literal(ds_shift(window.end_ds, 1))
        ) }}
    ) as spine
{%- endmacro %}
