{#-
    on-run-start hook: fails the invocation on bad vars before any model runs,
    and logs the window every partitioned model of the run will build; without
    ds vars, also which ds that is and why (explain_latest_landed_ds). Every
    var the project reads is checked for type and range (_run_var_problems),
    all problems in one message; a var the project does not read (a typo such
    as lookback_day) is a warning. A seed builds no partition, so it does not
    need a landed ds. With publish_mode microbatch, dbt's batches are the
    window (the ds vars do not apply), and every selected model must be one
    microbatch can build: checked here, because dbt prints an error raised
    inside a batch only to logs/dbt.log.
-#}
{% macro validate_run_vars() %}
    {%- if execute -%}
        {%- set passed = invocation_args_dict.get('vars') -%}
        {%- for name in (passed.keys() if passed is mapping else []) | sort if name not in _known_run_vars() -%}
            {%- do exceptions.warn(
                "[WARNING]: Unknown var `" ~ name ~ "` is ignored: this project reads only " ~ _known_run_vars() | join(', ') ~ "."
            ) -%}
        {%- endfor -%}
        {%- set problems = _run_var_problems() -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "Invalid run vars: " ~ problems | join("; ") ~ ". Nothing was run; fix the --vars (README: The run-time contract)."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {%- if execute and flags.WHICH != 'seed' -%}
        {%- if publish_mode() == 'microbatch' -%}
            {%- for name in ['ds', 'start_ds', 'end_ds'] if run_window_var(name) is not none -%}
                {{ exceptions.raise_compiler_error(
                    "Invalid run vars: " ~ run_window_var_label(name) ~ " does not apply with publish_mode microbatch, which builds one ds per"
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


{#- Every var the project reads (models, macros, dbt_project.yml); a test keeps the list complete. -#}
{% macro _known_run_vars() %}
    {{ return([
        'ds', 'start_ds', 'end_ds', 'lookback_days', 'landing_max_lateness_days', 'landing_max_clock_skew_minutes',
        'raw_root', 'publish_mode', 'microbatch_begin', 'landing_sources', 'landing_root_default', 'backfill_build',
    ]) }}
{% endmacro %}


{#-
    What is wrong with the vars, one message per var naming it. Bounds:
    lookback_days 0..30 (the rewrite covers lateness plus the exit's day, 4 by
    default; a month is already a backfill's job), landing_max_lateness_days
    0..30, landing_max_clock_skew_minutes 0..1439 (staging looks for a skewed
    event one day back only), dates as _ds_var_problem says.
-#}
{% macro _run_var_problems() %}
    {%- set problems = [] -%}
    {%- for name in ['ds', 'start_ds', 'end_ds', 'microbatch_begin'] -%}
        {%- set problem = _ds_var_problem(name) -%}
        {%- if problem is not none -%}
            {%- do problems.append(problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, bounds in [('lookback_days', [0, 30]), ('landing_max_lateness_days', [0, 30]), ('landing_max_clock_skew_minutes', [0, 1439])] -%}
        {%- set problem = _whole_number_var_problem(name, bounds[0], bounds[1]) -%}
        {%- if problem is not none -%}
            {%- do problems.append(problem) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set mode = publish_mode() -%}
    {%- if mode not in ('stage_check_exchange', 'direct', 'microbatch') -%}
        {%- do problems.append("var `publish_mode` must be stage_check_exchange, direct or microbatch, got '" ~ mode ~ "'") -%}
    {%- endif -%}
    {%- set raw_root = var('raw_root', none) -%}
    {%- if raw_root is not none and (raw_root is not string or raw_root | trim == '') -%}
        {%- do problems.append("var `raw_root` must be a folder path, got '" ~ raw_root ~ "'") -%}
    {%- elif raw_root is not none -%}
        {#- Raises on a path that cannot be pasted into SQL (quotes, globs). -#}
        {%- do landing_root() -%}
    {%- endif -%}
    {#- Set by the backfill runner's chunks on Spark (backfill_build_schema): never a production schema. -#}
    {%- set build = var('backfill_build', none) -%}
    {%- if build is not none and not (
        build is mapping and modules.re.fullmatch('bf_[a-z0-9_]+_', build.get('schema_prefix') or '') and build.get('models') is iterable
        and build.get('models') is not string
    ) -%}
        {%- do problems.append("var `backfill_build` must be {schema_prefix: bf_<id>_, models: [...]} (the backfill runner's), got '" ~ build ~ "'") -%}
    {%- endif -%}
    {{ return(problems) }}
{% endmacro %}


{#- What is wrong with a var that must be a whole number from low to high (digits as text allowed), or none. -#}
{% macro _whole_number_var_problem(name, low, high) %}
    {%- set value = var(name, none) -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set is_whole = (value is integer) or (value is string and modules.re.fullmatch('[0-9]+', value | trim)) -%}
    {%- if not is_whole or (value | int) < low or (value | int) > high -%}
        {{ return("var `" ~ name ~ "` must be a whole number from " ~ low ~ " to " ~ high ~ ", got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}
