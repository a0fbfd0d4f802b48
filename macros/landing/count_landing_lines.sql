{#-
    A select of (ds, lines_landed, unexpected_files, unreadable_files) for
    every partition of `source_name` in the run window, counted straight from
    the files without the staging reader: no listing shared with it
    (landing_partitions), no line splitting or decoding. The line accounting
    is checked against it (tests/base/assert_every_landed_line_is_accounted_for).
-#}
{% macro count_landing_lines(source_name) %}
    {{ return(adapter.dispatch('count_landing_lines')(source_name)) }}
{% endmacro %}

{% macro default__count_landing_lines(source_name) %}
    {{ exceptions.raise_compiler_error(
        "count_landing_lines is not implemented for adapter '" ~ adapter.type()
        ~ "': add a " ~ adapter.type() ~ "__count_landing_lines macro."
    ) }}
{% endmacro %}

{% macro duckdb__count_landing_lines(source_name) %}
    {%- if not modules.re.fullmatch('[a-z_]+', source_name) -%}
        {{ exceptions.raise_compiler_error("count_landing_lines: bad source name '" ~ source_name ~ "'") }}
    {%- endif -%}
    {#- Parsing: no window nor landing root yet (their vars are validated when the run starts). -#}
    {%- if not execute -%}
        {{ return("select cast(null as date) as ds, 0 as lines_landed, 0 as unexpected_files, 0 as unreadable_files where 1 = 0") }}
    {%- endif -%}
    {%- set window = ds_window() -%}
    {#- The plugin's counter (dbt_plugins/landing_line_count.py) streams each gzip file and counts newline bytes. -#}
    select
        ds,
        counted.lines as lines_landed,
        counted.unexpected_files,
        counted.unreadable_files
    from (
        select
            cast(ds as date) as ds,
            landing_count_partition_lines(folder) as counted
        from (
            values
            {%- for ds in ds_range(window.start_ds, window.end_ds) %}
                ('{{ ds }}', '{{ landing_root() }}/{{ source_name }}/ds={{ ds }}'){{ "," if not loop.last }}
            {%- endfor %}
        ) as partitions (ds, folder)
    ) as counts
{%- endmacro %}

{#- Spark: the same counter, registered in the session by `python -m stayhub.spark`. -#}
{% macro spark__count_landing_lines(source_name) %}
    {{- return(duckdb__count_landing_lines(source_name)) -}}
{% endmacro %}
