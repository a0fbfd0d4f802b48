{#-
    on-run-start hook: fails the invocation on bad vars before any model runs,
    and logs the window every partitioned model of the run will build; without
    ds vars, also which ds that is and why (explain_latest_landed_ds). A seed
    builds no partition, so it does not need a landed ds. With publish_mode
    microbatch, dbt's batches are the window (the ds vars do not apply), and
    every selected model must be one microbatch can build: checked here,
    because dbt prints an error raised inside a batch only to logs/dbt.log.
-#}
{% macro validate_run_vars() %}
    {%- if execute and flags.WHICH != 'seed' -%}
        {%- if var('publish_mode', 'stage_check_exchange') == 'microbatch' -%}
            {%- for name in ['ds', 'start_ds', 'end_ds'] if var(name, none) is not none -%}
                {{ exceptions.raise_compiler_error(
                    "Invalid run vars: `" ~ name ~ "` does not apply with publish_mode microbatch, which builds one ds per"
                    ~ " batch from --event-time-start to --event-time-end (exclusive). Pass those flags instead."
                ) }}
            {%- endfor -%}
            {%- do assert_microbatch_compatible(
                graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | selectattr('unique_id', 'in', selected_resources) | list
            ) -%}
            {%- set event_time_start = invocation_args_dict.get('event_time_start') -%}
            {%- set event_time_end = invocation_args_dict.get('event_time_end') -%}
            {%- if event_time_start -%}
                {{ log(
                    "Run window: one dbt microbatch batch per ds from --event-time-start " ~ (event_time_start | string)[:10]
                    ~ " to --event-time-end " ~ (event_time_end | string)[:10] ~ " (exclusive)", info=true
                ) }}
            {%- else -%}
                {{ log("Run window: one dbt microbatch batch per ds, from `begin` or the last batch built, to now", info=true) }}
            {%- endif -%}
        {%- else -%}
            {%- set window = ds_window() -%}
            {{ log("Run window: ds " ~ window.start_ds ~ " .. " ~ window.end_ds, info=true) }}
            {%- if _parse_ds_var('ds') is none and _parse_ds_var('start_ds') is none -%}
                {{ log("No ds vars: " ~ explain_latest_landed_ds(), info=true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
