{#-
    Predicate: `column` falls in this run's ds window, widened by
    `days_before` days before its start (for lookbacks).
-#}
{% macro ds_in_window(column='ds', days_before=0) %}
    {%- set window = ds_window() -%}
    {{ column }} between {{ ds_literal(ds_shift(window.start_ds, -(days_before | int))) }} and {{ ds_literal(window.end_ds) }}
{%- endmacro %}
