{#-
    The ds window of this run, as {'start_ds': 'YYYY-MM-DD', 'end_ds': 'YYYY-MM-DD'}.
    --vars '{ds: D}' is one partition, '{start_ds: S, end_ds: E}' an inclusive
    range; with neither, the latest ds that has landed in every landing source.
    Inside a batch of dbt's microbatch (--vars '{publish_mode: microbatch}'),
    the batch's ds instead.
-#}
{% macro ds_window() %}
    {%- set batch_window = microbatch_batch_window() -%}
    {%- if batch_window is not none -%}
        {{ return(batch_window) }}
    {%- endif -%}

    {%- if not execute -%}
        {#-
            Parsing: no SQL may run yet, and the window does not shape the DAG.
            Bad vars are left to validate_run_vars, which names them all at once.
        -#}
        {{ return({'start_ds': '1970-01-01', 'end_ds': '1970-01-01'}) }}
    {%- endif -%}

    {%- set ds = _parse_ds_var('ds') -%}
    {%- set start_ds = _parse_ds_var('start_ds') -%}
    {%- set end_ds = _parse_ds_var('end_ds') -%}

    {%- if ds is not none and (start_ds is not none or end_ds is not none) -%}
        {{ _run_contract_error(
            "pass either `ds` or `start_ds` with `end_ds`, not both (got ds=" ~ ds
            ~ ", start_ds=" ~ start_ds ~ ", end_ds=" ~ end_ds ~ ")"
        ) }}
    {%- endif -%}
    {%- if (start_ds is none) != (end_ds is none) -%}
        {{ _run_contract_error("`start_ds` and `end_ds` go together (got start_ds=" ~ start_ds ~ ", end_ds=" ~ end_ds ~ ")") }}
    {%- endif -%}
    {%- if start_ds is not none and start_ds > end_ds -%}
        {{ _run_contract_error("start_ds " ~ start_ds ~ " is after end_ds " ~ end_ds) }}
    {%- endif -%}

    {%- if ds is not none -%}
        {{ return({'start_ds': ds, 'end_ds': ds}) }}
    {%- elif start_ds is not none -%}
        {{ return({'start_ds': start_ds, 'end_ds': end_ds}) }}
    {%- else -%}
        {%- set latest = latest_landed_ds() -%}
        {{ return({'start_ds': latest, 'end_ds': latest}) }}
    {%- endif -%}
{% endmacro %}


{#- A ds var as a validated 'YYYY-MM-DD' string, or none when it is not set. -#}
{% macro _parse_ds_var(name) %}
    {%- set problem = _ds_var_problem(name) -%}
    {%- if problem is not none -%}
        {{ _run_contract_error(problem) }}
    {%- endif -%}
    {%- set value = run_window_var(name) -%}
    {{ return(none if value is none or (value | string | trim) == '' else value | string | trim) }}
{% endmacro %}


{#-
    What is wrong with a date var, or none. A ds names a day whose data has
    landed, so it lies between 2000-01-01 (older is a typo such as 0205) and
    tomorrow in UTC (a day of data lands only after it ends; one day of margin
    for operators east of UTC): 9999-12-31 is refused, not run.
-#}
{% macro _ds_var_problem(name) %}
    {%- set is_window = name in ('ds', 'start_ds', 'end_ds') -%}
    {%- set value = run_window_var(name) if is_window else var(name, none) -%}
    {%- set label = run_window_var_label(name) if is_window else "var `" ~ name ~ "`" -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- if not match -%}
        {{ return(label ~ " must be a date written YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
    {%- if year < 1 or month < 1 or month > 12 or day < 1 or day > _days_in_month(year, month) -%}
        {{ return(label ~ " is not a real calendar date: '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set latest = (modules.datetime.datetime.now(modules.pytz.utc).date() + modules.datetime.timedelta(days=1)).isoformat() -%}
    {%- if text < '2000-01-01' or text > latest -%}
        {{ return(
            label ~ " is " ~ text ~ ", outside 2000-01-01 .. " ~ latest
            ~ " (tomorrow in UTC): no such day can have landed"
        ) }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{% macro _days_in_month(year, month) %}
    {%- if month == 12 -%}
        {{ return(31) }}
    {%- endif -%}
    {{ return((modules.datetime.date(year, month + 1, 1) - modules.datetime.timedelta(days=1)).day) }}
{% endmacro %}


{% macro _run_contract_error(message) %}
    {{ exceptions.raise_compiler_error(
        "Invalid run vars: " ~ message
        ~ ". Use --vars '{ds: YYYY-MM-DD}' or --vars '{start_ds: YYYY-MM-DD, end_ds: YYYY-MM-DD}'."
    ) }}
{% endmacro %}
