{#- A select of one row per ds (a DATE) from first_ds to last_ds inclusive. -#}
{% macro ds_days(first_ds, last_ds) -%}
    select cast(date_day as date) as ds
    from ({{ dbt.date_spine('day', ds_literal(first_ds), ds_literal(ds_shift(last_ds, 1))) }}) as spine
{%- endmacro %}
