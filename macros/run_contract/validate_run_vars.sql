{#-
    on-run-start hook: fails the invocation on bad vars before any model runs,
    and logs the window every partitioned model of the run will build.
-#}
{% macro validate_run_vars() %}
    {%- if execute -%}
        {%- set window = ds_window() -%}
        {{ log("Run window: ds " ~ window.start_ds ~ " .. " ~ window.end_ds, info=true) }}
    {%- endif -%}
{% endmacro %}
