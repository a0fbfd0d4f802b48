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
    {%- elif execute -%}
        {%- set latest = latest_landed_ds() -%}
        {{ return({'start_ds': latest, 'end_ds': latest}) }}
    {%- else -%}
        {#- Parsing: no SQL may run yet, and the window does not shape the DAG. -#}
        {{ return({'start_ds': '1970-01-01', 'end_ds': '1970-01-01'}) }}
    {%- endif -%}
{% endmacro %}


{#- A ds var as a validated 'YYYY-MM-DD' string, or none when it is not set. -#}
{% macro _parse_ds_var(name) %}
    {%- set value = var(name, none) -%}
    {%- if value is none or (value | string | trim) == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set match = modules.re.fullmatch('([0-9]{4})-([0-9]{2})-([0-9]{2})', text) -%}
    {%- if not match -%}
        {{ _run_contract_error("var `" ~ name ~ "` must be a date written YYYY-MM-DD, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set year, month, day = match.group(1) | int, match.group(2) | int, match.group(3) | int -%}
    {%- if year < 1900 or month < 1 or month > 12 or day < 1 or day > _days_in_month(year, month) -%}
        {{ _run_contract_error("var `" ~ name ~ "` is not a real calendar date: '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text) }}
{% endmacro %}


{% macro _days_in_month(year, month) %}
    {%- set next_month_start = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {{ return((next_month_start - modules.datetime.timedelta(days=1)).day) }}
{% endmacro %}


{% macro _run_contract_error(message) %}
    {{ exceptions.raise_compiler_error(
        "Invalid run vars: " ~ message
        ~ ". Use --vars '{ds: YYYY-MM-DD}' or --vars '{start_ds: YYYY-MM-DD, end_ds: YYYY-MM-DD}'."
    ) }}
{% endmacro %}
