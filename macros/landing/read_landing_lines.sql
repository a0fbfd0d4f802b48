{#-
    A select of every raw line of `source_name` in this run's ds window:
    (ds, source_file, raw_line, read_error). read_error is null for a line
    read whole; else it says why the line cannot be used (invalid_utf8,
    line_too_long: see read_jsonl_files), or the row stands for a file that
    was not read, with a null raw_line: unexpected_file (not a part file,
    or a sub-folder), unreadable_file (a part file that is not readable gzip).
    Stops the run with the source and ds named when a partition it needs is
    missing or has no _SUCCESS marker yet.
-#}
{% macro read_landing_lines(source_name) %}
    {#- Declares the lineage; the files are read below. -#}
    {%- set landing_table = source('landing', source_name) -%}
    {%- set files = [] -%}
    {%- set unexpected_files = [] -%}
    {%- if execute -%}
        {%- set window = ds_window() -%}
        {%- set partitions = landing_partitions(source_name) -%}
        {%- for ds in ds_range(window.start_ds, window.end_ds) -%}
            {#- The last line of defence: on-run-start's preflight lists every such partition first. -#}
            {%- set problem = _landing_partition_problem(source_name, ds, partitions) -%}
            {%- if problem is not none and problem.state == 'not_landed' -%}
                {{ exceptions.raise_compiler_error(
                    "Landing partition not available: " ~ problem.message ~ ". Wait for upstream or run an earlier ds."
                ) }}
            {%- elif problem is not none -%}
                {{ exceptions.raise_compiler_error(
                    "Landing partition not complete: " ~ problem.message ~ ". Wait for it or run an earlier ds."
                ) }}
            {%- endif -%}
            {%- do files.extend(partitions[ds].files) -%}
            {%- for source_file in partitions[ds].unexpected_files -%}
                {%- do unexpected_files.append({'ds': ds, 'source_file': source_file}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}

    {%- if files -%}
        {{ read_jsonl_files(files) }}
    {%- else -%}
        select
            cast(null as date) as ds,
            cast(null as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_string() }}) as raw_line,
            cast(null as {{ dbt.type_string() }}) as read_error
        where 1 = 0
    {%- endif -%}
    {#- Files that are not read stay visible: one reject row each. -#}
    {%- for unexpected in unexpected_files %}
        union all
        select
            {{ ds_literal(unexpected.ds) }} as ds,
            cast('{{ unexpected.source_file | replace("'", "''") }}' as {{ dbt.type_string() }}) as source_file,
            cast(null as {{ dbt.type_string() }}) as raw_line,
            cast('unexpected_file' as {{ dbt.type_string() }}) as read_error
    {%- endfor -%}
{%- endmacro %}
