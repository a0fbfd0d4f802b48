{#-
    Predicate: `column` falls in this run's ds window, widened by
    `days_before` days before its start (for lookbacks) and `days_after`
    days after its end (for reading later landings of the window's dates).
-#}
{% macro ds_in_window(column='ds', days_before=0, days_after=0) %}
    {%- set window = ds_window() -%}
    {{ column }} between {{ ds_literal(ds_shift(window.start_ds, -(days_before | int))) }}
    and {{ ds_literal(ds_shift(window.end_ds, days_after | int)) }}
{%- endmacro %}
