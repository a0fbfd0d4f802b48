{#-
    on-run-start hook: fails the invocation on bad vars before any model runs,
    and logs the window every partitioned model of the run will build. A seed
    builds no partition, so it does not need a landed ds.
-#}
{% macro validate_run_vars() %}
    {%- if execute and flags.WHICH != 'seed' -%}
        {%- set window = ds_window() -%}
        {{ log("Run window: ds " ~ window.start_ds ~ " .. " ~ window.end_ds, info=true) }}
    {%- endif -%}
{% endmacro %}
