{#-
    on-run-start hook, before anything is built: every landing partition the
    selected nodes read must be complete. The nodes that read a landing source
    directly (the base_<source>__lines models, and tests that recount the
    landing zone) read its partitions of the run window (ds_window, or with
    publish_mode microbatch the days of --event-time-start .. --event-time-end).
    When any of them has not landed or has no _SUCCESS marker, the run stops
    with one message naming every such partition by source and ds, so that
    no model publishes a half day. A selection that reads no landing source
    (a seed, marts only) is not checked. read_landing_lines still refuses an
    incomplete partition per model, as a last line of defence.
-#}
{% macro preflight_landing_partitions() %}
    {#- A hook renders what a macro returns as SQL: return '' when there is nothing to check. -#}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set readers = _landing_readers(selected_resources) -%}
    {%- if not readers -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window = _preflight_window() -%}
    {%- if window is none -%}
        {{ log(
            "Landing preflight: not checked, a microbatch run without --event-time-start and --event-time-end has no"
            ~ " fixed window; each batch refuses a partition that is not complete.", info=true
        ) }}
        {{ return('') }}
    {%- endif -%}

    {%- set problems = landing_partition_problems(readers.keys() | list, window.start_ds, window.end_ds) -%}
    {%- if problems -%}
        {%- set lines = [] -%}
        {%- for problem in problems -%}
            {%- do lines.append("  " ~ problem.message) -%}
        {%- endfor -%}
        {%- set read_by = [] -%}
        {%- for source_name, nodes in readers | dictsort if source_name in problems | map(attribute='source') | list -%}
            {%- do read_by.append(source_name ~ " (" ~ nodes | sort | join(', ') ~ ")") -%}
        {%- endfor -%}
        {%- set first_problem_ds = problems | map(attribute='ds') | min -%}
        {%- if first_problem_ds > window.start_ds -%}
            {%- set ready_end = ds_shift(first_problem_ds, -1) -%}
            {%- if publish_mode() == 'microbatch' -%}
                {%- set flags_text = "--event-time-start " ~ window.start_ds ~ " --event-time-end " ~ first_problem_ds -%}
            {%- else -%}
                {%- set flags_text = "--vars '{start_ds: \"" ~ window.start_ds ~ "\", end_ds: \"" ~ ready_end ~ "\"}'" -%}
            {%- endif -%}
            {%- set advice = "Wait for upstream, or build what has landed: every partition these models read is complete from "
                ~ window.start_ds ~ " to " ~ ready_end ~ " (" ~ flags_text ~ "), or leave the models that read these sources out"
                ~ " of the selection." -%}
        {%- else -%}
            {%- set advice = "Wait for upstream, run an earlier window, or leave the models that read these sources out of the selection." -%}
        {%- endif -%}
        {{ exceptions.raise_compiler_error(
            "Landing partitions not ready: the selected models read " ~ problems | length ~ " landing partition(s) of ds "
            ~ window.start_ds ~ " .. " ~ window.end_ds ~ " that have not landed or have no _SUCCESS marker yet."
            ~ " Nothing was built; production is unchanged.\n" ~ lines | join("\n")
            ~ "\nRead by: " ~ read_by | join("; ") ~ ".\n" ~ advice
        ) }}
    {%- endif -%}
    {{ log(
        "Landing preflight: " ~ readers | length ~ " source(s) (" ~ readers.keys() | sort | join(', ') ~ ") complete for ds "
        ~ window.start_ds ~ " .. " ~ window.end_ds, info=true
    ) }}
{% endmacro %}


{#- {landing source name: [names of the nodes among unique_ids that read it directly]}. -#}
{% macro _landing_readers(unique_ids) %}
    {%- set readers = {} -%}
    {%- for unique_id in unique_ids if unique_id in graph.nodes -%}
        {%- set node = graph.nodes[unique_id] -%}
        {%- for parent_id in node.depends_on.nodes if parent_id in graph.sources -%}
            {%- set parent = graph.sources[parent_id] -%}
            {%- if parent.source_name == 'landing' and parent.package_name == project_name -%}
                {%- do readers.setdefault(parent.name, []).append(node.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(readers) }}
{% endmacro %}


{#-
    The days the landing readers of this run read: ds_window(); with
    publish_mode microbatch, one batch per day from --event-time-start to
    --event-time-end (exclusive), or none when dbt picks the batches itself.
-#}
{% macro _preflight_window() %}
    {%- if publish_mode() != 'microbatch' -%}
        {{ return(ds_window()) }}
    {%- endif -%}
    {%- set event_time_start = invocation_args_dict.get('event_time_start') -%}
    {%- set event_time_end = invocation_args_dict.get('event_time_end') -%}
    {%- if not event_time_start or not event_time_end -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first = modules.datetime.datetime.fromisoformat(event_time_start | string | replace('Z', '+00:00')) -%}
    {%- set after = modules.datetime.datetime.fromisoformat(event_time_end | string | replace('Z', '+00:00')) -%}
    {#- The end is exclusive: a batch bound at midnight ends the day before. -#}
    {%- set last_day = after.date() - modules.datetime.timedelta(days=1) if after.time() == modules.datetime.time(0, 0) else after.date() -%}
    {{ return({'start_ds': first.date().isoformat(), 'end_ds': [last_day, first.date()] | max | string}) }}
{% endmacro %}
