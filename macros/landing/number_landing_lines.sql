{#-
    The rows of `lines_sql` (a select of ds, source_file, raw_line, read_error)
    with line_occurrence: identical lines of one file are told apart by their
    occurrence, 1, 2, ... (a line landed once is 1).
-#}
{% macro number_landing_lines(lines_sql) %}
    {{ return(adapter.dispatch('number_landing_lines')(lines_sql)) }}
{% endmacro %}

{% macro default__number_landing_lines(lines_sql) -%}
    select
        ds,
        source_file,
        raw_line,
        read_error,
        row_number() over (partition by ds, source_file, raw_line order by ds) as line_occurrence
    from ({{ lines_sql }}) as lines_to_number
{%- endmacro %}

{% macro duckdb__number_landing_lines(lines_sql) -%}
    {#-
        Grouping the lines and unnesting each group's read errors (list keeps the
        nulls) costs a third of the window above: a window sorts whole lines.
    -#}
    select
        ds,
        source_file,
        raw_line,
        unnest(read_errors) as read_error,
        unnest(range(1, len(read_errors) + 1)) as line_occurrence
    from (
        select
            ds,
            source_file,
            raw_line,
            list(read_error) as read_errors
        from ({{ lines_sql }}) as lines_to_number
        group by ds, source_file, raw_line
    ) as identical_lines
{%- endmacro %}
