{#-
    on-run-end: one audit.run_history row per node this invocation ran (build,
    run, test, seed, snapshot): its status, time taken, when, dbt's message,
    and the window of the run (ds_window; none for a seed, which needs no
    landed data and builds no partition). rows_affected is what the node
    published: for a partitioned model the rows of every partition it
    published in this run (its ledger rows), else what the adapter reported
    (a test: its failures).
-#}
{% macro record_run_history(results) %}
    {%- if not execute or flags.WHICH not in ('build', 'run', 'test', 'seed', 'snapshot') or not results -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window = ds_window() if flags.WHICH != 'seed' else none -%}
    {%- set values = [] -%}
    {%- for result in results if result.node is defined and result.node.resource_type in ('model', 'seed', 'snapshot', 'test') -%}
        {%- set execute_timing = result.timing | selectattr('name', 'equalto', 'execute') | list -%}
        {%- set started_at = (execute_timing[0].started_at if execute_timing else none) -%}
        {%- set completed_at = (execute_timing[0].completed_at if execute_timing else none) -%}
        {%- set reported = (result.adapter_response or {}).get('rows_affected') -%}
        {%- set rows = result.failures if result.node.resource_type == 'test' else reported -%}
        {%- do values.append("("
            ~ _history_text(result.node.unique_id) ~ ", " ~ _history_text(result.node.name) ~ ", "
            ~ _history_text(result.node.resource_type) ~ ", " ~ _history_text(result.status | string) ~ ", "
            ~ (rows if rows is number else 'null') ~ ", " ~ (result.execution_time or 0) ~ ", "
            ~ _history_time(started_at) ~ ", " ~ _history_time(completed_at) ~ ", "
            ~ _history_text((result.message or '') | string | truncate(2000, true, '...', 0)) ~ ")") -%}
    {%- endfor -%}
    {%- if not values -%}
        {{ return('') }}
    {%- endif -%}
    {%- set history = run_history_relation() -%}
    {%- set ledger = partition_ledger_relation() -%}
    {%- call statement('record_run_history') -%}
        insert into {{ history }} (
            run_id, command, window_start_ds, window_end_ds, node_id, node_name, resource_type,
            status, rows_affected, seconds, started_at, completed_at, message
        )
        select
            '{{ invocation_id }}',
            '{{ flags.WHICH }}',
            {{ ds_literal(window.start_ds) if window else 'cast(null as date)' }},
            {{ ds_literal(window.end_ds) if window else 'cast(null as date)' }},
            ran.node_id,
            ran.node_name,
            ran.resource_type,
            ran.status,
            coalesce(published.row_count, ran.rows_affected),
            ran.seconds,
            cast(ran.started_at as {{ dbt.type_timestamp() }}),
            cast(ran.completed_at as {{ dbt.type_timestamp() }}),
            ran.message
        from (
            values {{ values | join(",\n") }}
        ) as ran (node_id, node_name, resource_type, status, rows_affected, seconds, started_at, completed_at, message)
        left join (
            select model_name, sum(row_count) as row_count
            from {{ ledger }}
            where run_id = '{{ invocation_id }}'
            group by model_name
        ) as published
            on ran.resource_type = 'model' and ran.node_name = published.model_name
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ return('') }}
{% endmacro %}

{% macro _history_text(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}

{#- A timing's time, UTC, as a SQL timestamp literal; null when dbt recorded none. -#}
{% macro _history_time(value) %}
    {%- if value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{- return("'" ~ value.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'") -}}
{% endmacro %}
