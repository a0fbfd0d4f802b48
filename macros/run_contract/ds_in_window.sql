{#-
    Predicate: `column` falls in this run's ds window, widened by
    `lookback_days` days before its start (for lookbacks) and `lookahead_days`
    days after its end (for reading later landings of the window's dates).
-#}
{% macro ds_in_window(column='ds', lookback_days=0, lookahead_days=0) %}
    {%- set window = ds_window() -%}
    {{ column }} between {{ ds_literal(ds_shift(window.start_ds, -(lookback_days | int))) }}
    and {{ ds_literal(ds_shift(window.end_ds, lookahead_days | int)) }}
{%- endmacro %}
