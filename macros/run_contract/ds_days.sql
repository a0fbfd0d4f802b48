{#-
    A select of one row per ds (a DATE) from first_ds to last_ds inclusive.
    The day count is known here, so no query runs to find it (dbt.date_spine
    runs one each time it renders).
-#}
{% macro ds_days(first_ds, last_ds) -%}
    {%- set first = modules.datetime.date.fromisoformat(first_ds | string) -%}
    {%- set day_count = (modules.datetime.date.fromisoformat(last_ds | string) - first).days + 1 -%}
    select cast({{ dbt.dateadd('day', 'series.generated_number - 1', ds_literal(first_ds)) }} as date) as ds
    from ({{ dbt.generate_series([day_count, 1] | max) }}) as series
    where series.generated_number <= {{ day_count }}
{%- endmacro %}
