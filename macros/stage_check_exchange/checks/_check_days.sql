{#- A select of every ds a stage-check-exchange checks: first_ds .. last_ds. -#}
{% macro _check_days(first_ds, last_ds) -%}
    select cast(date_day as date) as ds
    from ({{ dbt.date_spine('day', ds_literal(first_ds), ds_literal(ds_shift(last_ds, 1))) }}) as spine
{%- endmacro %}
